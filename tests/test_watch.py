"""`posecloak watch`: the headless monitor, with the real model and real
streams on loopback (GStreamer's RTSP server, an MJPEG server): rolling
skeleton-only segments, events, fall and camera-lost alerts by command and
URL, clean stops, and nothing half-written after kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from app.engine.alerts import AlertEvent, AlertSender, AlertSettings
from app.engine.live import LiveSettings
from app.engine.watch import Watch, WatchSource, parse_source
from app.engine.watch_source import PresenceMonitor, WatchOptions
from app.engine.watch_store import CameraStore, Retention
from app.media.network import StreamUrl
from tests.helpers.corpus import cli_env
from tests.helpers.stream_servers import (
    AlertReceiver,
    MjpegServer,
    RtspServer,
    free_port,
    require_rtsp_server,
)

ROOT = Path(__file__).resolve().parents[1]
GMDCSA = Path(__file__).resolve().parents[2] / "shared" / "media" / "gmdcsa24"
FALL_CLIP = "Subject_4/Fall/01.mp4"
ADL_CLIP = "Subject_3/ADL/18.mp4"  # walks and sits down: no fall today's detector sees
PARTIAL = ".posecloak-partial-"


@pytest.fixture(scope="module")
def gst():
    require_rtsp_server()


HOLD_S = 8.0  # the first picture held this long: the watch loads its model meanwhile


def _held_start(src: Path, dst: Path, hold_s: float = HOLD_S) -> Path:
    """`src` with its first picture shown `hold_s` longer: a live pipeline
    misses what a stream shows while its model loads (seconds), and these
    clips start right before the event."""
    from fractions import Fraction

    from tests.helpers.clips import write_clip
    with av.open(str(src)) as c:
        rate = c.streams.video[0].average_rate or Fraction(15)
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    held = [frames[0]] * int(round(hold_s * rate)) + frames
    return write_clip(dst, held, time_base=1 / Fraction(rate), rate=Fraction(rate))


@pytest.fixture(scope="module")
def fall_clip(tmp_path_factory) -> Path:
    """A real recorded fall (GMDCSA24 Subject_4/Fall/01: walks in, falls
    at 1.8 s, stays down), its first picture held while the model loads."""
    return _held_start(GMDCSA / FALL_CLIP, tmp_path_factory.mktemp("fall") / "fall.mp4")


@pytest.fixture(scope="module")
def adl_clip(tmp_path_factory) -> Path:
    return _held_start(GMDCSA / ADL_CLIP, tmp_path_factory.mktemp("adl") / "adl.mp4")


def _events(folder: Path) -> list[dict]:
    path = folder / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _kinds(folder: Path) -> list[str]:
    return [e["kind"] for e in _events(folder)]


def _kinds_so_far(folder: Path) -> list[str]:
    """While a watch runs: a cut last line (before its repair) is skipped."""
    path = folder / "events.jsonl"
    text = path.read_text() if path.exists() else ""
    return [line.split('"kind": "')[1].split('"')[0] for line in text.splitlines()
            if line.endswith("}") and '"kind": "' in line]


def _wait_for(predicate, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        if proc is not None and proc.poll() is not None:
            return predicate()
        time.sleep(0.2)
    return False


def _watch_cli(args: list[str], **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app", "watch", *args], cwd=str(ROOT),
                            env=kw.pop("env", None) or cli_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _finish(proc: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 60) -> tuple[int, str]:
    if sig is not None and proc.poll() is None:
        proc.send_signal(sig)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err


def _alert_command(path: Path) -> str:
    """A shell command that appends KIND|CAMERA|PERSON|<stdin JSON> per alert."""
    return (f'printf "%s|%s|%s|" "$POSECLOAK_EVENT_KIND" "$POSECLOAK_EVENT_CAMERA" '
            f'"$POSECLOAK_EVENT_PERSON_ID" >> "{path}"; cat >> "{path}"; echo >> "{path}"')


def _alerts(path: Path) -> list[tuple[list[str], dict]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        kind, camera, person, body = line.split("|", 3)
        out.append(([kind, camera, person], json.loads(body)))
    return out


def _skeleton_only(video: Path) -> None:
    """Every frame is mostly the black background: no camera picture."""
    with av.open(str(video)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert frames
    for img in frames:
        assert np.mean(img.max(axis=2) < 24) > 0.8


# -------------------------------------------------------------------------- pure parts


def test_sources_are_named_and_credentials_stay_out_of_names():
    src = parse_source("rtsp://bob:hunter2@10.0.0.5:554/Streaming/101")
    assert src.name == "10.0.0.5-554-Streaming-101" and src.url.password == "hunter2"
    assert "hunter2" not in repr(src) and "hunter2" not in str(src.url)
    named = parse_source("Room 12=rtsp://cam/live?a=b")
    assert named.name == "Room-12" and named.url.url == "rtsp://cam/live?a=b"


def test_presence_gives_entered_and_left():
    p = PresenceMonitor(leave_s=1.0)
    assert p.update(0.0, [1, -1]) == [("entered", 1)]
    assert p.update(0.5, [1, 2]) == [("entered", 2)]
    assert p.update(1.8, [2]) == [("left", 1)]
    assert p.leave_all() == [("left", 2)]


def test_retention_deletes_the_oldest_segments_never_the_newest(tmp_path):
    store = CameraStore(tmp_path, "cam", retention=Retention(max_bytes=2500, max_age_s=0))
    now = time.time()
    for n, stamp in enumerate(("20260101-000000", "20260101-001000", "20260101-002000")):
        video = store.folder / f"cam_{stamp}.mp4"
        video.write_bytes(b"x" * 1000)
        video.with_suffix(".json").write_bytes(b"k" * 100)
        os.utime(video, (now - 3000 + n * 1000,) * 2)
    deleted = store.prune()
    assert [p.name for p in deleted] == ["cam_20260101-000000.mp4", "cam_20260101-000000.json"]
    aged = CameraStore(tmp_path, "cam", retention=Retention(max_age_s=1500))
    assert [p.name for p in aged.prune() if p.suffix == ".mp4"] == ["cam_20260101-001000.mp4"]
    assert [p.name for p in aged.segments()] == ["cam_20260101-002000.mp4"]


def test_a_restart_repairs_what_kill_left(tmp_path):
    store = CameraStore(tmp_path, "cam", ("jsonl", "csv"))
    store.log("live")
    with open(store.log_path("jsonl"), "a") as f:
        f.write('{"time": "2026-')  # a line cut by kill -9
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    partial = store.folder / f".cam_20260101-000000{PARTIAL}{dead}-0.mp4"
    partial.write_bytes(b"half")
    again = CameraStore(tmp_path, "cam", ("jsonl", "csv"))
    assert not partial.exists() and any("removed" in r for r in again.repaired)
    assert [e["kind"] for e in _events(again.folder)] == ["live"]
    assert again.log_path("csv").read_text().splitlines()[0] == \
        "time,camera,kind,person_id,confidence,detail"


def test_alert_command_and_url_get_only_the_event(tmp_path):
    out = tmp_path / "alerts.txt"
    event = AlertEvent("fall", "2026-12-07T10:00:00+0000", "Room-12", 3, 0.7412)
    with AlertReceiver() as receiver:
        sender = AlertSender(AlertSettings(command=_alert_command(out), url=receiver.url))
        sender.send(event)
        sender.close()
    expected = {"kind": "fall", "time": "2026-12-07T10:00:00+0000", "camera": "Room-12",
                "person_id": 3, "confidence": 0.74, "detail": ""}
    [(env, body)] = _alerts(out)
    assert env == ["fall", "Room-12", "3"] and body == expected
    assert receiver.bodies == [expected]
    assert receiver.headers[0]["Content-Type"] == "application/json"


def test_failing_alerts_are_one_line_each(tmp_path):
    errors = []
    port = free_port()
    sender = AlertSender(AlertSettings(command="exit 3", url=f"http://127.0.0.1:{port}/x"),
                         on_error=errors.append)
    sender.send(AlertEvent("fall", "t", "cam"))
    sender.close()
    assert len(errors) == 2 and all("\n" not in e for e in errors)
    assert "exit 3" in errors[0] and "cannot be reached" in errors[1]


# -------------------------------------------------------------------------- whole watch


def test_watch_a_file_writes_segments_events_and_no_pixel(tmp_path, carphone, model_path):
    """A file plays once; 1 s segments rotate; only skeletons are written."""
    lines = []
    watch = Watch([WatchSource("desk", path=carphone)], tmp_path, model_path, LiveSettings(),
                  WatchOptions(segment_s=1.0, keypoints=("json", "csv")),
                  log_formats=("jsonl", "csv"), say=lines.append)
    watch.run()
    folder = tmp_path / "desk"
    kinds = _kinds(folder)
    assert kinds[:2] == ["connecting", "live"] and kinds[-1] == "stopped"
    assert "entered" in kinds and kinds.count("segment") >= 2, kinds
    segments = sorted(folder.glob("desk_*.mp4"))
    assert len(segments) == kinds.count("segment")
    for video in segments:
        assert video.with_suffix(".json").is_file() and video.with_suffix(".csv").is_file()
        _skeleton_only(video)
    assert not [p for p in folder.iterdir() if PARTIAL in p.name]
    csv_rows = (folder / "events.csv").read_text().splitlines()
    assert len(csv_rows) == len(kinds) + 1


def _watch_one_play(server: RtspServer, folder: Path, out: Path) -> tuple[str, list]:
    """A CLI watch of one play of the served clip (it ends: the camera is
    "lost"), stopped then; its stderr and the alerts its command got."""
    proc = _watch_cli(["Room 12=" + server.url(), "--out-dir", str(folder), "--on-alert",
                       _alert_command(out), "--max-people", "2", "--lost-alert-seconds", "0"])
    ended = _wait_for(lambda: "lost" in _kinds_so_far(folder / "Room-12"), 120, proc)
    code, err = _finish(proc)
    assert ended and code == 0, err
    return err, _alerts(out)


def test_fall_over_rtsp_raises_exactly_one_alert(gst, fall_clip, tmp_path):
    """One play of a fall raises one alert. The live pipeline only sees the
    frames the CPU keeps up with: on a machine too busy to follow the
    person through the fall (the tracker gives a new ID), a play sees no
    fall; such a play must raise no alert, and the fall is played again
    (three plays at most)."""
    with RtspServer(fall_clip, "nurse:pa55") as server:
        for attempt in range(3):
            folder = tmp_path / f"w{attempt}"
            out = tmp_path / f"alerts{attempt}.txt"
            err, alerts = _watch_one_play(server, folder, out)
            if alerts:
                break
            assert "fall" not in _kinds(folder / "Room-12"), err
    folder = folder / "Room-12"
    assert len(alerts) == 1, (alerts, err, _kinds(folder))
    (env, body), = alerts
    assert env[:2] == ["fall", "Room-12"] and body["kind"] == "fall"
    assert body["camera"] == "Room-12" and isinstance(body["person_id"], int)
    assert 0 < body["confidence"] <= 1 and set(body) == {"kind", "time", "camera", "person_id",
                                                         "confidence", "detail"}
    assert [e for e in _events(folder) if e["kind"] == "fall"]
    text = err + "".join(p.read_text(errors="replace") for p in folder.glob("*") if p.suffix
                         in (".jsonl", ".json", ".csv"))
    assert "pa55" not in text


def test_daily_activity_over_rtsp_raises_no_alert(gst, adl_clip, tmp_path):
    clip = adl_clip
    out = tmp_path / "alerts.txt"
    with RtspServer(clip) as server:
        proc = _watch_cli(["ward=" + server.url(), "--out-dir", str(tmp_path / "w"),
                           "--on-alert", _alert_command(out)])
        folder = tmp_path / "w" / "ward"
        ended = _wait_for(lambda: "lost" in _kinds_so_far(folder), 150, proc)
        code, err = _finish(proc)
    assert ended and code == 0, err
    assert "entered" in _kinds(folder)
    assert _alerts(out) == [] and "fall" not in _kinds(folder)


def test_wrong_password_and_unreachable_host_are_one_line_each(gst, carphone, tmp_path):
    out = tmp_path / "alerts.txt"
    port = free_port()
    with RtspServer(carphone, "bob:right") as server:
        proc = _watch_cli([f"door={server.url('bob:Wr0ngPw')}", f"yard=rtsp://127.0.0.1:{port}/x",
                           "--out-dir", str(tmp_path), "--lost-alert-seconds", "3",
                           "--on-alert", _alert_command(out)])
        _wait_for(lambda: len(_alerts(out)) >= 2, 60, proc)
        time.sleep(3)  # more retries: still one line each
        code, err = _finish(proc)
    assert code == 0, err
    door = [line for line in err.splitlines() if line.startswith("posecloak watch: door:")]
    yard = [line for line in err.splitlines() if line.startswith("posecloak watch: yard:")]
    assert len(door) == 1 and "(401)" in door[0] and "Wr0ngPw" not in err, err
    assert len(yard) == 1 and "cannot reach the camera" in yard[0] and "Retrying" in yard[0], err
    assert sorted(body["camera"] for _, body in _alerts(out)) == ["door", "yard"]
    assert all(body["kind"] == "camera_lost" for _, body in _alerts(out))


def test_kill_9_repairs_the_cut_segment_and_a_restart_carries_on(carphone, tmp_path):
    """MJPEG over HTTP, looping: SIGKILL seconds into a segment, then a
    restart, then SIGTERM: the killed segment becomes a finished one under
    its own name (decodable, frames and times matching its keypoints, JSON
    and CSV), the event log says so and is whole, no temp file is left, and
    the clean stop finishes its segment. (On the old code the cut segment
    was removed: no repaired segment.)"""
    with MjpegServer(carphone) as server:
        args = [f"cam={server.url()}", "--out-dir", str(tmp_path), "--segment-minutes", "0.1",
                "--watch-keypoints", "both"]
        folder = tmp_path / "cam"
        proc = _watch_cli(args)
        assert _wait_for(lambda: "segment" in _kinds_so_far(folder), 120, proc), proc.stderr
        # Killed once the next segment has a fragment on disk (on a busy
        # machine x264's first packets come seconds after the first frames).
        assert _wait_for(lambda: any(p.stat().st_size for p in folder.glob(f".*{PARTIAL}*.mp4")),
                         60, proc)
        time.sleep(1)
        proc.kill()
        proc.wait()
        cut = [p for p in folder.iterdir() if PARTIAL in p.name and p.suffix == ".mp4"]
        assert len(cut) == 1, "no segment was in progress"
        stem = cut[0].name[1:].split(PARTIAL)[0]
        with open(folder / "events.jsonl", "a") as f:
            f.write('{"time": "20')  # as if the kill cut a line
        before = set(folder.glob("cam_*.mp4"))
        proc = _watch_cli(args)
        assert _wait_for(lambda: _kinds_so_far(folder).count("live") >= 2, 90, proc)
        time.sleep(2)
        code, err = _finish(proc)
    assert code == 0, err
    assert f"repaired {stem}.mp4: " in err and "left by a run that was killed" in err, err
    assert not [p for p in folder.iterdir() if PARTIAL in p.name]
    events = _events(folder)  # every line parses
    kinds = [e["kind"] for e in events]
    assert kinds[-1] == "stopped" and kinds.count("connecting") == 2
    [repaired] = [e["detail"] for e in events if e["kind"] == "segment_repaired"]
    video = folder / f"{stem}.mp4"
    assert repaired.startswith(f"repaired {video.name}: ") and "holds" not in repaired
    with av.open(str(video)) as c:
        times = [float(f.time) for f in c.decode(video=0)]
    frames = json.loads(video.with_suffix(".json").read_text())["frames"]
    assert times and f": {len(times)} frames" in repaired
    assert len(frames) == len(times) and [f["index"] for f in frames] == list(range(len(times)))
    assert np.allclose(times, [f["time_s"] for f in frames], atol=0.0015)
    rows = video.with_suffix(".csv").read_text().splitlines()
    assert rows[0].startswith("frame") and len(rows) > 1
    assert max(int(r.split(",")[0]) for r in rows[1:]) <= len(times) - 1
    _skeleton_only(video)
    new = set(folder.glob("cam_*.mp4")) - before - {video}
    assert new
    for video in new:
        _skeleton_only(video)
        assert b"moof" not in video.read_bytes()  # finished: an ordinary MP4


def test_camera_lost_alert_to_a_url(tmp_path, model_path):
    port = free_port()
    with AlertReceiver() as receiver:
        watch = Watch([WatchSource("gate", url=StreamUrl.parse(f"rtsp://127.0.0.1:{port}/x"))],
                      tmp_path, model_path, LiveSettings(), WatchOptions(lost_alert_s=1.0),
                      alerts=AlertSettings(url=receiver.url), say=lambda m: None)
        import threading
        runner = threading.Thread(target=watch.run)
        runner.start()
        try:
            assert _wait_for(lambda: receiver.bodies, 30)
        finally:
            watch.stop()
            runner.join(30)
    [body] = receiver.bodies
    assert body["kind"] == "camera_lost" and body["camera"] == "gate" and body["person_id"] is None


@pytest.mark.parametrize("source, expected", [
    ("no-such-clip.mp4", "neither a stream address"),
    ("rtsp://nurse@127.0.0.1:9/x", "no password"),
    ("rtsp://bob:hunter2@127.0.0.1:notaport/x", "the port is not a number"),
])
def test_bad_sources_are_one_line_and_exit_1(source, expected, tmp_path):
    env = cli_env()
    env.pop("POSECLOAK_CAMERA_PASSWORD", None)
    proc = _watch_cli([source, "--out-dir", str(tmp_path / "w")], env=env,
                      stdin=subprocess.DEVNULL)
    code, err = _finish(proc, sig=None)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and expected in lines[0], err
    assert "hunter2" not in err


def test_a_password_from_the_environment_for_a_service(carphone, tmp_path):
    with MjpegServer(carphone, "nurse:Env-pw9") as server:
        proc = _watch_cli([f"door=http://nurse@127.0.0.1:{server.port}/video", "--out-dir",
                           str(tmp_path), "--stop-after", "6"],
                          env=cli_env(POSECLOAK_CAMERA_PASSWORD="Env-pw9"),
                          stdin=subprocess.DEVNULL)
        code, err = _finish(proc, sig=None, timeout=120)
    assert code == 0 and "live" in _kinds(tmp_path / "door"), err
    assert "Env-pw9" not in err


def test_watch_over_rtsps_with_the_cameras_own_certificate(gst, carphone, tmp_path):
    """A camera with a self-signed certificate over rtsps://: watched once
    its certificate is given; its password appears in no message or file."""
    from tests.helpers.stream_servers import self_signed_pem
    pem = self_signed_pem(tmp_path)
    with RtspServer(carphone, "nurse:Tls-pw7", tls=pem) as server:
        proc = _watch_cli([f"door={server.url()}", "--out-dir", str(tmp_path / "w"),
                           "--camera-cert", str(pem), "--stop-after", "6"])
        code, err = _finish(proc, sig=None, timeout=120)
    folder = tmp_path / "w" / "door"
    assert code == 0 and "live" in _kinds(folder), err
    assert "rtsps://nurse:***@127.0.0.1" in err and "Tls-pw7" not in err
    assert not [p for p in folder.rglob("*") if p.is_file() and b"Tls-pw7" in p.read_bytes()]
