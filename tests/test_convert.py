"""End-to-end conversion on real media with the real model (no Qt)."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from app.base.settings import BackgroundSpec, FitMode, SkeletonSettings
from app.base.style import RenderStyle
from app.engine.jobs import ConvertJob
from app.engine.pipeline import convert
from app.media.keypoints import read_keypoints
from app.media.video import iter_frames, probe
from tests.helpers.clips import frames_of, write_clip


def _video_stamps(path: Path) -> tuple[list[int], Fraction]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return sorted(int(f.pts) for f in c.decode(s)), Fraction(s.time_base)


def _run(src: Path, out: Path, model: Path, **kw) -> object:
    keypoints = kw.pop("keypoints", ())
    settings = kw.pop("settings", SkeletonSettings(jobs=kw.pop("jobs", 1)))
    return convert(ConvertJob(src, out, settings, tuple(keypoints)), model, **kw)


@pytest.fixture(scope="module")
def carphone_out(tmp_path_factory, carphone, model_path):
    out_dir = tmp_path_factory.mktemp("carphone")
    out = out_dir / "carphone.mp4"
    kp_json, kp_csv = out_dir / "k.json", out_dir / "k.csv"
    result = _run(carphone, out, model_path, keypoints=(kp_json, kp_csv))
    return result, out, kp_json, kp_csv


def test_carphone_keeps_frame_count_rate_and_timestamps(carphone_out, carphone):
    result, out, _, _ = carphone_out
    src, dst = probe(carphone, count_frames=True), probe(out, count_frames=True)
    assert result.frames == src.frame_count == dst.frame_count == 120
    assert dst.fps == Fraction(30000, 1001)  # 29.97 stays exact, not 29.97 rounded
    assert abs(dst.duration_s - src.duration_s) < 1 / 29.97
    src_pts, src_tb = _video_stamps(carphone)
    dst_pts, dst_tb = _video_stamps(out)
    assert [p * src_tb for p in src_pts] == [p * dst_tb for p in dst_pts]


def test_output_is_browser_friendly_h264(carphone_out):
    _, out, _, _ = carphone_out
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        assert s.width % 2 == 0 and s.height % 2 == 0
        assert not c.streams.audio
    head = out.read_bytes()[:4096]
    # +faststart: the index (moov) comes before the media data (mdat).
    assert b"moov" in head and (b"mdat" not in head or head.index(b"moov") < head.index(b"mdat"))


def test_skeleton_drawn_where_the_person_is(carphone_out):
    _, out, kp_json, _ = carphone_out
    data = read_keypoints(kp_json)
    frames = frames_of(out)
    assert len(frames) == len(data["frames"])
    hits = 0
    for image, frame in list(zip(frames, data["frames"]))[::10]:
        bright = image.max(axis=2) > 60
        for person in frame["people"]:
            for lm in person["landmarks"]:
                if not lm["valid"]:
                    continue
                x, y = int(round(lm["x"])), int(round(lm["y"]))
                if 0 <= x < image.shape[1] and 0 <= y < image.shape[0]:
                    hits += 1
                    assert bright[max(0, y - 2):y + 3, max(0, x - 2):x + 3].any(), (x, y)
    assert hits > 50
    # Away from the skeleton (every valid landmark and every edge between two)
    # the frame is the black background, pixel for pixel.
    checked = 0
    for image, frame in list(zip(frames, data["frames"]))[::10]:
        for person in frame["people"]:
            away = _far_from_skeleton(person["landmarks"], image.shape[1], image.shape[0], 6.0)
            assert image[away].max() < 30
            checked += 1
    assert checked >= 10


def _far_from_skeleton(landmarks: list[dict], width: int, height: int,
                       reach: float) -> np.ndarray:
    """(height, width) True where a pixel lies farther than `reach` pixels from
    every valid landmark and every skeleton edge between two valid ones."""
    from app.base.landmarks import INDEX, POSE_EDGES
    points = {INDEX[lm["name"]]: (lm["x"], lm["y"]) for lm in landmarks if lm["valid"]}
    segments = [(points[a], points[b]) for a, b in POSE_EDGES if a in points and b in points]
    segments += [(p, p) for p in points.values()]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    near = np.zeros((height, width), bool)
    for (ax, ay), (bx, by) in segments:
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / length2, 0, 1) if length2 else 0.0
        near |= np.hypot(xs - (ax + t * dx), ys - (ay + t * dy)) <= reach
    return ~near


def test_keypoint_json_and_csv_agree_with_video(carphone_out, model_path):
    import csv
    result, _, kp_json, kp_csv = carphone_out
    data = json.loads(kp_json.read_text())
    assert data["schema"] == "posecloak-keypoints" and data["version"] == 4
    assert len(data["frames"]) == result.frames
    # Version 4: world landmarks in metres, and which body the file holds.
    assert data["standard_body"] is True
    # Version 3: the model named by its SHA-256.
    from app.pose.model import file_sha256
    assert data["model_sha256"] == file_sha256(model_path) and len(data["model_sha256"]) == 64
    # Version 2: the motion analysis after the frames (carphone: chest up only).
    analysis = data["analysis"]
    assert analysis["settings"]["cutoff_hz"] == 6.0 and analysis["events"] == []
    assert {s["state"] for p in analysis["people"] for s in p["activity"]} <= {"unknown"}
    assert data["video"]["width"] == 192 and data["video"]["height"] == 144  # 176x144 at 128:117
    assert all(len(f["people"]) <= 4 for f in data["frames"])
    people_frames = [f for f in data["frames"] if f["people"]]
    assert len(people_frames) > 100
    first = people_frames[0]["people"][0]["landmarks"]
    assert [lm["name"] for lm in first][:3] == ["nose", "left_eye_inner", "left_eye"]
    assert len(first) == 33
    with open(kp_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(len(p["landmarks"]) for fr in data["frames"] for p in fr["people"])
    row = rows[0]
    lm = data["frames"][int(row["frame"])]["people"][0]["landmarks"][int(row["landmark_index"])]
    assert float(row["x"]) == pytest.approx(lm["x"], abs=1e-4)
    assert float(row["world_y"]) == pytest.approx(lm["world_y"], abs=1e-4)
    assert row["standard_body"] == "1"
    assert float(row["time_s"]) == pytest.approx(data["frames"][int(row["frame"])]["time_s"])
    times = [f["time_s"] for f in data["frames"]]
    assert times == sorted(times) and times[1] == pytest.approx(1001 / 30000, abs=1e-6)


def test_parallel_chunks_match_single_worker(tmp_path, vtest, model_path):
    """Two workers on time chunks give the same frames, stamps and people as
    one: the distant pedestrian a fresh pass misses is not lost at the seam."""
    from app.media.keypoints import keypoints_to_arrays
    from app.media.video import VideoReader
    from tests.helpers.seams import seam_losses
    # vtest frames 120..359: a pedestrian is in view around the middle.
    segment = [f.image for f in VideoReader(vtest).frames(120, 360)]
    clip = write_clip(tmp_path / "seg.mp4", segment, time_base=Fraction(1, 10), rate=Fraction(10))
    outs = {}
    for jobs in (1, 2):
        kp = tmp_path / f"k{jobs}.json"
        result = _run(clip, tmp_path / f"o{jobs}.mp4", model_path, jobs=jobs, keypoints=(kp,))
        assert result.jobs == jobs
        outs[jobs] = keypoints_to_arrays(read_keypoints(kp))
    (times1, _, people1), (times2, _, people2) = outs[1], outs[2]
    assert len(people1) == len(people2) == 240
    assert list(times1) == list(times2)
    assert sum(len(p) for p in people1) > 100
    assert seam_losses(people1, people2) == (0, 0)


def test_vtest_full_length_default_jobs(tmp_path, vtest, model_path):
    out = tmp_path / "vtest.mp4"
    result = convert(ConvertJob(vtest, out, SkeletonSettings()), model_path)
    info = probe(out, count_frames=True)
    assert result.frames == info.frame_count == 795
    assert info.fps == 10
    assert abs(info.duration_s - 79.5) < 0.11
    assert (info.width, info.height) == (768, 576)


@pytest.mark.parametrize("audio,container,expect", [
    ("aac", "mp4", "aac"),  # copied as is
    ("pcm_s16le", "mov", "aac"),  # MP4 players can't take PCM: re-encoded
    ("libopus", "mkv", "aac"),
])
def test_audio_is_kept_on_request(tmp_path, carphone, model_path, audio, container, expect):
    src = write_clip(tmp_path / f"a.{container}", frames_of(carphone, 20), audio=audio,
                     time_base=Fraction(1001, 30000), rate=Fraction(30000, 1001))
    out = tmp_path / "o.mp4"
    _run(src, out, model_path, settings=SkeletonSettings(jobs=1, keep_audio=True))
    with av.open(str(out)) as c:
        assert len(c.streams.audio) == 1
        a = c.streams.audio[0]
        assert a.codec_context.name == expect
        decoded = sum(f.samples for f in c.decode(a))
    assert decoded > 0.5 * 48000 * 20 / 29.97


def test_audio_is_left_out_by_default(tmp_path, carphone, model_path):
    src = write_clip(tmp_path / "a.mp4", frames_of(carphone, 10), audio="aac")
    out = tmp_path / "o.mp4"
    result = _run(src, out, model_path)
    assert not SkeletonSettings().keep_audio and not result.audio
    with av.open(str(out)) as c:
        assert not c.streams.audio


def test_variable_frame_rate_keeps_stamps(tmp_path, carphone, model_path):
    stamps = [0, 33, 70, 100, 180, 200, 233, 300, 310, 400, 433, 500]
    src = write_clip(tmp_path / "vfr.mkv", frames_of(carphone, len(stamps)), pts=stamps,
                     time_base=Fraction(1, 1000))
    out = tmp_path / "o.mp4"
    _run(src, out, model_path)
    _src_pts, _src_tb = _video_stamps(src)
    dst_pts, dst_tb = _video_stamps(out)
    assert len(dst_pts) == len(stamps)
    assert [p * dst_tb for p in dst_pts] == [Fraction(s, 1000) for s in stamps]


def test_odd_size_rounds_to_even(tmp_path, carphone, model_path):
    frames = [np.ascontiguousarray(np.pad(f, ((0, 1), (0, 1), (0, 0)), mode="edge"))
              for f in frames_of(carphone, 6)]  # 193 x 145 (carphone as shown is 192x144)
    src = write_clip(tmp_path / "odd.avi", frames, codec="mpeg4")
    out = tmp_path / "o.mp4"
    _run(src, out, model_path)
    info = probe(out, count_frames=True)
    assert (info.width, info.height, info.frame_count) == (194, 146, 6)


def test_still_image_gives_png_and_keypoints(tmp_path, media, model_path):
    out, kp = tmp_path / "messi.png", tmp_path / "messi.json"
    result = _run(media / "messi5.jpg", out, model_path, keypoints=(kp,))
    from app.media.images import read_image
    image = read_image(out)
    src = read_image(media / "messi5.jpg")
    assert image.shape == src.shape
    assert result.frames == 1 and result.max_people >= 1
    assert len(read_keypoints(kp)["frames"]) == 1
    assert (image.max(axis=2) > 60).sum() > 200


def _stripes_clip(path: Path, n: int, rate: int, size: tuple[int, int]) -> Path:
    """A background clip whose frame i is a flat grey of level 20*i + 10."""
    w, h = size
    frames = [np.full((h, w, 3), 20 * i + 10, np.uint8) for i in range(n)]
    return write_clip(path, frames, time_base=Fraction(1, rate), rate=Fraction(rate),
                      codec="libx264", pix_fmt="yuv444p")


@pytest.mark.parametrize("loop", [True, False])
def test_background_video_synced_by_time_and_fitted(tmp_path, carphone, model_path, loop):
    """A 6-frame, 12 fps, 320x200 background behind a 29.97 fps 192x144 clip:
    frame at time t shows background frame floor(t*12) (looped or held)."""
    bg = _stripes_clip(tmp_path / "bg.mp4", 6, 12, (320, 200))
    src = write_clip(tmp_path / "src.mp4", frames_of(carphone, 45),
                     time_base=Fraction(1001, 30000), rate=Fraction(30000, 1001))
    out = tmp_path / "o.mp4"
    spec = BackgroundSpec(path=bg, fit=FitMode.STRETCH, loop=loop)
    style = RenderStyle(opacity=0.0)  # skeleton invisible: frames are pure background
    _run(src, out, model_path, settings=SkeletonSettings(jobs=1, background=spec, style=style))
    frames = list(iter_frames(out))
    assert len(frames) == 45
    for f in frames[::4]:
        k = int(f.time_s * 12 + 1e-6)
        k = k % 6 if loop else min(k, 5)
        level = 20 * k + 10
        assert abs(float(np.median(f.image)) - level) <= 3, (f.time_s, k)
        assert f.image.shape[:2] == (144, 192)


def test_background_image_fill_covers_frame(tmp_path, carphone, media, model_path):
    src = write_clip(tmp_path / "src.mp4", frames_of(carphone, 3))
    out = tmp_path / "o.mp4"
    spec = BackgroundSpec(path=media / "basketball1.png", fit=FitMode.FILL)
    _run(src, out, model_path, settings=SkeletonSettings(
        jobs=1, background=spec, style=RenderStyle(opacity=0.0)))
    from app.engine.backgrounds import background_still
    expected = background_still(spec, 192, 144).astype(int)
    got = frames_of(out)[0].astype(int)
    assert np.abs(got - expected).mean() < 6


def test_progress_reports_and_finishes(tmp_path, carphone, model_path):
    seen = []
    src = write_clip(tmp_path / "src.mp4", frames_of(carphone, 30))
    _run(src, tmp_path / "o.mp4", model_path, progress=seen.append)
    assert seen and seen[-1].frames_done == 30 and seen[-1].fraction == 1.0
    assert all(a.frames_done <= b.frames_done for a, b in zip(seen, seen[1:]))


def test_the_same_input_gives_the_same_file(tmp_path, carphone, model_path):
    """Byte for byte, run after run, while the pose workers load the machine.
    x264's threads made the file depend on thread timing (slice threads:
    another file in about one run of four; frame threads: one of eight), so
    the settings x264 records in the stream are checked too."""
    digests = set()
    for run in range(3):
        out = tmp_path / f"o{run}.mp4"
        _run(carphone, out, model_path, settings=SkeletonSettings())
        data = out.read_bytes()
        digests.add(hashlib.sha256(data).hexdigest())
        assert b" threads=1 " in data  # one encoder thread: no timing in the file
        assert b" mbtree=0 " in data  # no read of uninitialised memory (test_encoder_memory)
    assert len(digests) == 1


def test_chunk_plan_is_balanced_and_bounded():
    from app.engine.chunked_pose import MAX_CHUNK_FRAMES, WARMUP_FRAMES, plan_chunks
    assert plan_chunks(120, 2) == plan_chunks(120, 1)  # too short to split
    chunks = plan_chunks(5000, 2)
    assert len(chunks) % 2 == 0
    assert chunks[0].first == 0 and chunks[-1].end == 5000
    assert all(a.end == b.first for a, b in zip(chunks, chunks[1:]))
    assert all(c.end - c.first <= MAX_CHUNK_FRAMES for c in chunks)
    assert all(c.first - c.warm == WARMUP_FRAMES for c in chunks[1:])
    sizes = [c.end - c.first for c in chunks]
    assert max(sizes) - min(sizes) <= 1


def test_many_chunks_join_in_order(tmp_path, carphone, model_path, monkeypatch):
    """Six small chunks on two workers: every frame once, in order, whatever
    order the workers finish in."""
    import app.engine.pipeline as pipeline
    real_plan = pipeline.plan_chunks
    monkeypatch.setattr(pipeline, "plan_chunks", lambda n, jobs: real_plan(
        n, jobs, max_chunk=20, min_chunk=10, warmup=3))
    src = write_clip(tmp_path / "src.mp4", frames_of(carphone, 120),
                     time_base=Fraction(1001, 30000), rate=Fraction(30000, 1001))
    out, kp = tmp_path / "o.mp4", tmp_path / "k.json"
    result = _run(src, out, model_path, jobs=2, keypoints=(kp,))
    assert result.jobs == 2 and result.frames == 120
    frames = read_keypoints(kp)["frames"]
    assert [f["index"] for f in frames] == list(range(120))
    assert _video_stamps(out)[0] == _video_stamps(src)[0]


def _decode_with_alpha(path: Path) -> list[np.ndarray]:
    """RGBA frames of a VP9 WebM; FFmpeg's own VP9 decoder drops alpha, libvpx keeps it."""
    frames = []
    with av.open(str(path)) as c:
        decoder = av.CodecContext.create("libvpx-vp9", "r")
        for packet in c.demux(c.streams.video[0]):
            if packet.size:
                frames.extend(f.to_ndarray(format="rgba") for f in decoder.decode(packet))
    return frames


