"""The live loop without Qt: the newest frame wins, settings and record
commands reach it between frames, a lost camera comes back, and stopping
closes everything it opened."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from app.base.settings import SkeletonSettings
from app.base.style import RenderStyle
from app.engine.live import LiveSettings
from app.engine.live_loop import LiveLoop
from app.engine.live_recorder import RecordRequest
from app.media.video import probe
from tests.helpers.clips import frames_of
from tests.helpers.sources import SyntheticSource


class Listener:
    """Records what the loop reports (from the loop's thread)."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.lock = threading.Lock()

    def _add(self, *call) -> None:
        with self.lock:
            self.calls.append(call)

    def names(self) -> list[str]:
        with self.lock:
            return [c[0] for c in self.calls]

    def opened(self, info): self._add("opened", info)
    def frame_ready(self): self._add("frame_ready")
    def source_lost(self, message): self._add("source_lost", message)
    def source_back(self): self._add("source_back")
    def fall_detected(self, alert): self._add("fall_detected", alert)
    def device_noted(self, note): self._add("device_noted", note)
    def recording_started(self, path): self._add("recording_started", path)
    def recording_stopped(self, path): self._add("recording_stopped", path)
    def recording_failed(self, message): self._add("recording_failed", message)


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def person_frames(carphone):
    return frames_of(carphone, 20)


def _start(source, model_path, settings=LiveSettings()):
    listener = Listener()
    loop = LiveLoop(source, model_path, settings, listener)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            loop.run()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return loop, listener, thread, errors


def test_newest_frame_wins_and_settings_apply_between_frames(person_frames, model_path):
    source = SyntheticSource(person_frames, fps=30)
    loop, listener, thread, errors = _start(source, model_path)
    try:
        wait_for(lambda: "frame_ready" in listener.names())
        time.sleep(1.0)  # frames keep coming while nobody takes them
        # One notification per empty mailbox: the untaken frames were replaced, not queued.
        assert listener.names().count("frame_ready") == 1
        first = loop.take_latest()
        assert first is not None and loop.take_latest() is None
        red = RenderStyle(color=(255, 0, 0), thickness=8, joint_radius=8)
        loop.update_settings(LiveSettings(skeleton=SkeletonSettings(style=red)))

        def red_frame():
            frame = loop.take_latest()
            return frame is not None and frame.result.pose.people and bool(
                ((frame.result.rendered[..., 0] > 200) & (frame.result.rendered[..., 1] < 60)).any())
        wait_for(red_frame)
    finally:
        loop.request_stop()
        thread.join(30)
    assert not thread.is_alive() and not errors
    assert listener.names()[0] == "opened"


def test_record_commands_and_a_camera_that_comes_back(person_frames, model_path, tmp_path):
    source = SyntheticSource(person_frames, fps=30, outage=(0.5, 1.0))
    loop, listener, thread, errors = _start(source, model_path)
    out = tmp_path / "rec.mp4"
    try:
        wait_for(lambda: "frame_ready" in listener.names())
        loop.start_recording(RecordRequest(out))
        wait_for(lambda: "source_back" in listener.names(), timeout=30)
        for _ in range(3):  # a few new frames after the camera came back are recorded too
            wait_for(lambda: loop.take_latest() is not None)
        loop.stop_recording()
        wait_for(lambda: "recording_stopped" in listener.names())
    finally:
        loop.request_stop()
        thread.join(30)
    assert not thread.is_alive() and not errors
    names = listener.names()
    assert names.index("recording_started") < names.index("recording_stopped")
    assert names.index("source_lost") < names.index("source_back")
    info = probe(out, count_frames=True)
    assert info.frame_count >= 3 and not info.has_audio
    frames = frames_of(out)
    assert max(float(np.asarray(f).max()) for f in frames) > 100  # skeletons were recorded
