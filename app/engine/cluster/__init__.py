"""Archives on a Dask cluster: one task per file, each running the very
pipeline the CLI runs (app/engine/pipeline.py) with the same settings value.

Dask (the optional `cluster` extra) is imported only inside these modules'
functions, so the app starts, and the bundle builds, without it.
"""
