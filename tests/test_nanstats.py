"""NaN-skipping reductions used by analysis and seams: NumPy's values, no
warnings, and no process-wide state touched (watch runs a camera per thread)."""

from __future__ import annotations

import sys
import threading
import warnings

import numpy as np

from app.analysis.angles import midpoint
from app.analysis.series import main_person
from app.base.nanstats import nan_mean, nan_span
from app.people.seams import person_distances


def test_nan_mean_and_span_match_numpy_where_there_are_values() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(5, 33, 2))
    values[rng.random(values.shape) < 0.3] = np.nan
    values[0] = np.nan  # a row with nothing
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("ignore")
        mean, span = np.nanmean(values, axis=1), np.nanmax(values, axis=1) - np.nanmin(values, axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # these must not warn at all
        np.testing.assert_allclose(nan_mean(values, axis=1), mean)
        np.testing.assert_allclose(nan_span(values, axis=1), span)
    assert np.isnan(nan_mean(values, axis=1)[0]).all()


def test_threads_reducing_empty_rows_leave_the_warning_filters_alone() -> None:
    """The old code hid NumPy's empty-slice warnings with
    warnings.catch_warnings(), which swaps the process-wide filter list:
    threads doing it at once left RuntimeWarnings ignored for the whole
    process (or printed them: the watch soak's log had "Mean of empty slice"
    from two cameras)."""
    nobody = np.full((2, 33, 4), np.nan)
    xy = nobody[..., :2]
    before = list(warnings.filters)
    barrier = threading.Barrier(4)

    def work() -> None:
        barrier.wait()
        for _ in range(300):
            midpoint(xy, 11, 12)
            person_distances(nobody, nobody)
            main_person(nobody)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, as a loaded machine does
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            inside = list(warnings.filters)
            threads = [threading.Thread(target=work) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert list(warnings.filters) == inside
    finally:
        sys.setswitchinterval(interval)
    assert list(warnings.filters) == before
    assert [str(w.message) for w in caught] == []
