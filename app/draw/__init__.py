"""Drawing steps: the skeleton on a picture (NumPy raster, stroke font). Imports only app.base."""
