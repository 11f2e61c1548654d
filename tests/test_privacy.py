"""The privacy guarantee, clause by clause, on real footage with the real model.

1. No source pixel in any export (colour, image and video backgrounds).
2. No face survives (a face detector finds faces in the input, none in the output).
3. No metadata leaks (container and stream tags; keypoint files too).
4. Stricter anonymity on request: face points dropped from video and keypoints.
5. Nothing leaves the machine: seen by the operating system (strace), a real
   conversion, `posecloak model` and a whole app session (live file and camera
   preview, recording, export) make no connection attempt off the machine;
   the model download only when no model is found, never when offline; a
   watch reaches only its cameras and the user's alert address.
6. No stray copies (only the output is written, under a temp name beside it).
7. No voice unless asked for (audio only with --keep-audio / Keep audio).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from app.base.errors import ModelError
from app.base.landmarks import FACE_LANDMARKS, LANDMARK_NAMES
from app.base.settings import BackgroundSpec, FitMode, SkeletonSettings
from app.base.style import RenderStyle
from app.draw.render import SkeletonRenderer
from app.engine.backgrounds import open_background
from app.engine.jobs import ConvertJob
from app.engine.pipeline import convert
from app.media.encoder import even
from app.pose import model as model_mod
from tests.helpers.clips import frames_of, write_clip
from tests.helpers.corpus import (
    PARTIAL_MARK,
    assert_clean_failure,
    cli_env,
    gradient_frames,
    leftovers,
    partials,
    poses_from_keypoints,
    run_cli,
)

CLIP_FRAMES = 36
BG_COLOR = (24, 40, 56)

# Tags a phone or camera writes; none may reach any export.
SECRETS = {
    "title": "Patient 0042 Ward B",
    "comment": "recorded by nurse J. Doe, room 12",
    "location": "+48.8577+002.2945/",
    "com.apple.quicktime.location.ISO6709": "+48.8577+002.2945+035.000/",
    "make": "SecretPhoneMaker",
    "model": "SecretPhone 15 Pro",
    "com.apple.quicktime.make": "SecretPhoneMaker",
    "com.apple.quicktime.model": "SecretPhone 15 Pro",
    "creation_time": "2019-05-04T13:37:00.000000Z",
    "artist": "Dr. Secret Surgeon",
    "encoder": "SecretCam firmware 9.9",
}
STREAM_SECRETS = {"handler_name": "SecretCam VideoHandler", "title": "face cam of J. Doe"}
SECRET_WORDS = ("Patient 0042", "J. Doe", "48.8577", "SecretPhone", "Secret Surgeon",
                "SecretCam", "2019-05-04", "2019")


def _write_tagged_clip(path: Path, frames: list[np.ndarray], fmt: str) -> Path:
    """Carphone frames with AAC audio and identifying container and stream tags."""
    from tests.helpers.clips import _write_tone
    options = {"movflags": "use_metadata_tags"} if fmt == "mp4" else {}
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format=fmt, options=options) as out:
        out.metadata.update(SECRETS)
        vs = out.add_stream("libx264", rate=Fraction(30000, 1001))
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": "16"}
        vs.metadata.update(STREAM_SECRETS)
        audio = out.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        audio.metadata.update({"title": "voice of J. Doe", "handler_name": "SecretCam SoundHandler"})
        for i, img in enumerate(frames):
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            f.pts = i
            f.time_base = Fraction(1001, 30000)
            out.mux(vs.encode(f))
        out.mux(vs.encode(None))
        _write_tone(out, audio, len(frames) * 1001 / 30000)
    return path


def _all_tags(path: Path) -> dict[str, str]:
    with av.open(str(path)) as c:
        tags = {f"container:{k}": v for k, v in c.metadata.items()}
        for s in c.streams:
            tags.update({f"{s.type}{s.index}:{k}": v for k, v in s.metadata.items()})
    return tags


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("privacy")


@pytest.fixture(scope="module")
def source_frames(carphone):
    return frames_of(carphone, CLIP_FRAMES)


@pytest.fixture(scope="module")
def tagged_source(work, source_frames):
    return _write_tagged_clip(work / "patient 0042 ward b.mp4", source_frames, "mp4")


def _convert(src: Path, out: Path, model: Path, settings: SkeletonSettings, **kw):
    kp = out.with_suffix(".json")
    result = convert(ConvertJob(src, out, settings, (kp, out.with_suffix(".csv"))), model, **kw)
    return result, out, kp


def _settings(background: BackgroundSpec, **style) -> SkeletonSettings:
    return SkeletonSettings(style=RenderStyle(**style), background=background, jobs=1)


@pytest.fixture(scope="module")
def image_background(work) -> Path:
    # Another size and aspect than the clip, so fitting is exercised.
    img = gradient_frames(1, 300, 160, marker=False)[0]
    cv2.rectangle(img, (10, 100), (120, 150), (250, 250, 30), -1)
    img = cv2.GaussianBlur(img, (0, 0), 3)
    path = work / "bg image.png"
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture(scope="module")
def video_background(work) -> Path:
    # Another rate, size and length: synced by time, fitted, looped.
    frames = gradient_frames(12, 96, 64, marker=False)
    return write_clip(work / "bg video.mp4", frames, rate=Fraction(10), time_base=Fraction(1, 10))


@pytest.fixture(scope="module")
def outputs(work, tagged_source, model_path, image_background, video_background):
    """One conversion per background kind, plus one without face points."""
    specs = {
        "color": (BackgroundSpec(color=BG_COLOR), {}),
        "image": (BackgroundSpec(path=image_background, fit=FitMode.FILL), {}),
        "video": (BackgroundSpec(path=video_background, fit=FitMode.FIT, color=BG_COLOR), {}),
        "noface": (BackgroundSpec(color=BG_COLOR), {"show_face": False}),
    }
    done = {}
    for name, (spec, style) in specs.items():
        out_dir = work / f"out_{name}"
        out_dir.mkdir()
        settings = _settings(spec, **style)
        result, out, kp = _convert(tagged_source, out_dir / f"{name}.mp4", model_path, settings)
        done[name] = (result, out, kp, settings)
    return done


# --------------------------------------------------------------------------
# 1. no source pixel in any export


def _skeleton_mask(pose, style: RenderStyle, width: int, height: int, grow: int = 3) -> np.ndarray:
    """Pixels the skeleton layer may touch, grown by `grow` px for codec blur
    and 4:2:0 chroma."""
    renderer = SkeletonRenderer(style)
    mask = np.zeros((height, width), bool)
    for base in (0, 255):
        canvas = np.full((height, width, 3), base, np.uint8)
        mask |= (renderer.render(canvas, pose) != base).any(axis=2)
    kernel = np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def _through_420(rgb: np.ndarray) -> np.ndarray:
    """The picture after the encoder's BT.709 4:2:0 conversion, before any
    compression: what a perfect encoder would store."""
    from av.video.reformatter import ColorRange, Colorspace
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    yuv = frame.reformat(format="yuv420p", dst_colorspace=Colorspace.ITU709,
                         dst_color_range=ColorRange.MPEG)
    return yuv.reformat(format="rgb24", src_colorspace=Colorspace.ITU709,
                        src_color_range=ColorRange.MPEG).to_ndarray()


def _check_only_skeleton_differs(name, outputs, source_frames):
    result, out, kp, settings = outputs[name]
    frames = frames_of(out)
    poses = poses_from_keypoints(kp)
    h, w = frames[0].shape[:2]
    src_h, src_w = source_frames[0].shape[:2]
    assert (w, h) == (even(src_w), even(src_h))
    assert len(frames) == len(poses) == result.frames == CLIP_FRAMES
    assert sum(p.people for p in poses) >= CLIP_FRAMES * 0.8, "the test needs a person to find"
    background = open_background(settings.background, w, h)
    renderer = SkeletonRenderer(settings.style)
    outside_mean, outside_p999, outside_max, on_skeleton, source_gap = [], [], [], [], []
    near_mean, near_p99 = [], []
    try:
        for i, (frame, pose) in enumerate(zip(frames, poses)):
            bg = _through_420(background.frame_at(pose.time_s))
            mask = _skeleton_mask(pose, settings.style, w, h)
            assert mask.mean() < 0.5, "the skeleton mask must leave most of the frame to check"
            diff = np.abs(frame.astype(np.int16) - bg.astype(np.int16)).max(axis=2)
            outside = diff[~mask]
            outside_mean.append(outside.mean())
            outside_p999.append(np.percentile(outside, 99.9))
            outside_max.append(outside.max())
            # On the skeleton: the expected composite (not the source).
            expected = _through_420(renderer.render(background.frame_at(pose.time_s), pose))
            core = (expected != bg).any(axis=2)
            err = np.abs(frame.astype(np.int16) - expected.astype(np.int16)).max(axis=2)
            if core.any():
                on_skeleton.append(np.median(err[core]))
            # The whole masked band around the lines too: there the frame is
            # the expected composite (skeleton over background), not the source.
            near_mean.append(err[mask].mean())
            near_p99.append(np.percentile(err[mask], 99))
            src = source_frames[i]
            gap = np.abs(src.astype(np.int16) - bg[:src_h, :src_w].astype(np.int16)).max(axis=2)
            source_gap.append(gap[~mask[:src_h, :src_w]].mean())
    finally:
        background.close()
    # Everything off the skeleton is the background, up to H.264 noise.
    assert max(outside_mean) < 5, (name, outside_mean)
    assert max(outside_p999) <= 24, (name, outside_p999)
    assert max(outside_max) <= 48, (name, outside_max)
    # The skeleton is there, drawn as rendered from the exported keypoints.
    assert len(on_skeleton) >= CLIP_FRAMES * 0.8
    assert max(on_skeleton) < 24, (name, on_skeleton)
    # Near the lines (anti-aliased edges through 4:2:0 chroma): the expected
    # composite up to codec error, far below what source pixels there would give.
    assert max(near_mean) < 16, (name, near_mean)
    assert max(near_p99) < 72, (name, near_p99)
    # The check has teeth: the source frames are far from the background,
    # so a leaked source pixel region could not pass the bounds above.
    assert min(source_gap) > 8 * max(outside_mean), (name, min(source_gap))
    assert min(source_gap) > 2 * max(near_mean), (name, min(source_gap), max(near_mean))


@pytest.mark.parametrize("name", ["color", "image", "video", "noface"])
def test_output_is_background_plus_skeleton_only(name, outputs, source_frames):
    """Clause 1: each frame is the background frame at that time with the
    independently rendered skeleton on it; nothing else differs."""
    _check_only_skeleton_differs(name, outputs, source_frames)


def test_still_image_output_is_background_plus_skeleton(tmp_path, media, model_path, image_background):
    """Clause 1 for stills (PNG: lossless, so exact off the skeleton)."""
    src = media / "messi5.jpg"
    settings = _settings(BackgroundSpec(path=image_background, fit=FitMode.STRETCH))
    out = tmp_path / "still.png"
    kp = tmp_path / "still.json"
    convert(ConvertJob(src, out, settings, (kp,)), model_path)
    img = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
    h, w = img.shape[:2]
    (pose,) = poses_from_keypoints(kp)
    assert pose.people >= 1
    bg = open_background(settings.background, w, h).frame_at(0.0)
    expected = SkeletonRenderer(settings.style).render(bg, pose)
    mask = _skeleton_mask(pose, settings.style, w, h, grow=1)
    assert np.array_equal(img[~mask], bg[~mask])
    assert np.abs(img.astype(int) - expected.astype(int)).max() <= 2


# --------------------------------------------------------------------------
# 2. no face survives


def _faces(detector, rgb: np.ndarray, *, sensitive: bool = False) -> int:
    """Faces OpenCV's frontal Haar cascade finds: its usual settings, or (sensitive)
    2x upscaled, histogram-equalised, with fewer neighbours required."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if sensitive:
        gray = cv2.equalizeHist(cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
        return len(detector.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=3, minSize=(48, 48)))
    return len(detector.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24)))


