"""People over time: person IDs, gap filling, smoothing, matching people between passes.
Pure NumPy; imports only app.base.
"""
