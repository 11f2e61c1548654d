"""Fragmented MP4 (watch segments) and what a kill leaves of it: a finished
fragmented file reads like the ordinary one, and a file cut anywhere gives
back its complete fragments as a finished MP4 with no hole and exact times."""

from __future__ import annotations

import os
import shutil
from fractions import Fraction
from pathlib import Path

import av
import pytest

from app.media.encoder import VideoEncoder
from app.media.mp4_salvage import closed_prefix, complete_prefix, finish, salvage

FPS = 15


def _encode(clip: Path, out: Path, fragmented: bool) -> Path:
    with av.open(str(clip)) as c:
        pictures = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    enc = VideoEncoder(out, 176, 144, time_base=Fraction(1, 1000), fps=Fraction(FPS),
                       fragmented=fragmented)
    for i, img in enumerate(pictures):
        enc.write(img, i * 1000 // FPS)
    enc.close(len(pictures) * 1000 // FPS)
    return out


def _read(path: Path) -> dict:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        times = [f.time for f in c.decode(video=0)]
        return {"times": times, "codec": s.codec_context.name, "sar": s.sample_aspect_ratio,
                "duration": c.duration, "tags": dict(c.metadata)}


@pytest.fixture(scope="module")
def pair(carphone, tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("frag")
    return (_encode(carphone, folder / "plain.mp4", False),
            _encode(carphone, folder / "frag.mp4", True))


def test_a_finished_fragmented_file_reads_like_the_ordinary_one(pair):
    plain, frag = (_read(p) for p in pair)
    assert len(frag["times"]) == len(plain["times"]) == 120
    assert frag["times"] == plain["times"] and frag["times"][0] == 0
    assert frag["codec"] == "h264" and frag["sar"] == Fraction(1, 1)
    assert frag["duration"] == plain["duration"] == 8_000_000
    size = {p.name: p.stat().st_size for p in pair}
    print(f"fragmented {size['frag.mp4']} vs {size['plain.mp4']} bytes")


def test_a_cut_file_gives_back_its_complete_fragments(pair, tmp_path):
    whole = pair[1]
    times = _read(whole)["times"]
    size = whole.stat().st_size
    got = []
    for cut in range(0, size, size // 23):
        part = tmp_path / f".cut-{cut}.mp4"
        shutil.copy(whole, part)
        os.truncate(part, cut)
        target = tmp_path / f"cut-{cut}.mp4"
        saved = salvage(part, target)
        if saved is None:
            assert not target.exists()
            got.append(0)
            continue
        back = _read(target)
        n = len(back["times"])
        assert saved.frames == n and back["times"] == times[:n], cut
        assert abs(saved.duration_s - n / FPS) < 0.002
        assert back["tags"].keys() <= {"major_brand", "minor_version", "compatible_brands",
                                       "encoder"}  # nothing of the source
        assert not [p for p in tmp_path.iterdir() if "posecloak-partial" in p.name]
        got.append(n)
    assert got[0] == 0 and got == sorted(got) and max(got) >= 100, got


def test_nothing_recoverable_writes_nothing(tmp_path):
    part = tmp_path / ".x.mp4"
    part.write_bytes(b"\0\0\0\x18ftypisom" + b"\0" * 8)
    assert complete_prefix(part) == 0
    assert salvage(part, tmp_path / "x.mp4") is None and not (tmp_path / "x.mp4").exists()


def test_the_prefix_ends_where_no_shown_frame_is_missing():
    # decode order I0 P3 B1 B2 P6 B4 (B5 lost): only 0..3 are whole
    assert closed_prefix([(0, -2), (3, -1), (1, 0), (2, 1), (6, 2), (4, 3)]) == 4
    assert closed_prefix([(0, 0), (1, 1), (2, 2)]) == 3
    assert closed_prefix([]) == 0


def test_finish_makes_an_ordinary_mp4_with_the_same_frames(pair, tmp_path):
    plain, frag = pair
    done = tmp_path / "done.mp4"
    shutil.copy(frag, done)
    assert finish(done)
    assert b"moof" not in done.read_bytes() and b"moof" in frag.read_bytes()
    assert _read(done)["times"] == _read(plain)["times"]
    assert _read(done)["duration"] == 8_000_000
    assert not [p for p in tmp_path.iterdir() if "posecloak-partial" in p.name]


_GST_READ = """
import sys, gi
gi.require_version("Gst", "1.0"); gi.require_version("GstPbutils", "1.0")
from gi.repository import Gst, GstPbutils
Gst.init(None)
path = sys.argv[1]
info = GstPbutils.Discoverer.new(10 * Gst.SECOND).discover_uri("file://" + path)
pipe = Gst.parse_launch(f'filesrc location="{path}" ! qtdemux ! h264parse ! avdec_h264 ! '
                        'appsink name=s sync=false')
sink = pipe.get_by_name("s")
pipe.set_state(Gst.State.PLAYING)
n = 0
while sink.emit("pull-sample") is not None:
    n += 1
pipe.set_state(Gst.State.NULL)
print(info.get_duration() / 1e9, n)
"""


def test_gstreamer_reads_a_finished_segment_like_the_ordinary_file(pair, tmp_path):
    """A second demuxer besides FFmpeg: GStreamer's qtdemux (the system
    Python's gi, as the RTSP test server uses)."""
    import subprocess

    from tests.helpers.stream_servers import SYSTEM_PYTHON, require_rtsp_server
    require_rtsp_server()
    plain, frag = pair
    done = tmp_path / "done.mp4"
    shutil.copy(frag, done)
    assert finish(done)

    def gst(path: Path) -> tuple[float, int]:
        out = subprocess.run([SYSTEM_PYTHON, "-c", _GST_READ, str(path)], capture_output=True,
                             text=True, timeout=60, env={"PATH": os.environ.get("PATH", "")})
        assert out.returncode == 0, out.stderr[-500:]
        duration, frames = out.stdout.split()
        return float(duration), int(frames)

    assert gst(plain) == gst(done) == (8.0, 120)
    print(f"GStreamer, fragmented before the finish: {gst(frag)}")