@pytest.fixture(scope="module")
def detector(face_cascade):
    detector = cv2.CascadeClassifier(str(face_cascade))
    assert not detector.empty()
    return detector


def test_face_detector_finds_faces_in_input_and_none_in_output(detector, carphone, outputs):
    """Clause 2 on carphone_pristine.mp4 and every background kind."""
    inputs = frames_of(carphone)
    with_face = sum(_faces(detector, f) > 0 for f in inputs)
    assert with_face >= len(inputs) * 0.5, f"the detector must work: faces in {with_face}/{len(inputs)}"
    for name, (_, out, _, _) in outputs.items():
        found = [i for i, f in enumerate(frames_of(out)) if _faces(detector, f)]
        assert found == [], f"{name}: a face was found in output frames {found}"


def test_no_face_output_defeats_even_a_sensitive_detector(detector, carphone, outputs):
    """Clause 2, stricter: the default skeleton's eye and mouth strokes can
    look face-like to a detector tuned for recall; with face points off
    (clause 4) nothing face-like is left at all."""
    inputs = frames_of(carphone)
    assert sum(_faces(detector, f, sensitive=True) > 0 for f in inputs) >= len(inputs) * 0.5
    _, out, _, _ = outputs["noface"]
    found = [i for i, f in enumerate(frames_of(out)) if _faces(detector, f, sensitive=True)]
    assert found == []


