"""The live preview's overlap of inference and drawing: the drawing stage
keeps order, carries errors back, stops cleanly, and the live loop's frames
still arrive in order with no thread left behind."""

from __future__ import annotations

import threading
import time

import pytest

from app.engine.live import LiveSettings
from app.engine.serial_stage import SerialStage
from tests.helpers.clips import frames_of
from tests.helpers.sources import SyntheticSource
from tests.test_live_loop import _start, wait_for


def test_calls_run_in_order_on_one_other_thread():
    seen: list[tuple[int, str]] = []
    stage = SerialStage("test-stage", depth=2)
    for i in range(200):
        stage.submit(lambda i=i: seen.append((i, threading.current_thread().name)))
    stage.close()
    assert [i for i, _ in seen] == list(range(200))
    assert {name for _, name in seen} == {"test-stage"}
    assert not stage.running


def test_a_full_stage_makes_the_producer_wait():
    gate = threading.Event()
    stage = SerialStage("test-stage", depth=1)
    stage.submit(gate.wait)  # running
    stage.submit(lambda: None)  # queued: the queue is full now
    blocked = threading.Thread(target=stage.submit, args=(lambda: None,))
    blocked.start()
    time.sleep(0.3)
    assert blocked.is_alive()  # waits for room instead of piling up
    gate.set()
    blocked.join(5)
    assert not blocked.is_alive()
    stage.close()


def test_an_error_reaches_the_producer_and_later_calls_are_dropped():
    ran: list[int] = []
    stage = SerialStage("test-stage")

    def fail() -> None:
        raise ValueError("drawing failed")
    stage.submit(fail)
    stage.submit(lambda: ran.append(1))
    with pytest.raises(ValueError, match="drawing failed"):
        for _ in range(100):  # raised by a later submit, or by close
            stage.submit(lambda: ran.append(2))
            time.sleep(0.01)
        stage.close()
    stage.close(raise_error=False)
    assert not stage.running and ran == []


def _draw_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "posecloak-live-draw"]


def test_live_frames_arrive_in_order_drawn_elsewhere_and_stop_cleanly(carphone, model_path):
    source = SyntheticSource(frames_of(carphone, 20), fps=30)
    loop, listener, thread, errors = _start(source, model_path, LiveSettings())
    taken = []
    try:
        wait_for(lambda: "frame_ready" in listener.names())
        assert len(_draw_threads()) == 1  # the drawing stage runs beside the loop
        deadline = time.monotonic() + 60
        while len(taken) < 8 and time.monotonic() < deadline:
            frame = loop.take_latest()
            if frame is not None:
                taken.append(frame)
            time.sleep(0.01)
    finally:
        loop.request_stop()
        thread.join(30)
    assert not thread.is_alive() and not errors
    assert not _draw_threads()  # joined before run() returned
    assert len(taken) >= 8
    indices = [f.result.pose.index for f in taken]
    assert indices == sorted(set(indices))  # newest first never goes backwards
    assert all(f.result.rendered.shape == (144, 192, 3) for f in taken)
    assert all(f.result.timings.inference_ms > 0 for f in taken)


def test_a_drawing_error_ends_the_session_with_its_message(carphone, model_path, tmp_path):
    """The background is opened on the drawing thread; its error still ends
    run() on the loop's thread, with the drawing thread joined."""
    from app.base.errors import BackgroundError
    from app.base.settings import BackgroundSpec, SkeletonSettings
    missing = SkeletonSettings(background=BackgroundSpec(path=tmp_path / "gone.mp4"))
    source = SyntheticSource(frames_of(carphone, 5), fps=30)
    _loop, listener, thread, errors = _start(source, model_path, LiveSettings(skeleton=missing))
    thread.join(60)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], BackgroundError)
    assert "gone.mp4" in str(errors[0])
    assert not _draw_threads() and "frame_ready" not in listener.names()
