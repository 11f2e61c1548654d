"""Developer tools, not shipped with the app (python -m tools.NAME)."""