# --------------------------------------------------------------------------
# 3. no metadata leaks


def test_source_carries_the_tags(tagged_source):
    """The leak test below only means something if the source has the tags."""
    tags = _all_tags(tagged_source)
    values = " ".join(tags.values())
    for word in ("Patient 0042", "48.8577", "SecretPhone", "Secret Surgeon", "SecretCam", "2019-05-04"):
        assert word in values, (word, tags)


@pytest.mark.parametrize("fmt", ["mp4", "matroska"])
def test_no_metadata_reaches_video_or_keypoints(fmt, work, source_frames, model_path, tmp_path):
    """Clause 3: no tag value, nor the source's name, in any output byte."""
    src = _write_tagged_clip(tmp_path / f"patient 0042 ward b.{'mkv' if fmt == 'matroska' else 'mp4'}",
                             source_frames[:6], fmt)
    out = tmp_path / "out" / "clip.mp4"
    out.parent.mkdir()
    kp_json, kp_csv = out.with_suffix(".json"), out.with_suffix(".csv")
    settings = SkeletonSettings(jobs=1, keep_audio=True)  # the audio stream's tags too
    result = convert(ConvertJob(src, out, settings, (kp_json, kp_csv)), model_path)
    assert result.audio, "the audio track is carried, its tags are not"
    tags = _all_tags(out)
    for key, value in tags.items():
        for word in SECRET_WORDS:
            assert word not in value, (key, value)
    assert not any(k.endswith(("location", "make", "model", "title", "comment", "artist",
                               "creation_time", "ISO6709")) for k in tags), tags
    for path in (out, kp_json, kp_csv):
        data = path.read_bytes()
        for word in (*SECRET_WORDS, "patient", "ward b", src.stem):
            # As a word: "2019" inside a number (0.2019...) is no date.
            alone = rb"(?<![0-9.])" + re.escape(word.encode().lower()) + rb"(?![0-9])"
            assert not re.search(alone, data.lower()), (path.name, word)
    # The MP4 header's own creation time is left at zero (no wall-clock stamp).
    with av.open(str(out)) as c:
        assert "creation_time" not in c.metadata


