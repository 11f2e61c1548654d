"""The Qt-free parts behind the GUI: sources, settings codec, hit-testing,
plot series and the live recorder."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from app.analysis.series import ANGLE_NAMES, SeriesBuffer
from app.base.settings import BackgroundSpec, DetectionSettings, FitMode, PeopleSettings
from app.base.style import RenderStyle
from app.base.types import PoseFrame
from app.engine.analysis_files import series_of_keypoint_file
from app.engine.live import RateMeter, person_at
from app.media.sources import FileSource, SourceEnded, SourceUnavailable
from app.studio.studio_settings import StudioSettings, from_dict, to_dict
from tests.helpers.sources import SyntheticSource


def test_file_source_is_paced_drops_late_frames_pauses_and_seeks(short_carphone):
    source = FileSource(short_carphone, loop=False)
    info = source.open()
    try:
        assert info.seekable and info.width == 192 and abs(info.duration_s - 2.0) < 0.1
        start, got = time.monotonic(), []
        while time.monotonic() - start < 0.5:
            frame = source.read(0.1)
            if frame is not None:
                got.append(frame.time_s)
        # Played at its own speed: about 0.5 s of video in 0.5 s.
        assert 10 <= len(got) <= 18 and got[-1] < 0.6
        time.sleep(0.5)  # a slow consumer: stale frames are dropped
        late = source.read(0.1)
        assert late.time_s >= 0.9 and source.dropped >= 10
        source.set_paused(True)
        assert source.read(0.2) is None
        source.seek(1.5)
        shown = source.read(0.2)
        assert abs(shown.time_s - 1.5) < 0.05  # a seek shows its frame even when paused
        source.set_paused(False)
        with pytest.raises(SourceEnded):
            for _ in range(100):
                source.read(0.2)
    finally:
        source.close()


def test_synthetic_source_outage_and_failure(person_frames):
    source = SyntheticSource(person_frames[:3], fps=50, outage=(0.1, 0.3), fail_after=30)
    source.open()
    kinds = []
    while True:
        try:
            frame = source.read(0.1)
            kinds.append("frame" if frame is not None else "none")
        except SourceUnavailable:
            kinds.append("lost")
        except RuntimeError:
            break
    first_lost = kinds.index("lost")
    assert "frame" in kinds[first_lost:]  # frames return after the outage
    assert source.delivered == 30
    source.close()


def test_settings_round_trip_and_forgiving_reading(tmp_path):
    settings = StudioSettings(
        keypoints=("csv",), offline=True).edited(
        style=RenderStyle(color=(1, 2, 3), left_color=(4, 5, 6), thickness=7.5, show_face=False),
        background=BackgroundSpec(color=(9, 9, 9), path=tmp_path / "bg.png", fit=FitMode.FILL,
                                  loop=False),
        detection=DetectionSettings(tiles="auto"),
        people=PeopleSettings(smoothing=0.25, exclude_ids=frozenset({2, 5})))
    text = json.dumps(to_dict(settings))
    assert from_dict(json.loads(text)) == settings
    # Bad values fall back one by one; unknown keys are ignored.
    damaged = json.loads(text)
    damaged["skeleton"]["style"]["opacity"] = 7  # out of range
    damaged["skeleton"]["style"]["color"] = "cyan"
    damaged["skeleton"]["keep_audio"] = "yes"
    damaged["unknown"] = 1
    back = from_dict(damaged)
    assert back.style.opacity == 1.0 and back.style.color == RenderStyle().color
    assert back.style.thickness == 7.5 and back.keep_audio is False
    assert from_dict("garbage") == StudioSettings()
    # One smoothing for exports and the preview (which only fills no gaps).
    assert settings.convert_settings().people.smoothing == 0.25
    assert settings.live_skeleton().people.smoothing == 0.25
    # Exports use exactly the skeleton settings, the value the CLI builds.
    assert settings.convert_settings() == settings.skeleton
    assert settings.convert_settings().people.exclude_ids == {2, 5}


def _pose(boxes: list[tuple[float, float, float, float]], ids=None) -> PoseFrame:
    lm = np.zeros((len(boxes), 33, 5), np.float32)
    for p, (x0, y0, x1, y1) in enumerate(boxes):
        lm[p, :, 0] = np.linspace(x0, x1, 33)
        lm[p, :, 1] = np.linspace(y0, y1, 33)
        lm[p, :, 3:] = 1
    return PoseFrame(0, 0.0, 100, 100, lm, tuple(ids or range(len(boxes))))


def test_person_at_hits_the_smallest_box():
    pose = _pose([(0.1, 0.1, 0.9, 0.9), (0.4, 0.4, 0.6, 0.6)], ids=[7, 9])
    assert person_at(pose, 0.5, 0.5) == 9  # inside both: the nearer (smaller) one
    assert person_at(pose, 0.2, 0.2) == 7
    assert person_at(pose, 0.97, 0.02) is None


def test_rate_meter():
    meter = RateMeter(window_s=1.0)
    for i in range(11):
        meter.add(i * 3, now=i * 0.1)
    assert meter.rate == pytest.approx(30.0)


def test_angles_and_series_from_keypoints(tmp_path):
    from app.base.landmarks import INDEX
    from app.media.keypoints import open_keypoint_writer
    lm = np.zeros((1, 33, 5), np.float32)
    lm[0, :, 3:] = 0.9
    lm[0, INDEX["left_hip"], :2] = (0.5, 0.2)
    lm[0, INDEX["left_knee"], :2] = (0.5, 0.6)
    lm[0, INDEX["left_ankle"], :2] = (0.9, 0.6)  # a right angle in a 100x100 frame
    valid = np.ones((1, 33), bool)
    valid[0, INDEX["right_knee"]] = False
    path = tmp_path / "k.json"
    with open(path, "w", encoding="utf-8") as stream:
        writer = open_keypoint_writer(path, stream, width=100, height=100, fps=25.0,
                                      frame_count=2, include_face=False)
        for i in range(2):
            writer.write(PoseFrame(i, i / 25, 100, 100, lm, (0,)), valid)
        writer.close()
    series = series_of_keypoint_file(path)
    assert len(series) == 2 and list(series.times) == [0.0, 0.04]
    assert series.angles[0, ANGLE_NAMES.index("left knee")] == pytest.approx(90.0, abs=0.01)
    assert np.isnan(series.angles[0, ANGLE_NAMES.index("right knee")])  # invalid point
    assert series.confidence[0] == pytest.approx(0.9) and series.throughput[0] == 25.0

    buffer = SeriesBuffer(capacity=4)
    for i in range(6):
        buffer.add(i, PoseFrame(i, i / 25, 100, 100, lm, (0,)), 10.0)
    data = buffer.snapshot()
    assert list(data.times) == [2, 3, 4, 5] and np.all(data.throughput == 10)
    assert data.angles[-1, ANGLE_NAMES.index("left knee")] == pytest.approx(90.0, abs=0.01)


def test_live_recorder_abort_leaves_nothing(tmp_path, person_frames):
    from app.engine.live import LiveResult, LiveTimings
    from app.engine.live_recorder import LiveRecorder, RecordRequest
    out = tmp_path / "rec.mp4"
    recorder = LiveRecorder(RecordRequest(out, (tmp_path / "rec.json",)), 176, 144, 15,
                            RenderStyle())
    image = np.zeros((144, 176, 3), np.uint8)
    image.setflags(write=False)
    for i in range(3):
        recorder.write(LiveResult(_pose([]), image, None, LiveTimings(0, 0), i / 15))
    recorder.abort()
    assert list(tmp_path.iterdir()) == []
