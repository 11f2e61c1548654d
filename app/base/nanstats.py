"""NaN-skipping reductions that never warn.

NumPy's nanmean/nanmax warn ("Mean of empty slice", "All-NaN slice") where
a row has no value, and hiding that with `warnings.catch_warnings()` is not
thread-safe: the context manager swaps the process-wide filter list, so two
workers (watch's cameras, a conversion's pose workers) entering and leaving
it at once can leave RuntimeWarnings ignored for the whole process, or let
them through to the log. These return NaN for an empty row, as NumPy's do,
and touch no global state.
"""

from __future__ import annotations

import numpy as np


def nan_mean(values: np.ndarray, axis: int) -> np.ndarray:
    """Mean over `axis` of the values that are not NaN; NaN where none is."""
    values = np.asarray(values, np.float64)
    present = ~np.isnan(values)
    count = present.sum(axis=axis)
    total = np.where(present, values, 0.0).sum(axis=axis)
    return np.divide(total, count, out=np.full(np.shape(total), np.nan), where=count > 0)


def nan_span(values: np.ndarray, axis: int) -> np.ndarray:
    """max - min over `axis`, skipping NaN; NaN where every value is NaN."""
    values = np.asarray(values, np.float64)
    return np.fmax.reduce(values, axis=axis) - np.fmin.reduce(values, axis=axis)