def test_no_metadata_in_still_outputs(tmp_path, media, model_path):
    """Clause 3 for stills: EXIF and comments are not written."""
    src_img = cv2.imread(str(media / "messi5.jpg"))
    src = tmp_path / "secret.jpg"
    ok, buf = cv2.imencode(".jpg", src_img)
    assert ok
    data = bytearray(buf.tobytes())
    comment = b"SecretPhone 15 Pro GPS 48.8577"
    # A JPEG COM segment right after SOI.
    data[2:2] = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    src.write_bytes(bytes(data))
    assert comment in src.read_bytes()
    for ext in (".png", ".jpg"):
        out = tmp_path / f"out{ext}"
        kp = tmp_path / f"out{ext}.json"
        convert(ConvertJob(src, out, SkeletonSettings(), (kp,)), model_path)
        for path in (out, kp):
            blob = path.read_bytes()
            assert b"SecretPhone" not in blob and b"48.8577" not in blob
            assert b"Exif" not in blob[:4096]


# --------------------------------------------------------------------------
# 4. face points dropped on request


def test_no_face_option_drops_face_from_video_and_keypoints(outputs):
    """Clause 4: with show_face off (CLI --no-face) the keypoint files hold no
    face landmark and the video shows nothing where the face points are."""
    _, out_face, kp_face, _ = outputs["color"]
    _, out_noface, kp_noface, settings = outputs["noface"]
    face_names = {LANDMARK_NAMES[i] for i in FACE_LANDMARKS}
    data = json.loads(kp_noface.read_text())
    assert not face_names & set(data["landmark_names"])
    for frame in data["frames"]:
        for person in frame["people"]:
            assert len(person["landmarks"]) == 33 - len(FACE_LANDMARKS)
            assert not face_names & {p["name"] for p in person["landmarks"]}
    csv_text = kp_noface.with_suffix(".csv").read_text()
    assert not any(f",{name}," in csv_text for name in face_names)
    assert face_names <= set(json.loads(kp_face.read_text())["landmark_names"])

    face_poses = poses_from_keypoints(kp_face)
    body_style = replace(settings.style, show_face=False)
    checked = 0
    for img_face, img_noface, pose in zip(frames_of(out_face), frames_of(out_noface), face_poses):
        h, w = img_noface.shape[:2]
        body = _skeleton_mask(pose, body_style, w, h, grow=4)
        points = pose.pixels(w, h)
        for p in range(pose.people):
            for i in sorted(FACE_LANDMARKS):
                if not pose.valid[p, i]:
                    continue
                x, y = (int(round(v)) for v in points[p, i])
                if not (2 <= x < w - 2 and 2 <= y < h - 2) or body[y, x]:
                    continue
                patch_noface = img_noface[y - 1:y + 2, x - 1:x + 2].astype(int)
                patch_face = img_face[y - 1:y + 2, x - 1:x + 2].astype(int)
                assert np.abs(patch_noface - BG_COLOR).max() <= 12, (p, i)
                assert np.abs(patch_face - BG_COLOR).max() > 60, (p, i)  # drawn when on
                checked += 1
    assert checked >= CLIP_FRAMES * 5


def test_no_face_cli_flag_reaches_the_style():
    from app.cli.arguments import build_parser, settings_from_args
    args = build_parser().parse_args(["convert", "x.mp4", "--no-face"])
    assert settings_from_args(args).style.show_face is False


# --------------------------------------------------------------------------
# 5. nothing leaves the machine


class _NoNetwork:
    """Makes every Python-level socket use fail and records the attempts;
    an audit hook records socket events from any Python code as well."""

    def __init__(self, monkeypatch) -> None:
        self.attempts: list[str] = []

        def refuse(name):
            def fail(*args, **kwargs):
                self.attempts.append(f"{name}{args[1:] if name.startswith('socket.') else args}")
                raise OSError(101, "Network is unreachable (blocked by the test)")
            return fail

        monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
        monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
        monkeypatch.setattr(socket.socket, "sendto", refuse("socket.sendto"))
        monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
        monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
        self.audited: list[str] = []
        self.active = True

        def hook(event, args):
            if self.active and event.startswith("socket.") and event != "socket.__new__":
                self.audited.append(event)

        sys.addaudithook(hook)

    def close(self) -> None:
        self.active = False  # audit hooks cannot be removed; just stop recording


@pytest.fixture
def no_network(monkeypatch):
    guard = _NoNetwork(monkeypatch)
    yield guard
    guard.close()


# Nothing may reach another machine: the operating system's view. Python-level
# checks cannot see native code (MediaPipe's libcurl posts usage telemetry
# from a C++ thread), so these run the real app in a child process under
# strace and fail on any connection attempt off the machine, however brief.


