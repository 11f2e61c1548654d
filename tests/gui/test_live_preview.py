"""The live preview: file and synthetic (camera stand-in) sources, style
changes on the next frame, outages, worker errors, clicks and recording."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QPoint, Qt

from app.media.video import probe
from tests.gui.conftest import close_dialogs
from tests.helpers.clips import frames_of
from tests.helpers.sources import SyntheticSource


def shown_pixels(canvas) -> np.ndarray:
    """The picture the canvas paints, as RGB."""
    from PySide6.QtGui import QImage
    image = canvas.image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, :w * 3].reshape(h, w, 3).copy()


def skeleton_pixels(canvas) -> int:
    """Pixels that are not the black background."""
    return int((shown_pixels(canvas).max(axis=2) > 40).sum())


def wait_frames(qtbot, window, count: int, timeout: int = 60000) -> None:
    target = window.live.frames_shown + count
    qtbot.waitUntil(lambda: window.live.frames_shown >= target, timeout=timeout)


def still_source(frames, **kw) -> SyntheticSource:
    """One picture of a person, repeated like a camera pointed at a still scene."""
    return SyntheticSource([frames[10]] * 30, fps=15, **kw)


def test_file_source_starts_plays_and_stops(qtbot, window, short_carphone):
    bar = window.live.source_bar
    bar.set_file(short_carphone)
    assert bar.choice().path == short_carphone
    qtbot.mouseClick(bar.start, Qt.MouseButton.LeftButton)
    assert window.live.running
    wait_frames(qtbot, window, 5)
    assert bar.start.text() == "Stop" and bar.pause.isEnabled() and bar.seek.isEnabled()
    qtbot.waitUntil(lambda: "fps" in window.status_labels["inference"].text(), timeout=5000)
    assert window.status_labels["source"].text() == short_carphone.name
    assert window.status_labels["size"].text() == "192\u00d7144"
    # Pause: no new frames; resume: frames again.
    qtbot.mouseClick(bar.pause, Qt.MouseButton.LeftButton)
    qtbot.wait(300)
    paused_at = window.live.frames_shown
    qtbot.wait(500)
    assert window.live.frames_shown <= paused_at + 1
    qtbot.mouseClick(bar.pause, Qt.MouseButton.LeftButton)
    wait_frames(qtbot, window, 3)
    qtbot.mouseClick(bar.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.live.running, timeout=10000)
    assert bar.start.text() == "Start"
    assert window.status_labels["source"].text() == "No live source"
    assert not close_dialogs(window)


def test_thickness_slider_changes_the_next_frame(qtbot, window, person_frames):
    window.live.start(still_source(person_frames))
    wait_frames(qtbot, window, 3)
    canvas = window.live.preview.skeleton
    thin = skeleton_pixels(canvas)
    assert thin > 0, "no skeleton in the preview"
    slider = window.style_panel.thickness
    slider.slider.setValue(slider.slider.maximum())  # as a drag would
    assert window.settings.style.thickness == 20
    wait_frames(qtbot, window, 2)
    assert skeleton_pixels(canvas) > 2 * thin


def test_paused_file_shows_style_changes(qtbot, window, short_carphone):
    from app.media.sources import FileSource
    window.live.start(FileSource(short_carphone))
    wait_frames(qtbot, window, 3)
    window.live.source_bar.pause.click()
    qtbot.wait(300)
    before = shown_pixels(window.live.preview.skeleton)
    window.style_panel.color.set_color((255, 0, 0), notify=True)
    qtbot.waitUntil(lambda: not np.array_equal(shown_pixels(window.live.preview.skeleton),
                                               before), timeout=5000)
    red = shown_pixels(window.live.preview.skeleton)
    assert ((red[..., 0] > 200) & (red[..., 1] < 60)).any()


def test_camera_outage_shows_a_message_and_recovers(qtbot, window, person_frames):
    source = still_source(person_frames, outage=(1.0, 2.5))
    window.live.start(source)
    overlay = lambda: window.live.preview.skeleton.overlay  # noqa: E731
    qtbot.waitUntil(lambda: "stopped sending" in overlay(), timeout=60000)
    assert "Waiting for it to come back" in overlay()
    lost_at = window.live.frames_shown
    qtbot.waitUntil(lambda: overlay() == "", timeout=10000)
    wait_frames(qtbot, window, 3)
    assert window.live.frames_shown > lost_at and window.live.running
    assert not close_dialogs(window)


def test_worker_error_never_takes_the_window_down(qtbot, window, person_frames):
    window.live.start(still_source(person_frames, fail_after=5))
    qtbot.waitUntil(lambda: not window.live.running, timeout=60000)
    texts = close_dialogs(window)
    assert len(texts) == 1 and "simulated driver failure" in texts[0]
    assert window.isVisible()
    # The window still works: a new session runs.
    window.live.start(still_source(person_frames))
    wait_frames(qtbot, window, 2)
    window.live.stop()
    qtbot.waitUntil(lambda: not window.live.running, timeout=10000)


def test_click_on_a_person_leaves_them_out_everywhere(qtbot, window, person_frames,
                                                      short_carphone):
    window.live.start(still_source(person_frames))
    wait_frames(qtbot, window, 3)
    pose = window.live.latest_pose
    assert pose.people == 1
    lm = pose.landmarks[0]
    seen = (lm[:, 3] > 0.5) & (lm[:, :2] > 0).all(axis=1) & (lm[:, :2] < 1).all(axis=1)
    x, y = lm[seen, :2].mean(axis=0)  # inside the visible part of the person
    canvas = window.live.preview.skeleton
    rect = canvas.image_rect()
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton,
                     pos=QPoint(int(rect.left() + x * rect.width()),
                                int(rect.top() + y * rect.height())))
    person = pose.ids[0]
    assert window.settings.people.exclude_ids == {person}
    assert window.settings.convert_settings().people.exclude_ids == {person}
    assert f"#{person}" in window.people_panel.excluded.text()
    # The worker takes the new settings before its next frame.
    qtbot.waitUntil(lambda: window.live.latest_pose.people == 0, timeout=5000)
    wait_frames(qtbot, window, 2)
    assert window.live.latest_pose.people == 0
    assert skeleton_pixels(canvas) == 0
    # Exports queued now leave them out of the video and the keypoints too.
    [row_id] = window.add_files([short_carphone])
    qtbot.waitUntil(lambda: window.exports.model.row(row_id).status.finished, timeout=60000)
    result = window.exports.model.row(row_id).result
    from app.media.keypoints import read_keypoints
    frames = read_keypoints(result.keypoints[0])["frames"]
    assert frames and all(f["people"] == [] for f in frames)
    assert not any(f.max() > 40 for f in frames_of(result.output))
    window.clear_exclusions()
    assert window.settings.people.exclude_ids == frozenset()
    qtbot.waitUntil(lambda: window.live.latest_pose.people == 1, timeout=5000)


def test_recording_writes_the_skeleton_only(qtbot, window, person_frames, out_dir):
    window.set_settings(replace(window.settings, record_keypoints=True))
    window.live.source_bar.show_raw.click()  # the raw view is on while recording
    window.live.start(still_source(person_frames))
    wait_frames(qtbot, window, 3)
    assert window.live.preview.raw.image is not None
    bar = window.live.source_bar
    assert bar.record.isEnabled()
    bar.record.click()
    qtbot.wait(1500)
    bar.record.click()
    qtbot.waitUntil(lambda: any(out_dir.glob("live-*.mp4")), timeout=10000)
    [video] = out_dir.glob("live-*.mp4")
    [keypoints] = out_dir.glob("live-*.json")
    assert sorted(p.name for p in out_dir.iterdir()) == sorted([video.name, keypoints.name])
    info = probe(video, count_frames=True)
    assert not info.has_audio
    assert 3 <= info.frame_count <= 1.5 * 15 + 10  # 1.5 s of a 15 fps source
    frames = frames_of(video)
    # Skeleton on black: the camera picture (a lit face) is not in there.
    camera = person_frames[10]
    for frame in frames:
        assert (frame.max(axis=2) < 40).mean() > 0.8
        assert np.abs(frame.astype(int) - camera).mean() > 30
    from app.media.keypoints import read_keypoints
    assert len(read_keypoints(keypoints)["frames"]) == info.frame_count
    window.live.stop()
    qtbot.waitUntil(lambda: not window.live.running, timeout=10000)


def test_plots_redraw_on_a_timer(qtbot, window, person_frames):
    window.bottom_tabs.setCurrentWidget(window.plots)
    # 10 s of pictures: the synthetic source is seekable, so the plots use its
    # own time, and a loop back to its start (every 2 s with still_source)
    # starts the curve afresh, which would leave fewer points than frames.
    window.live.start(SyntheticSource([person_frames[10]] * 150, fps=15))
    wait_frames(qtbot, window, 3)
    frames0, redraws0 = window.live.frames_shown, window.plots.redraws
    started = time.monotonic()
    qtbot.wait(1500)
    frames = window.live.frames_shown - frames0
    redraws = window.plots.redraws - redraws0
    elapsed = time.monotonic() - started
    assert redraws >= 2
    assert redraws <= elapsed / 0.2 + 2
    assert frames > redraws  # not one redraw per frame
    data = window.plots.live.snapshot()
    assert len(data) >= frames and np.isfinite(data.confidence).any()
    xs, _ys = window.plots.confidence_curve.getData()
    assert xs is not None and len(xs) > 0


def test_a_camera_from_the_source_list_streams_to_the_preview(qtbot, window, person_frames,
                                                             tmp_path):
    """Picking a camera in the source list and pressing Start runs the real
    camera path (CameraSource and its reader thread). The test machines have
    no webcam, so the camera is FFmpeg's lavfi capture device playing a
    picture of a person in real time."""
    from app.media.camera import CameraDevice
    from app.media.images import encode_image
    still = tmp_path / "person.png"
    still.write_bytes(encode_image(person_frames[10], ".png"))
    graph = f"movie={str(still).replace(':', chr(92) + ':')}:loop=0,setpts=N/(15*TB),realtime"
    camera = CameraDevice(0, "Studio camera", graph, "lavfi")
    bar = window.live.source_bar
    bar.set_cameras([camera])
    assert bar.source.currentText() == "Studio camera"
    assert bar.choice().camera == camera
    qtbot.mouseClick(bar.start, Qt.MouseButton.LeftButton)
    wait_frames(qtbot, window, 5)
    assert window.status_labels["source"].text() == "Studio camera"
    assert skeleton_pixels(window.live.preview.skeleton) > 0, "no skeleton drawn"
    qtbot.mouseClick(bar.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.live.running, timeout=10000)
    assert not close_dialogs(window)


def test_source_bar_words_follow_the_source(qtbot, window, short_carphone):
    """With no camera, Start waits for a source; a video file's raw view is
    called the video's, not a camera's; the status bar counts 1 person."""
    bar = window.live.source_bar
    bar.set_cameras([])
    bar.source.setCurrentIndex(bar.source.findData("none"))
    assert bar.choice() is None and not bar.start.isEnabled()
    bar.set_file(short_carphone)
    assert bar.start.isEnabled()
    assert bar.show_raw.text() == "Show original"
    assert window.live.preview.raw.caption.startswith("Original picture (framing only")
    qtbot.mouseClick(bar.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.status_labels["people"].text() == "1 person", timeout=60000)
    window.live.stop()
    qtbot.waitUntil(lambda: not window.live.running, timeout=30000)


def test_anamorphic_file_is_previewed_at_its_display_aspect(qtbot, window, media, tmp_path):
    """messi5 stored 386x342 at 64:45 pixels: the preview paints 548x342,
    the width a player shows, and the status bar says so."""
    from fractions import Fraction

    from app.media.images import read_image
    from tests.helpers.aspect_clips import squeeze, write_stored
    sar = Fraction(64, 45)
    clip = write_stored(tmp_path / "dv.mp4", squeeze([read_image(media / "messi5.jpg")] * 20, sar),
                        sar=sar)
    bar = window.live.source_bar
    bar.set_file(clip)
    qtbot.mouseClick(bar.start, Qt.MouseButton.LeftButton)
    wait_frames(qtbot, window, 2)
    canvas = window.live.preview.skeleton
    assert (canvas.image.width(), canvas.image.height()) == (548, 342)
    rect = canvas.image_rect()
    assert abs(rect.width() / rect.height() - 548 / 342) < 0.02
    assert window.status_labels["size"].text() == "548\u00d7342"
    qtbot.mouseClick(bar.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.live.running, timeout=10000)
    assert not close_dialogs(window)
