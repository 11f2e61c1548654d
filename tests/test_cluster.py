"""Archives on a real Dask cluster (LocalCluster with worker processes, or a
TLS one): the same outputs as a local run, good and broken files, a worker
killed mid-batch, reruns that skip what is done, the model checked by hash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.base.errors import ModelError
from app.base.settings import SkeletonSettings
from app.engine.cluster.manifest import MANIFEST_NAME
from app.engine.jobs import default_output_for, plan_job
from app.engine.messages import describe_error
from app.pose.model import file_sha256
from tests.helpers.cluster import make_archive, make_certificates, outputs_of, partial_files

pytest.importorskip("distributed")  # the cluster extra is in the dev group: always there

SETTINGS = SkeletonSettings(jobs=1)  # one pose worker per task, as in the local run
LENGTHS = [45, 30, 40, 35]


def _jobs(inputs: list[Path], out: Path, settings: SkeletonSettings = SETTINGS):
    out.mkdir(parents=True, exist_ok=True)
    return [plan_job(src, settings, default_output_for(src, out), keypoint_formats=("json",))
            for src in inputs]


@pytest.fixture(scope="module")
def archive(tmp_path_factory, carphone) -> list[Path]:
    return make_archive(tmp_path_factory.mktemp("archive"), carphone, LENGTHS)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, archive):
    """The same batch as a user's local run (`posecloak convert`, a fresh
    process): its outputs, and its one-line error per failed file."""
    from tests.helpers.corpus import cli_env
    out = tmp_path_factory.mktemp("local")
    res = subprocess.run([sys.executable, "-m", "app", "convert", *map(str, archive),
                          "--out-dir", str(out), "--jobs", "1", "--keypoints", "json", "-q"],
                         capture_output=True, text=True, timeout=300, env=cli_env())
    assert res.returncode == 1, res.stderr  # the broken file
    prefix = "posecloak: error: "
    errors = {line[len(prefix):].split(":")[0]: line[len(prefix):]
              for line in res.stderr.splitlines() if line.startswith(prefix)}
    return outputs_of(out), errors


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as c:
        yield c


def _run(client, jobs, model_path, **kw):
    from app.engine.cluster.batch import run_batch
    return run_batch(client, jobs, model_path, file_sha256(model_path),
                     on_outcome=lambda o: None, **kw)


def test_a_batch_of_good_and_broken_files_converts_as_locally(client, archive, local_run,
                                                              model_path, tmp_path):
    expected, local_errors = local_run
    outcomes = _run(client, _jobs(archive, tmp_path), model_path)
    by_name = {o.job.source.name: o for o in outcomes}
    assert len(outcomes) == len(archive)
    assert {n: describe_error(o.error) for n, o in by_name.items() if o.error} == local_errors
    assert [by_name[f"clip{n}.mp4"].result.frames for n in range(len(LENGTHS))] == LENGTHS
    # Byte for byte what the local pipeline wrote: videos and keypoint files.
    assert outputs_of(tmp_path) == expected
    assert partial_files(tmp_path) == []
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert sorted(manifest["entries"]) == sorted(f"clip{n}_skeleton.mp4" for n in range(4))
    entry = manifest["entries"]["clip0_skeleton.mp4"]
    assert entry["model_sha256"] == file_sha256(model_path)
    assert entry["input_sha256"] == file_sha256(archive[0])
    assert entry["outputs"]["clip0_skeleton.json"]["sha256"] == file_sha256(
        tmp_path / "clip0_skeleton.json")
    data = json.loads((tmp_path / "clip0_skeleton.json").read_text())
    assert data["model_sha256"] == file_sha256(model_path)


def test_a_rerun_skips_what_is_done_and_converts_the_rest(client, archive, local_run,
                                                          model_path, tmp_path):
    expected, _ = local_run
    good = archive[:2]
    _run(client, _jobs(good, tmp_path), model_path)
    (tmp_path / "clip1_skeleton.mp4").unlink()  # lost: its entry no longer matches
    before = (tmp_path / "clip0_skeleton.mp4").stat().st_mtime_ns
    outcomes = _run(client, _jobs(archive[:3], tmp_path), model_path)
    state = {o.job.source.name: "skipped" if o.skipped else "converted" if o.result else "failed"
             for o in outcomes}
    assert state == {"clip0.mp4": "skipped", "clip1.mp4": "converted", "clip2.mp4": "converted"}
    assert (tmp_path / "clip0_skeleton.mp4").stat().st_mtime_ns == before  # not touched
    assert outputs_of(tmp_path) == {k: v for k, v in expected.items()
                                    if k.startswith(("clip0", "clip1", "clip2"))}
    # Other settings are another result: not skipped, and not silently replaced.
    other = _run(client, _jobs(good[:1], tmp_path, SkeletonSettings(jobs=1, keep_audio=True)),
                 model_path)
    assert not other[0].skipped and "already exists" in describe_error(other[0].error)


def test_killing_a_worker_mid_batch_loses_nothing(client, archive, local_run, model_path,
                                                  tmp_path):
    expected, local_errors = local_run
    pids = client.run(os.getpid)
    killed: dict[str, str] = {}

    def kill_one_busy_worker(progress) -> None:
        if killed or progress.frames_done == 0:
            return
        busy = [(addr, keys) for addr, keys in client.processing().items() if keys]
        if busy:
            addr, keys = busy[0]
            killed.update(addr=addr, key=next(iter(keys)))
            os.kill(pids[addr], signal.SIGKILL)  # mid-file: frames are being converted

    outcomes = _run(client, _jobs(archive, tmp_path), model_path,
                    on_progress=kill_one_busy_worker)
    assert killed, "no worker was killed mid-file"
    by_key = {f"{o.job.output.name}": o for o in outcomes}
    assert len(outcomes) == len(archive)
    assert {o.job.source.name: describe_error(o.error) for o in outcomes if o.error} == local_errors
    # The killed worker's file was converted again elsewhere, completely.
    retried = [o for o in by_key.values() if o.result and o.worker != killed["addr"]]
    assert len(retried) >= 1 and killed["addr"] not in {o.worker for o in outcomes if o.result}
    assert outputs_of(tmp_path) == expected
    assert partial_files(tmp_path) == []
    entries = json.loads((tmp_path / MANIFEST_NAME).read_text())["entries"]
    assert len(entries) == len(LENGTHS)
    # The nanny restarts it; the later tests need one worker at least (a restart
    # under heavy load can take minutes).
    client.wait_for_workers(1, timeout=300)


def test_workers_refuse_a_model_whose_hash_is_not_the_clients(client, archive, model_path,
                                                              tmp_path):
    from app.engine.cluster.batch import run_batch
    with pytest.raises(ModelError, match="refused"):
        run_batch(client, _jobs(archive[:1], tmp_path), model_path, "f" * 64,
                  on_outcome=lambda o: None)
    assert outputs_of(tmp_path) == {} and partial_files(tmp_path) == []


def test_a_cached_model_that_changed_on_a_worker_is_refused(tmp_path, model_path):
    from app.engine.cluster.model_plugin import cached_model_path, install_model, worker_model
    sha = file_sha256(model_path)
    path = install_model(tmp_path, model_path.read_bytes(), sha)
    assert path == cached_model_path(tmp_path, sha) and worker_model(tmp_path, sha) == path
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="refused"):
        worker_model(tmp_path, sha)
    with pytest.raises(ModelError, match="no pose model"):
        worker_model(tmp_path, "0" * 64)
    assert install_model(tmp_path, model_path.read_bytes(), sha) == path  # put right again
    assert worker_model(tmp_path, sha) == path


def test_a_tls_cluster_with_certificates_the_test_makes(tmp_path, archive, local_run, model_path):
    from distributed import Client, LocalCluster
    from distributed.security import Security

    from app.engine.cluster.address import ClusterTarget
    from app.engine.cluster.batch import run_batch
    from app.engine.cluster.client import open_client
    from app.engine.cluster.security import TlsFiles
    expected, _ = local_run
    certs = make_certificates(tmp_path / "certs")
    security = Security(tls_ca_file=str(certs["ca"]), tls_client_cert=str(certs["cert"]),
                        tls_client_key=str(certs["key"]), tls_scheduler_cert=str(certs["cert"]),
                        tls_scheduler_key=str(certs["key"]), tls_worker_cert=str(certs["cert"]),
                        tls_worker_key=str(certs["key"]), require_encryption=True)
    out = tmp_path / "out"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      protocol="tls://", security=security, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://")
        with pytest.raises((OSError, TypeError, ValueError)):  # no certificate, no way in
            Client(address.replace("tls://", "tcp://"), timeout=3)
        files = TlsFiles(certs["ca"], certs["cert"], certs["key"])
        with open_client(ClusterTarget("tls", address=address), tls=files) as client:
            outcomes = run_batch(client, _jobs(archive[1:2], out), model_path,
                                 file_sha256(model_path), on_outcome=lambda o: None)
    assert outcomes[0].result is not None and outcomes[0].result.frames == LENGTHS[1]
    assert outputs_of(out) == {k: v for k, v in expected.items() if k.startswith("clip1")}


def test_cancel_stops_the_batch_and_leaves_nothing_half_written(client, archive, model_path,
                                                                tmp_path):
    cancel = threading.Event()

    def stop_once_started(progress) -> None:
        if progress.frames_done > 0:
            cancel.set()

    with pytest.raises(KeyboardInterrupt):
        _run(client, _jobs(archive, tmp_path), model_path, on_progress=stop_once_started,
             cancel=cancel)
    # run_batch returned once the running tasks had stopped and cleaned up.
    assert partial_files(tmp_path) == []
    entries = json.loads((tmp_path / MANIFEST_NAME).read_text())["entries"] if (
        tmp_path / MANIFEST_NAME).exists() else {}
    # Whatever was finished is complete and on record; nothing else is there.
    assert {n for n in outputs_of(tmp_path) if n.endswith(".mp4")} == set(entries)


def test_the_command_converts_on_a_local_cluster_and_a_rerun_skips(archive, local_run, tmp_path):
    """`posecloak convert ... --cluster local:2` as a user runs it: the same
    lines, one-line failure, summary and exit code as locally; run again, it
    converts nothing twice."""
    from tests.helpers.corpus import cli_env
    expected, local_errors = local_run
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "app", "convert", *map(str, archive), "--out-dir", str(out),
           "--jobs", "1", "--keypoints", "json", "-q", "--cluster", "local:2"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=cli_env())
    assert first.returncode == 1, first.stderr
    errors = [line for line in first.stderr.splitlines() if line.startswith("posecloak: error:")]
    assert errors == [f"posecloak: error: {m}" for m in local_errors.values()]
    assert f"Converted {len(LENGTHS)} of {len(archive)}; 1 failed." in first.stderr
    assert sorted(line.split(" -> ")[0] for line in first.stdout.splitlines()
                  if " -> " in line and not line.startswith(" ")) == sorted(
        f"clip{n}.mp4" for n in range(len(LENGTHS)))
    assert outputs_of(out) == expected
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=cli_env())
    assert second.returncode == 1
    assert second.stdout.count("(already converted; skipped)") == len(LENGTHS)
    assert outputs_of(out) == expected


@pytest.mark.parametrize("address, allowed", [
    ("tcp://127.0.0.1:8786", True), ("tcp://localhost:8786", True), ("tcp://[::1]:8786", True),
    ("tcp://192.0.2.7:8786", False), ("tcp://10.0.0.3", False), ("tls://192.0.2.7:8786", True),
    ("local:2", True)])
def test_a_plain_tcp_scheduler_off_this_machine_is_refused(address, allowed):
    from app.base.errors import PoseCloakError
    from app.engine.cluster.address import check_allowed, parse_cluster
    target = parse_cluster(address)
    if allowed:
        check_allowed(target, insecure=False)
    else:
        with pytest.raises(PoseCloakError, match="--insecure-cluster"):
            check_allowed(target, insecure=False)
    check_allowed(target, insecure=True)


@pytest.mark.parametrize("bad", ["local:0", "local:x", "http://h:1", "tcp://", "h:8786"])
def test_bad_cluster_addresses_are_one_line(bad):
    from app.base.errors import PoseCloakError
    from app.engine.cluster.address import parse_cluster
    with pytest.raises(PoseCloakError, match="--cluster takes"):
        parse_cluster(bad)


def test_the_command_refuses_before_any_work(archive, tmp_path):
    from tests.helpers.corpus import cli_env
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-m", "app", "convert", str(archive[0]), "--out-dir",
                          str(out), "--cluster", "tcp://192.0.2.7:8786"],
                         capture_output=True, text=True, timeout=120, env=cli_env())
    err = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(err) == 1 and "--insecure-cluster" in err[0]
    assert not out.exists()
    res = subprocess.run([sys.executable, "-m", "app", "convert", str(archive[0]), "--out-dir",
                          str(out), "--cluster", "tls://127.0.0.1:8786"],  # no certificates
                         capture_output=True, text=True, timeout=120, env=cli_env())
    err = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(err) == 1 and "tls:// needs certificates" in err[0]
    assert not out.exists()


def test_without_the_cluster_extra_the_command_says_how_to_install_it(archive, tmp_path):
    from tests.helpers.corpus import cli_env
    code = ("import sys\n"
            "sys.modules['distributed'] = sys.modules['dask'] = None  # as if not installed\n"
            "from app.cli.main import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    res = subprocess.run([sys.executable, "-c", code, "convert", str(archive[0]), "--out-dir",
                          str(tmp_path / "out"), "--cluster", "local:2"],
                         capture_output=True, text=True, timeout=120, env=cli_env())
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "posecloak: error: --cluster needs the optional cluster extra (Dask): install it with "
        "`pip install 'posecloak[cluster]'` (or `uv sync --extra cluster`)."]
    # ... and everything else works without it: the app does not import Dask.
    res = subprocess.run([sys.executable, "-c", code, "info", str(archive[0])],
                         capture_output=True, text=True, timeout=120, env=cli_env())
    assert res.returncode == 0, res.stderr


def test_the_settings_value_crosses_to_workers_unchanged():
    import pickle
    from dataclasses import replace

    from app.base.settings import PeopleSettings
    settings = replace(SettingsForPickle, people=PeopleSettings(exclude_ids=frozenset({3, 1}),
                                                                standard_body=False))
    assert pickle.loads(pickle.dumps(settings)) == settings


SettingsForPickle = SkeletonSettings(jobs=1, keep_audio=True)


def test_one_progress_bar_for_the_batch():
    """Files done in the label; frames per second over the cluster and the
    ETA from the frames of every file."""
    import io

    from app.cli.progress import ProgressBar
    from app.engine.cluster.batch import BatchProgress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    p = BatchProgress(files_done=3, files_total=10, frames_done=300, frames_total=1000,
                      elapsed_s=10.0)
    assert p.fps == 30.0 and p.fraction == 0.3 and p.eta_s == 700 / 30
    screen = Terminal()
    bar = ProgressBar("3/10 files", screen)
    bar.update(p)
    assert "3/10 files" in screen.getvalue() and " 30% " in screen.getvalue()
    assert "300/1000" in screen.getvalue() and "30.0 fps" in screen.getvalue()