@pytest.fixture(scope="module")
def tracer():
    """strace, working; on Linux in CI a missing tracer fails (.ci/run
    installs it). strace is Linux-only: elsewhere these tests skip."""
    from tests.helpers.nettrace import must_trace, strace_problem
    problem = strace_problem()
    if problem:
        if must_trace():
            pytest.fail(f"{problem}; CI must run the OS-level network checks")
        pytest.skip(problem)


def _traced(args: list[str], tmp_path: Path, timeout: float, env: dict[str, str] | None = None):
    from tests.helpers.nettrace import run_traced
    res, attempts = run_traced([sys.executable, *args], tmp_path / "net.trace",
                               capture_output=True, text=True, timeout=timeout,
                               env=env or cli_env(), cwd=str(Path(__file__).resolve().parents[1]))
    assert res.returncode == 0, res.stderr[-2000:]
    return res, attempts


def _no_attempts(what: str, attempts) -> None:
    assert not attempts, (f"{what} tried to reach another machine "
                          f"({len(attempts)} system calls): " + "; ".join(map(str, attempts[:6])))


def test_the_tracer_sees_short_lived_network_attempts(tracer, tmp_path):
    """The check has teeth: a connect to a DNS port from a thread that lives
    for milliseconds, and IPv4 and IPv6 connects from a child process, are all
    reported; loopback and local (AF_UNIX) sockets are not. (UDP connects to
    documentation addresses: no packet is sent.)"""
    # UDP connects send no packet: the control itself leaves nothing.
    child = ("import socket\n"
             "for family, addr in ((socket.AF_INET, '198.51.100.7'), (socket.AF_INET6, '2001:db8::7')):\n"
             "    try: socket.socket(family, socket.SOCK_DGRAM).connect((addr, 443))\n"
             "    except OSError: pass\n")
    script = f"""
import socket, subprocess, sys, threading
def dns():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("192.0.2.1", 53))
    s.close()
t = threading.Thread(target=dns)
t.start()
t.join()
subprocess.run([sys.executable, "-c", {child!r}])
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()
c = socket.create_connection(srv.getsockname())
c.sendall(b"x")
c.close()
a, b = socket.socketpair()
a.send(b"x")
"""
    _, attempts = _traced(["-c", script], tmp_path, 60)
    seen = {(a.address, a.port) for a in attempts}
    assert ("192.0.2.1", 53) in seen, attempts
    assert ("198.51.100.7", 443) in seen and ("2001:db8::7", 443) in seen, attempts
    assert not any(a.address.startswith("127.") for a in attempts), attempts


def test_conversion_sends_nothing_off_the_machine(tracer, tmp_path, carphone):
    """Clause 5: a real CLI conversion (probe, model check, pose workers,
    encode), traced with every thread and child: no connection attempt to
    another machine, no name lookup."""
    out = tmp_path / "out.mp4"
    _res, attempts = _traced(["-m", "app", "convert", str(carphone), "-o", str(out),
                             "--keypoints", "json", "-q"], tmp_path, 400)
    assert out.is_file() and (tmp_path / "out.json").is_file()
    _no_attempts("posecloak convert", attempts)


def test_model_command_with_a_model_sends_nothing(tracer, tmp_path, model_path):
    """Clause 5: `posecloak model` with a model present loads it (a
    landmarker is created) and reaches no other machine."""
    res, attempts = _traced(["-m", "app", "model"], tmp_path, 200,
                            cli_env(POSECLOAK_MODEL=str(model_path)))
    assert Path(res.stdout.strip().splitlines()[-1]) == model_path
    _no_attempts("posecloak model", attempts)


def test_live_processing_sends_nothing_off_the_machine(tracer, tmp_path, carphone):
    """Clause 5 for the app: the real window (offscreen) previews a video
    file, records it, previews a camera (FFmpeg's lavfi capture device) and
    exports through the queue, traced: no connection attempt off the machine."""
    res, attempts = _traced(["-m", "tests.helpers.gui_session", str(carphone), str(tmp_path)],
                            tmp_path, 500, cli_env(QT_QPA_PLATFORM="offscreen"))
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["file_frames"] >= 15 and summary["recorded_frames"] >= 5
    assert summary["camera_frames"] >= 10 and summary["export_frames"] == 120
    _no_attempts("the app's live preview, recording and export", attempts)


def test_watch_reaches_only_its_cameras_and_alert_address(tracer, tmp_path, carphone):
    """Clause 5 for `posecloak watch`: the user's own addresses only. A watch
    of a network camera (MJPEG over HTTP on loopback) and of a camera that
    does not answer, with an alert URL on loopback, traced: the lost-camera
    alert reaches the URL (the event only: no picture, no skeleton), and
    nothing else is attempted, no name lookup included."""
    from tests.helpers.stream_servers import AlertReceiver, MjpegServer, free_port
    with MjpegServer(carphone) as camera, AlertReceiver() as receiver:
        res, attempts = _traced(
            ["-m", "app", "watch", f"porch={camera.url()}",
             f"gate=rtsp://127.0.0.1:{free_port()}/x", "--out-dir", str(tmp_path / "w"),
             "--alert-url", receiver.url, "--lost-alert-seconds", "2", "--stop-after", "20"],
            tmp_path, 300)
    assert [b["kind"] for b in receiver.bodies] == ["camera_lost"], (receiver.bodies, res.stderr)
    assert set(receiver.bodies[0]) == {"kind", "time", "camera", "person_id", "confidence",
                                       "detail"}
    assert camera.requests and list((tmp_path / "w" / "porch").glob("porch_*.mp4"))
    _no_attempts("posecloak watch with an alert URL", attempts)


