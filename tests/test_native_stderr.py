"""Loading landmarkers hides TFLite's fd-2 chatter, without making
concurrent loaders (one per pose worker) wait for each other."""

from __future__ import annotations

import os
import threading

import pytest

from app.base.settings import DetectionSettings
from app.pose import estimator as estimator_mod
from app.pose.estimator import PoseEstimator, _quiet_native_stderr


def _fd2() -> tuple[int, int]:
    st = os.fstat(2)
    return st.st_dev, st.st_ino


@pytest.fixture
def loud(monkeypatch):
    """As in a library caller that never called silence_native_logs."""
    monkeypatch.setattr(estimator_mod, "_silenced", False)


def test_a_second_loader_does_not_wait_for_the_first(loud):
    before = _fd2()
    null = os.stat(os.devnull)
    first_inside, release, second_inside = threading.Event(), threading.Event(), threading.Event()
    inside_fd2 = []

    def first() -> None:
        with _quiet_native_stderr():
            first_inside.set()
            release.wait(10)

    def second() -> None:
        first_inside.wait(10)
        with _quiet_native_stderr():
            inside_fd2.append(_fd2())
            second_inside.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    try:
        # The old lock was held for the whole load: the second waited here.
        assert second_inside.wait(5), "the second loader waited for the first one's load"
        assert inside_fd2 == [(null.st_dev, null.st_ino)]
        assert _fd2() == (null.st_dev, null.st_ino)  # still hidden: the first is loading
    finally:
        release.set()
        for t in threads:
            t.join(10)
    assert _fd2() == before  # the last one out put the real fd 2 back


def test_real_landmarkers_loaded_at_once_leave_fd2_as_it_was(loud, model_path):
    before = _fd2()
    made, errors = [], []

    def load() -> None:
        try:
            made.append(PoseEstimator(model_path, DetectionSettings(max_people=1)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for estimator in made:
        estimator.close()
    assert not errors and len(made) == 2
    assert _fd2() == before
