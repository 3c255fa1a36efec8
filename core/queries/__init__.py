"""The read side: roll-ups, views, compare, export, digest, analysts and question themes."""