@pytest.fixture
def no_model_anywhere(monkeypatch, tmp_path):
    """No env model, no bundled model, an empty cache."""
    monkeypatch.delenv("POSECLOAK_MODEL", raising=False)
    monkeypatch.delenv("POSECLOAK_OFFLINE", raising=False)
    monkeypatch.setattr(model_mod, "bundled_dirs", lambda: [tmp_path / "bundled"])
    monkeypatch.setattr(model_mod, "cache_dir", lambda: tmp_path / "cache")
    return tmp_path


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_offline_forbids_the_download(how, no_model_anywhere, no_network, monkeypatch):
    """Clause 5: offline (--offline or POSECLOAK_OFFLINE=1) and no model found:
    a ModelError, and not one network attempt."""
    if how == "environment":
        monkeypatch.setenv("POSECLOAK_OFFLINE", "1")
        kwargs = {}
    else:
        kwargs = {"offline": True}
    with pytest.raises(ModelError) as err:
        model_mod.resolve_model(None, "full", **kwargs)
    assert "offline" in str(err.value) and "\n" not in str(err.value)
    assert no_network.attempts == [] and no_network.audited == []
    assert not (no_model_anywhere / "cache").exists() or not any((no_model_anywhere / "cache").iterdir())


def test_found_model_means_no_download(monkeypatch, model_path, no_network):
    """Clause 5: the download is used only when no model is found."""
    monkeypatch.setattr(model_mod, "download_model",
                        lambda *a, **k: pytest.fail("download attempted with a model present"))
    assert model_mod.resolve_model(model_path, offline=False) == model_path
    assert no_network.attempts == []


def test_download_without_network_is_one_clear_line(no_model_anywhere, no_network):
    """Clause 5: a needed download with no network: one-line ModelError, and
    no partial file left in the cache."""
    with pytest.raises(ModelError) as err:
        model_mod.resolve_model(None, "full", offline=False)
    message = str(err.value)
    assert "could not download" in message and "\n" not in message
    assert no_network.attempts, "the download did try the (blocked) network"
    cache = no_model_anywhere / "cache"
    assert not cache.exists() or list(cache.iterdir()) == []


def test_cli_offline_without_model_is_one_line(tmp_path, carphone):
    """Clause 5 through the CLI: --offline (or POSECLOAK_OFFLINE=1) with no
    model found: one line, exit 1, nothing written, nothing downloaded."""
    if any(p.suffix == ".task" for d in model_mod.bundled_dirs() if d.is_dir() for p in d.iterdir()):
        pytest.skip("a model is bundled in resources/models; offline lookup finds it")
    for how in (["--offline"], []):
        env = cli_env(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"), POSECLOAK_MODEL="")
        if not how:
            env["POSECLOAK_OFFLINE"] = "1"
        res = run_cli("convert", carphone, "-o", tmp_path / "o.mp4", "-q", *how, env=env, timeout=120)
        assert_clean_failure(res, contains="offline mode forbids downloading")
        assert res.returncode == 1
        assert not (tmp_path / "o.mp4").exists() and partials(tmp_path) == []
        assert not list(tmp_path.rglob("*.task"))


def _user_shell_env(**settings: str) -> dict[str, str]:
    """The CLI's environment with no proxy settings but `settings` (a user's
    shell: the test machine's own proxy variables must not interfere)."""
    from app.base import netguard
    env = {k: v for k, v in cli_env().items()
           if k not in netguard.PROXY_VARS and k not in netguard.NO_PROXY_VARS}
    env.update(settings)
    return env


def test_guard_holds_whatever_imports_mediapipe_first(tracer, tmp_path, model_path):
    """Clause 5 on any code path: MediaPipe imported before any PoseCloak
    module, then a landmarker through app.pose.estimator: still nothing off the
    machine (the guard is set by `import app` and re-asserted before every
    landmarker)."""
    code = ("import sys, time\n"
            "import mediapipe\n"
            "from app.base import netguard\n"
            "from app.pose.estimator import PoseEstimator\n"
            "PoseEstimator(sys.argv[1]).close()\n"
            "assert netguard.installed()\n"
            "time.sleep(2)\n")
    _, attempts = _traced(["-c", code, str(model_path)], tmp_path, 200)
    _no_attempts("a landmarker after a plain `import mediapipe`", attempts)


def test_guard_blocks_the_proxy_variables_and_keeps_the_users(tmp_path):
    """Clause 5, the mechanism: in a PoseCloak process every proxy variable
    names an unsupported scheme and NO_PROXY is gone; the user's values are
    kept for the download and for programs they start. A PoseCloak parent's
    blocked values are not taken for the user's."""
    from app.base import netguard
    code = ("import json, os\n"
            "import app.pose.model\n"
            "from app.base import netguard\n"
            "names = netguard.PROXY_VARS + netguard.NO_PROXY_VARS\n"
            "print(json.dumps({'env': {k: os.environ.get(k) for k in names},\n"
            "                  'user': netguard.original_environ(), 'installed': netguard.installed()}))\n")
    env = _user_shell_env(https_proxy="http://proxy.corp.example:3128", NO_PROXY="intranet.example",
                          HTTP_PROXY=netguard.BLOCKED_PROXY)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=60, cwd=str(Path(__file__).resolve().parents[1]))
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout)
    assert got["installed"]
    assert {v for k, v in got["env"].items() if k in netguard.PROXY_VARS} == {netguard.BLOCKED_PROXY}
    assert all(got["env"][k] is None for k in netguard.NO_PROXY_VARS)
    user = got["user"]
    assert user.get("https_proxy") == "http://proxy.corp.example:3128"
    assert user.get("NO_PROXY") == "intranet.example"
    assert "HTTP_PROXY" not in user  # a parent PoseCloak's blocked value, not the user's
    assert netguard.environment_proxies(user) == {"https": "http://proxy.corp.example:3128",
                                                  "no": "intranet.example"}


