"""Base values and errors: frozen dataclasses, read-only arrays, the one settings value.
Imports nothing else of the app.
"""
