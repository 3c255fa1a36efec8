"""Streamlit-only helpers of the dashboard (the core package never imports streamlit)."""
