"""Storing and searching: the DuckDB store and its migrations, the LanceDB vector table and its search, object
storage, locks."""