def test_transparent_webm_layer(tmp_path, carphone, model_path):
    src = write_clip(tmp_path / "a.mp4", frames_of(carphone, 20), audio="aac",
                     time_base=Fraction(1001, 30000), rate=Fraction(30000, 1001))
    out, kp = tmp_path / "layer.webm", tmp_path / "k.json"
    style = RenderStyle(color=(255, 0, 0), opacity=0.8)
    _run(src, out, model_path, keypoints=(kp,),
         settings=SkeletonSettings(jobs=1, style=style, keep_audio=True))
    with av.open(str(out)) as c:
        assert c.format.name.startswith("matroska,webm")
        assert c.streams.video[0].codec_context.name == "vp9"
        assert c.streams.audio[0].codec_context.name == "opus"
    frames = _decode_with_alpha(out)
    assert len(frames) == 20
    data = read_keypoints(kp)
    frame, first = frames[0], data["frames"][0]
    alpha = frame[:, :, 3]
    assert (alpha == 0).mean() > 0.6  # transparent away from the skeleton
    assert alpha.max() >= 180 and alpha.max() <= 215  # opacity 0.8 of 255, codec error allowed
    solid = alpha > 150
    assert np.median(frame[solid][:, 0]) > 200 and np.median(frame[solid][:, 1:3]) < 60
    for lm in first["people"][0]["landmarks"]:
        if lm["valid"] and 2 < lm["x"] < 173 and 2 < lm["y"] < 141:
            x, y = int(round(lm["x"])), int(round(lm["y"]))
            assert alpha[y - 2:y + 3, x - 2:x + 3].max() > 100


def test_transparent_webm_refuses_a_background_file(tmp_path, carphone, media, model_path):
    from app.base.errors import OutputError
    src = write_clip(tmp_path / "a.mp4", frames_of(carphone, 3))
    spec = BackgroundSpec(path=media / "messi5.jpg")
    with pytest.raises(OutputError, match=r"transparent \.webm has no background"):
        _run(src, tmp_path / "o.webm", model_path,
             settings=SkeletonSettings(jobs=1, background=spec))
    assert not list(tmp_path.glob("*.webm")) and not list(tmp_path.glob(".*"))
