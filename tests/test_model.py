"""Model lookup order, offline mode, atomic download and clear errors."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from app.base.errors import ModelError
from app.pose import model as model_mod
from app.pose.estimator import check_model_loads
from app.pose.model import download_model, find_model, resolve_model
from tests.helpers.local_http import Origin


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No env model, empty bundle dirs and cache: only what a test puts there."""
    monkeypatch.delenv("POSECLOAK_MODEL", raising=False)
    monkeypatch.delenv("POSECLOAK_OFFLINE", raising=False)
    bundle, cache = tmp_path / "bundle", tmp_path / "cache"
    bundle.mkdir()
    monkeypatch.setattr(model_mod, "bundled_dirs", lambda: [bundle])
    monkeypatch.setattr(model_mod, "cache_dir", lambda: cache)
    return bundle, cache


def test_lookup_order(isolated, monkeypatch, tmp_path, model_path):
    bundle, cache = isolated
    assert find_model() is None
    cache.mkdir()
    shutil.copy(model_path, cache / "pose_landmarker_full.task")
    assert find_model() == cache / "pose_landmarker_full.task"
    shutil.copy(model_path, bundle / "pose_landmarker_full.task")
    assert find_model() == bundle / "pose_landmarker_full.task"
    env_copy = tmp_path / "env.task"
    shutil.copy(model_path, env_copy)
    monkeypatch.setenv("POSECLOAK_MODEL", str(env_copy))
    assert find_model() == env_copy
    assert find_model(model_path) == model_path  # explicit wins over everything


def test_variant_selects_file(isolated, model_path):
    bundle, _ = isolated
    shutil.copy(model_path, bundle / "pose_landmarker_lite.task")
    assert find_model(variant="lite") == bundle / "pose_landmarker_lite.task"
    assert find_model(variant="full") is None
    with pytest.raises(ModelError, match="unknown model variant"):
        find_model(variant="huge")


def test_offline_refuses_to_download(isolated, monkeypatch):
    monkeypatch.setenv("POSECLOAK_OFFLINE", "1")

    def no_network(*a, **k):
        raise AssertionError("offline mode must not touch the network")

    monkeypatch.setattr("app.base.netguard.user_opener", no_network)
    with pytest.raises(ModelError, match="offline"):
        resolve_model()
    monkeypatch.delenv("POSECLOAK_OFFLINE")
    with pytest.raises(ModelError, match="offline"):
        resolve_model(offline=True)


def test_corrupt_and_missing_model_messages(tmp_path, model_path):
    broken = tmp_path / "broken.task"
    broken.write_bytes(model_path.read_bytes()[:5000])
    with pytest.raises(ModelError) as info:
        find_model(broken)
    assert "damaged" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(ModelError, match="not found"):
        find_model(tmp_path / "nope.task")


def test_a_zip_that_is_not_a_model_fails_to_load(tmp_path):
    import zipfile
    fake = tmp_path / "fake.task"
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("pose_detector.tflite", b"not a model")
    with pytest.raises(ModelError, match="could not be loaded"):
        check_model_loads(find_model(fake))


def test_download_is_atomic_with_progress(tmp_path, model_path):
    seen = []
    with Origin(model_path.read_bytes()) as server:
        path = download_model("full", url=server.url, dest_dir=tmp_path,
                              progress=lambda d, t: seen.append((d, t)))
    assert path == tmp_path / "pose_landmarker_full.task"
    assert path.read_bytes() == model_path.read_bytes()
    assert seen[-1][0] == seen[-1][1] == model_path.stat().st_size
    # No temp left; the SHA-256 recorded beside the model, as sha256sum writes it.
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, path.name + ".sha256"]
    digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
    assert (tmp_path / (path.name + ".sha256")).read_text() == f"{digest}  {path.name}\n"
    assert model_mod.recorded_sha256(path) == model_mod.file_sha256(path) == digest
    check_model_loads(path)


def test_the_download_url_is_versioned_never_latest():
    url = model_mod._URL.format(v="full")
    assert "/latest/" not in url and f"/{model_mod.MODEL_VERSION}/" in url


def test_a_cached_model_that_changed_since_its_download_is_refused(isolated, model_path):
    _, cache = isolated
    with Origin(model_path.read_bytes()) as server:
        path = download_model("full", url=server.url, dest_dir=cache)
    assert find_model() == path
    data = bytearray(path.read_bytes())
    data[-1] ^= 1  # still a zip, not the file that was downloaded
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="changed since it was downloaded"):
        find_model()


def test_model_command_names_the_model_by_its_sha256(model_path, capsys):
    from app.cli.main import main
    assert main(["model", "--model", str(model_path)]) == 0
    first, last = capsys.readouterr().out.strip().splitlines()
    assert first == "sha256: " + hashlib.sha256(model_path.read_bytes()).hexdigest()
    assert last == str(model_path)


def test_damaged_download_leaves_nothing(tmp_path):
    with Origin(b"<html>captive portal</html>") as server:
        with pytest.raises(ModelError, match="damaged"):
            download_model("full", url=server.url, dest_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unreachable_download_is_one_clear_line(tmp_path):
    with pytest.raises(ModelError) as info:
        download_model("full", url="http://127.0.0.1:9/none.task", dest_dir=tmp_path)
    message = str(info.value)
    assert "could not download" in message and "POSECLOAK_MODEL" in message
    assert "\n" not in message
    assert list(tmp_path.iterdir()) == []
    # Why, in words for people (the app's dialog uses them): no errno.
    assert info.value.reason == "the download server could not be reached"
    assert "Errno" not in message


def test_damage_advice_depends_on_where_the_model_came_from(isolated, tmp_path, model_path):
    _, cache = isolated
    cache.mkdir()
    cached = cache / "pose_landmarker_full.task"
    cached.write_bytes(b"garbage")
    with pytest.raises(ModelError, match="run again to download a fresh copy"):
        find_model()
    own = tmp_path / "mine.task"
    own.write_bytes(b"garbage")
    with pytest.raises(ModelError, match="replace it with a good") as info:
        find_model(own)
    assert "download" not in str(info.value)
