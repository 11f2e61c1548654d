"""Activity and falls on clips made from real people, with the real model:
a standing person tipped over to lying in 0.5 s (one fall, right time and
person), the same person lying down slowly and standing up again (no fall),
people walking in vtest.avi (walking), a person seen from the chest up
(unknown); and the live detector agreeing with the file's analysis."""

from __future__ import annotations

import numpy as np
import pytest

from app.analysis.analysis import Analysis
from app.analysis.events import LiveFallMonitor
from app.base.settings import PeopleSettings, SkeletonSettings
from app.engine.jobs import ConvertJob
from app.engine.pipeline import convert
from app.people.processor import PeopleProcessor
from tests.helpers.motion_clips import (
    FALL_DURATION_S,
    FALL_START_S,
    write_fall_clip,
    write_slow_clip,
)


def _analyse(source, tmp_path, model_path) -> tuple[Analysis, list]:
    """The pose path of `posecloak analyze` (no video written), keeping the poses."""
    poses = []
    # `on_frame` gets the frames as drawn; with the person's own body they are
    # the landmarks the analysis reads (the live monitor reads those too).
    settings = SkeletonSettings(jobs=1, people=PeopleSettings(standard_body=False))
    job = ConvertJob(source, tmp_path / "unused.html", settings,
                     keypoints=(tmp_path / "k.json",), video=False)
    result = convert(job, model_path, on_frame=lambda pose, _canvas: poses.append(pose))
    assert not (tmp_path / "unused.html").exists()
    return result.analysis, poses


@pytest.fixture(scope="module")
def fall_run(tmp_path_factory, media, model_path):
    folder = tmp_path_factory.mktemp("fall")
    return _analyse(write_fall_clip(folder / "fall.mp4", media), folder, model_path)


@pytest.fixture(scope="module")
def slow_run(tmp_path_factory, media, model_path):
    folder = tmp_path_factory.mktemp("slow")
    return _analyse(write_slow_clip(folder / "slow.mp4", media), folder, model_path)


def test_a_fast_tip_to_lying_then_still_is_one_fall(fall_run):
    analysis, _ = fall_run
    [person] = analysis.people
    [fall] = [e for e in analysis.events if e.kind == "fall"]
    assert fall.person_id == person.person_id
    # At the start of the 0.5 s tip, give or take two frames (a fall is timed
    # where it begins, as datasets of real falls label it; it was the middle).
    assert fall.time_s == pytest.approx(FALL_START_S, abs=0.14)
    assert 0.4 <= fall.confidence <= 1.0
    states = [s.state for s in person.segments]
    assert states[0] == "standing" and states[-1] == "lying"
    assert "sitting" not in states and "walking" not in states
    lying = person.segments[-1]
    assert lying.start_s == pytest.approx(FALL_START_S + FALL_DURATION_S / 2, abs=0.3)
    # The trunk's range of motion spans upright to horizontal.
    trunk = person.rom["trunk lean from vertical"]
    assert trunk["min"] < 10 and trunk["max"] > 80


def test_lying_down_slowly_and_getting_up_is_no_fall(slow_run):
    analysis, _ = slow_run
    assert [e for e in analysis.events if e.kind == "fall"] == []
    [person] = analysis.people
    states = [s.state for s in person.segments]
    assert states[0] == "standing" and states[-1] == "standing" and "lying" in states
    lying = next(s for s in person.segments if s.state == "lying")
    assert lying.start_s == pytest.approx(4.0, abs=0.7) and lying.end_s == pytest.approx(7.0, abs=0.7)


def test_the_live_detector_raises_the_same_fall(fall_run, slow_run):
    for (analysis, poses), expected in ((fall_run, 1), (slow_run, 0)):
        monitor = LiveFallMonitor()
        alerts = [e for pose in poses for e in monitor.update(pose)]
        falls = [e for e in analysis.events if e.kind == "fall"]
        assert len(alerts) == len(falls) == expected
        for alert, fall in zip(alerts, falls):
            assert (alert.person_id, alert.time_s) == (fall.person_id, fall.time_s)


def test_people_walking_in_vtest_are_walking(vtest, model_path):
    from app.analysis.analysis import AnalysisAccumulator
    from tests.helpers.people_media import vtest_poses
    processor = PeopleProcessor(PeopleSettings(), 10.0)
    accumulator = AnalysisAccumulator(fps=10.0)
    for pose in [*(p for raw in vtest_poses(vtest, model_path, True)
                   for p in processor.push(raw)), *processor.flush()]:
        accumulator.add(pose)
    analysis = accumulator.finish()
    long_tracks = [p for p in analysis.people if p.last_s - p.first_s >= 2.5]
    assert len(long_tracks) >= 3
    for person in long_tracks:
        walking = sum(s.duration_s for s in person.segments if s.state == "walking")
        assert walking / (person.last_s - person.first_s) > 0.7, person.segments
    assert not [e for e in analysis.events if e.kind == "fall"]
    cadences = [c for p in long_tracks for c in p.cadences]
    assert cadences and all(50 <= c <= 200 for c in cadences)
    # People walking in and out of the picture are events too.
    assert {e.kind for e in analysis.events} <= {"entered", "left"}


def test_a_person_seen_from_the_chest_up_is_unknown(carphone, tmp_path, model_path):
    analysis, _ = _analyse(carphone, tmp_path, model_path)
    [person] = [p for p in analysis.people if p.last_s - p.first_s > 2]
    assert {s.state for s in person.segments} == {"unknown"}
    assert np.isnan(person.angles).all()  # no hip, knee or wrist seen: no angle
