"""The pose model reaches every worker from the client, not from a shared
file system: a worker plugin carries the model's bytes and SHA-256, and each
worker (also one that joins later, or restarts) keeps them in its local
folder under their hash, checked before they are kept and before each use.

Imported only where the cluster is used: it needs the `cluster` extra.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

from app.base.errors import ModelError

MODEL_FOLDER = "posecloak-models"


def plugin_name(sha256: str) -> str:
    return f"posecloak-model-{sha256[:16]}"


def cached_model_path(local_directory: str | Path, sha256: str) -> Path:
    """Where a worker keeps the model with this hash."""
    return Path(local_directory) / MODEL_FOLDER / f"{sha256}.task"


class ModelPlugin(WorkerPlugin):
    """Sent once per worker with the client's model; refuses bytes whose hash
    is not the one the client named."""

    def __init__(self, data: bytes, sha256: str) -> None:
        self.data = data
        self.sha256 = sha256
        self.name = plugin_name(sha256)

    @classmethod
    def from_file(cls, path: Path, sha256: str) -> ModelPlugin:
        return cls(Path(path).read_bytes(), sha256)

    def setup(self, worker) -> None:
        install_model(worker.local_directory, self.data, self.sha256)
        self.data = b""  # kept on disk; the worker need not hold it in memory


def install_model(local_directory: str | Path, data: bytes, sha256: str) -> Path:
    """Writes `data` as the model `sha256` (atomically), after checking it."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ModelError(f"the pose model sent to this worker has SHA-256 {actual[:12]}..., not "
                         f"the client's {sha256[:12]}...; it was refused.")
    target = cached_model_path(local_directory, sha256)
    from app.base.files import file_sha256
    if target.is_file() and file_sha256(target) == sha256:
        return target  # this worker has it already (a restart, a second batch)
    target.parent.mkdir(parents=True, exist_ok=True)
    from app.base.files import replaced_on_success
    with replaced_on_success(target) as tmp:
        tmp.write_bytes(data)
    return target


def worker_model(local_directory: str | Path, sha256: str) -> Path:
    """The worker's copy of the client's model, refused unless its SHA-256 is
    the client's (a copy changed on disk, or another client's model)."""
    from app.base.files import file_sha256
    path = cached_model_path(local_directory, sha256)
    if not path.is_file():
        raise ModelError(f"this worker has no pose model with SHA-256 {sha256[:12]}... (the "
                         "client's model did not reach it).")
    actual = file_sha256(path)
    if actual != sha256:
        raise ModelError(f"this worker's pose model has SHA-256 {actual[:12]}..., not the "
                         f"client's {sha256[:12]}...; it was refused.")
    return path
