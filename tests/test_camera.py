"""Cameras through FFmpeg capture devices (app.media.camera).

There is no webcam on the test machines, so the reading, newest-frame,
outage and shutdown logic runs against FFmpeg's `lavfi` input device: a real
FFmpeg capture device that generates a test picture in real time, opened by
the same code path as V4L2, DirectShow and AVFoundation.
"""

from __future__ import annotations

import glob
import sys
import threading
import time

import numpy as np
import pytest

from app.media.camera import CameraDevice, CameraSource, _device_for, list_cameras
from app.media.sources import SourceUnavailable


def lavfi_camera(spec: str = "testsrc2=size=320x240:rate=30", label: str = "Test camera",
                 index: int = 0) -> CameraDevice:
    # `realtime` paces the generator like a camera (no faster than its rate).
    return CameraDevice(index, label, f"{spec},realtime", "lavfi")


def camera_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("camera-")]


def test_a_camera_opens_and_sends_pictures():
    source = CameraSource(lavfi_camera())
    info = source.open()
    try:
        assert (info.width, info.height, info.fps) == (320, 240, 30.0)
        assert info.name == "Test camera" and not info.seekable
        frames = []
        deadline = time.monotonic() + 5
        while len(frames) < 5 and time.monotonic() < deadline:
            frame = source.read(0.5)
            if frame is not None:
                frames.append(frame)
        assert len(frames) == 5
        assert [f.index for f in frames] == list(range(5))
        assert all(f.image.shape == (240, 320, 3) and f.image.dtype == np.uint8 for f in frames)
        assert frames[0].image.flags.c_contiguous
        assert frames[-1].time_s > frames[0].time_s
        assert not np.array_equal(frames[0].image, frames[-1].image)  # a moving test picture
    finally:
        source.close()
    assert camera_threads() == []


def test_a_slow_reader_gets_the_newest_picture_not_a_backlog():
    source = CameraSource(lavfi_camera())
    source.open()
    try:
        assert source.read(1.0) is not None
        time.sleep(0.6)  # ~18 pictures arrive meanwhile
        frame = source.read(1.0)
        assert frame is not None and frame.index == 1
        assert source.frames_seen >= 10  # the device went on; the skipped ones are gone
        assert source.read(0.0) is None  # nothing newer yet
    finally:
        source.close()


def test_interrupt_wakes_a_waiting_read():
    source = CameraSource(lavfi_camera("testsrc2=size=64x48:rate=1"))
    source.open()
    try:
        source.read(2.0)
        threading.Timer(0.2, source.interrupt).start()
        start = time.monotonic()
        assert source.read(5.0) is None
        assert time.monotonic() - start < 0.9  # woken, not timed out (next picture is 1 s away)
    finally:
        source.close()
    assert camera_threads() == []


def test_a_camera_that_stops_is_reported_then_reopened():
    # A generator that stops after 0.3 s, as an unplugged camera does; the
    # source then reopens it, as it would a camera plugged back in.
    source = CameraSource(lavfi_camera("testsrc2=size=64x48:rate=30:d=0.3"))
    source.open()
    outages, frames = [], 0
    deadline = time.monotonic() + 10
    try:
        while (len(outages) < 2 or frames < 20) and time.monotonic() < deadline:
            try:
                if source.read(0.1) is not None:
                    frames += 1
            except SourceUnavailable as exc:
                outages.append(str(exc))
    finally:
        source.close()
    assert len(outages) >= 2 and frames >= 20
    assert "Test camera stopped sending pictures" in outages[0]
    assert camera_threads() == []


def test_a_missing_camera_gives_a_clear_error():
    device = CameraDevice(0, "Camera 97", "/dev/video97" if sys.platform.startswith("linux")
                          else "no such camera", "v4l2" if sys.platform.startswith("linux")
                          else "lavfi")
    source = CameraSource(device, open_timeout_s=3.0)
    with pytest.raises(SourceUnavailable, match="Camera 97 cannot be opened"):
        source.open()
    assert camera_threads() == []


NO_VIDEO_NODES = not sys.platform.startswith("linux") or bool(glob.glob("/dev/video*"))


@pytest.mark.skipif(NO_VIDEO_NODES, reason="needs a Linux machine with no /dev/video* node")
def test_listing_cameras_works_with_none_plugged_in():
    assert list_cameras() == [] and list_cameras(probe=False) == []


def test_a_device_that_sends_no_picture_is_not_offered(monkeypatch):
    """V4L2 lists metadata nodes and busy devices too: only a device that
    opens and sends a picture is a camera; the rest are numbered without it."""
    import app.media.camera as camera
    monkeypatch.setattr(camera, "platform_input_format", lambda: "v4l2")
    monkeypatch.setattr(camera, "_candidates", lambda fmt: [("/dev/video97", "metadata node"),
                                                           ("/dev/video98", "busy")])
    unprobed = list_cameras(probe=False)
    assert [(c.index, c.url) for c in unprobed] == [(0, "/dev/video97"), (1, "/dev/video98")]
    assert all(isinstance(c, CameraDevice) for c in unprobed)
    assert list_cameras() == []


def test_platform_devices_are_opened_the_way_ffmpeg_expects():
    win = _device_for(0, "@device_pnp_\\\\?\\usb#vid_046d", "HD Webcam C615", "dshow")
    assert (win.url, win.fmt, win.label) == ("video=@device_pnp_\\\\?\\usb#vid_046d", "dshow",
                                             "HD Webcam C615")
    mac = _device_for(1, "0", "FaceTime HD Camera", "avfoundation")
    assert mac.url == "0:none" and mac.label == "FaceTime HD Camera"
    # AVFoundation refuses a rate the camera lacks: 30, then 15 fps are tried.
    assert dict(mac.option_sets[0])["framerate"] == "30"
    assert dict(mac.option_sets[1])["framerate"] == "15"
    linux = _device_for(2, "/dev/video2", "Integrated Camera", "v4l2")
    assert (linux.url, linux.fmt) == ("/dev/video2", "v4l2")