_DOWNLOAD = ("import sys\n"
             "from pathlib import Path\n"
             "from app.pose.model import download_model\n"
             "print(download_model('full', url=sys.argv[1], dest_dir=Path(sys.argv[2])))\n")


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy"])
def test_model_download_goes_through_the_users_proxy(variable, tmp_path, model_path):
    """Clause 5: the one network use still reaches the internet, the way the
    user's other programs do: a user with a proxy in their environment gets
    the model through that proxy (which sees the request), in a process where
    the proxy variables are blocked for native code."""
    from tests.helpers.local_http import ForwardProxy, Origin
    with Origin(model_path.read_bytes()) as origin, ForwardProxy() as proxy:
        env = _user_shell_env(**{variable: proxy.url})
        res = subprocess.run([sys.executable, "-c", _DOWNLOAD, origin.url, str(tmp_path / "cache")],
                             capture_output=True, text=True, env=env, timeout=120,
                             cwd=str(Path(__file__).resolve().parents[1]))
    assert res.returncode == 0, res.stderr[-2000:]
    assert proxy.seen == [origin.url]
    assert Path(res.stdout.strip()).read_bytes() == model_path.read_bytes()


def test_model_download_honours_the_users_no_proxy(tmp_path, model_path):
    """Clause 5: a host in the user's NO_PROXY is fetched directly, even
    though the guard removed NO_PROXY from the process's environment."""
    from tests.helpers.local_http import ForwardProxy, Origin
    with Origin(model_path.read_bytes()) as origin, ForwardProxy() as proxy:
        env = _user_shell_env(HTTP_PROXY=proxy.url, NO_PROXY="localhost,127.0.0.1")
        res = subprocess.run([sys.executable, "-c", _DOWNLOAD, origin.url, str(tmp_path / "cache")],
                             capture_output=True, text=True, env=env, timeout=120,
                             cwd=str(Path(__file__).resolve().parents[1]))
    assert res.returncode == 0, res.stderr[-2000:]
    assert proxy.seen == [] and origin.requests == ["/pose_landmarker_full.task"]
    assert Path(res.stdout.strip()).read_bytes() == model_path.read_bytes()


@pytest.mark.skipif(sys.platform == "win32", reason="the fake opener is a shell script")
def test_programs_the_user_starts_get_the_users_environment(tmp_path):
    """Clause 5 leaves the user's programs alone: Show in folder and Play
    start the platform's opener with the environment the user started
    PoseCloak with (their proxy, their NO_PROXY), not the blocked one."""
    from app.gui.exports.desktop_open import opener_command
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    dump = tmp_path / "opener-env.txt"
    opener = fake_bin / opener_command(tmp_path)[0]
    opener.write_text(f'#!/bin/sh\nenv > "{dump}.part"\necho "ARG=$1" >> "{dump}.part"\n'
                      f'mv "{dump}.part" "{dump}"\n')
    opener.chmod(0o755)
    target = tmp_path / "clip_skeleton.mp4"
    target.write_bytes(b"")
    code = ("import os, sys\n"
            "from pathlib import Path\n"
            "from app.gui.exports.desktop_open import open_in_desktop\n"
            "assert os.environ['HTTPS_PROXY'] != 'http://proxy.corp.example:3128'\n"
            "open_in_desktop(Path(sys.argv[1])).wait()\n")
    env = _user_shell_env(HTTPS_PROXY="http://proxy.corp.example:3128", NO_PROXY="intranet.example",
                          POSECLOAK_TEST_MARKER="users-own-value",
                          PATH=os.pathsep.join([str(fake_bin), os.environ.get("PATH", os.defpath)]))
    res = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True,
                         env=env, timeout=60, cwd=str(Path(__file__).resolve().parents[1]))
    assert res.returncode == 0, res.stderr[-2000:]
    lines = dump.read_text().splitlines()
    child = dict(line.split("=", 1) for line in lines if "=" in line)
    assert child["ARG"] == str(target)
    assert child["HTTPS_PROXY"] == "http://proxy.corp.example:3128"
    assert child["NO_PROXY"] == "intranet.example"
    assert child["POSECLOAK_TEST_MARKER"] == "users-own-value"
    assert "posecloak-offline" not in dump.read_text()


