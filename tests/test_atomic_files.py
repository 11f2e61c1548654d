"""Atomic writes and file hashes have one home (app/base/files.py): every
writer leaves either the whole new file or the old one, and no temp file."""

from __future__ import annotations

import hashlib

import pytest

from app.base.files import file_sha256, replaced_on_success
from app.engine.cluster.model_plugin import install_model
from app.pose.model import recorded_sha256, write_hash_record


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "data.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), replaced_on_success(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-way")
    assert target.read_text() == "old" and sorted(tmp_path.iterdir()) == [target]
    with replaced_on_success(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and sorted(tmp_path.iterdir()) == [target]


def test_the_writers_use_it(tmp_path, model_path):
    model = tmp_path / "m.task"
    model.write_bytes(b"model bytes")
    write_hash_record(model, file_sha256(model))
    assert recorded_sha256(model) == hashlib.sha256(b"model bytes").hexdigest()
    data = model_path.read_bytes()
    installed = install_model(tmp_path / "worker", data, hashlib.sha256(data).hexdigest())
    assert file_sha256(installed) == file_sha256(model_path)
    assert not [p for p in tmp_path.rglob("*") if "posecloak-partial" in p.name]