# --------------------------------------------------------------------------
# 6. no stray copies


def test_only_the_output_is_written(tagged_source, model_path, tmp_path, monkeypatch):
    """Clause 6: while converting, the only files open for writing are the
    temp outputs beside their targets (hidden, marked .posecloak-partial-);
    nothing goes to the temp folder; afterwards only the outputs exist."""
    import psutil
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "clip.mp4"
    keypoints = (out_dir / "clip.json", out_dir / "clip.csv")
    me = psutil.Process()
    before = {f.path for f in me.open_files()}
    snapshots: list[tuple[list[str], list[str]]] = []

    def on_frame(pose, canvas):
        written = sorted(f.path for f in me.open_files()
                         if f.path not in before and f.mode in ("w", "a", "r+", "a+", "w+"))
        snapshots.append((written, leftovers(out_dir)))
        assert leftovers(private_tmp) == []

    convert(ConvertJob(tagged_source, out, SkeletonSettings(jobs=1), keypoints), model_path,
            on_frame=on_frame)
    assert snapshots
    assert any(len(written) == 3 for written, _ in snapshots), snapshots[:3]
    for written, listing in snapshots:
        for path in written:
            name = Path(path).name
            assert Path(path).parent == out_dir and name.startswith(".") and PARTIAL_MARK in name, path
        assert all(name.startswith(".") and PARTIAL_MARK in name for name in listing), listing
        # Video + two keypoint files, all under temp names; the video's file
        # appears once the encoder writes its first packet (x264 buffers a
        # few frames; with audio it would come at once).
        assert len(listing) <= 3 and any(".json" in n for n in listing), listing
    assert any(len(listing) == 3 for _, listing in snapshots)
    assert leftovers(out_dir) == ["clip.csv", "clip.json", "clip.mp4"]
    assert leftovers(private_tmp) == []


def test_temp_names_are_hidden_marked_and_beside_the_target(tmp_path):
    from app.base.files import temp_path_for
    tmp = temp_path_for(tmp_path / "My Clip.mp4")
    assert tmp.parent == tmp_path
    assert tmp.name.startswith(".My Clip") and PARTIAL_MARK in tmp.name
    assert tmp.suffix == ".mp4" and str(os.getpid()) in tmp.name


# --------------------------------------------------------------------------
# 7. audio only on request


def _audio_streams(path: Path) -> list[str]:
    with av.open(str(path)) as c:
        return [s.codec_context.name for s in c.streams.audio]


def test_audio_only_on_request(tagged_source, tmp_path):
    """Clause 7: voices identify people. A clip with a soundtrack converts to
    a video with no audio stream, by default and with --no-audio; only
    --keep-audio carries it (the existing copy / AAC / Opus paths)."""
    from app.cli.main import main as cli_main
    assert _audio_streams(tagged_source) == ["aac"]
    for flags, expect in (([], []), (["--no-audio"], []), (["--keep-audio"], ["aac"])):
        out = tmp_path / f"out{''.join(flags)}.mp4"
        assert cli_main(["convert", str(tagged_source), "-o", str(out), "--jobs", "1", "-q",
                         *flags]) == 0
        assert _audio_streams(out) == expect, flags
    layer = tmp_path / "layer.webm"
    assert cli_main(["convert", str(tagged_source), "-o", str(layer), "--jobs", "1", "-q"]) == 0
    assert _audio_streams(layer) == []


def test_saved_settings_from_before_the_opt_in_keep_audio_off():
    """Clause 7 in the app: a settings file written when audio was on by
    default says keep_audio=true without the user having chosen it, so it is
    not read; a choice saved since is."""
    from app.studio.studio_settings import StudioSettings, from_dict, to_dict
    assert StudioSettings().keep_audio is False
    old = {"style": {}, "keep_audio": True}  # a flat file from before versions
    assert from_dict(old).keep_audio is False
    chosen = to_dict(StudioSettings().edited(keep_audio=True))
    assert from_dict(json.loads(json.dumps(chosen))).keep_audio is True


def test_no_program_is_started_with_the_guarded_environment():
    """Every program the app starts for the user (file manager, player,
    browser for the report) goes through app/gui/exports/desktop_open.py, which
    hands it the user's environment; QDesktopServices would pass on the
    blocked proxy variables (and broke the report's browser this way)."""
    app_dir = Path(__file__).resolve().parents[1] / "app"
    users = [p.relative_to(app_dir).as_posix() for p in app_dir.rglob("*.py")
             if "QDesktopServices" in p.read_text(encoding="utf-8")
             and p.name != "desktop_open.py"]
    assert users == []
