"""The manifest beside a batch's outputs, DIR/.posecloak-manifest.json: for
each converted file its input's SHA-256, the settings' digest, the model's
SHA-256 and each output's SHA-256 and size. A rerun of the same command
skips a file whose entry still matches and whose outputs are still there,
so nothing is converted twice. Written whole and atomically (temp + rename)
after every finished file, so a killed client loses no entry.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from app.base.files import file_sha256 as file_digest
from app.base.files import replaced_on_success
from app.engine.jobs import ConvertJob

MANIFEST_NAME = ".posecloak-manifest.json"
SCHEMA = "posecloak-manifest"
VERSION = 1


def _canonical(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    return str(value)  # Fractions and the like: their exact text


def settings_digest(job: ConvertJob) -> str:
    """SHA-256 of the settings value and of which outputs the job writes:
    the same command gives the same digest on any machine."""
    data = {"settings": dataclasses.asdict(job.settings),
            "outputs": [p.name for p in job.outputs()], "video": job.video}
    text = json.dumps(data, default=_canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def stat_key(path: Path) -> tuple[int, int]:
    st = Path(path).stat()
    return st.st_size, st.st_mtime_ns


@dataclass(frozen=True)
class Entry:
    """What one finished file was made from and what it made."""

    input_sha256: str
    input_stat: tuple[int, int]          # size, mtime_ns when hashed
    settings_sha256: str
    model_sha256: str
    outputs: dict[str, tuple[str, int]]  # file name -> (SHA-256, size)

    def to_json(self) -> dict:
        return {"input_sha256": self.input_sha256, "input_size": self.input_stat[0],
                "input_mtime_ns": self.input_stat[1], "settings_sha256": self.settings_sha256,
                "model_sha256": self.model_sha256,
                "outputs": {k: {"sha256": h, "size": n} for k, (h, n) in self.outputs.items()}}

    @classmethod
    def from_json(cls, data: dict) -> Entry:
        return cls(data["input_sha256"], (int(data["input_size"]), int(data["input_mtime_ns"])),
                   data["settings_sha256"], data["model_sha256"],
                   {k: (v["sha256"], int(v["size"])) for k, v in data["outputs"].items()})


def entry_key(job: ConvertJob) -> str:
    """An entry is filed under its main output's name (unique in its folder)."""
    return job.output.name


class Manifest:
    """One output folder's manifest. Thread: the client's (one writer)."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / MANIFEST_NAME
        self.entries: dict[str, Entry] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("schema") == SCHEMA and data.get("version") == VERSION:
                self.entries = {k: Entry.from_json(v) for k, v in data["entries"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.entries = {}  # none yet, or unreadable: everything is converted

    def made_by(self, job: ConvertJob, model_sha256: str) -> bool:
        """True when the entry for the job's outputs says they were made from
        this very input with these settings and this model (whether or not
        they are all still there). The input is hashed again only when its
        size or modification time changed since."""
        entry = self.entries.get(entry_key(job))
        if entry is None or entry.model_sha256 != model_sha256:
            return False
        if entry.settings_sha256 != settings_digest(job):
            return False
        try:
            if stat_key(job.source) != entry.input_stat:
                return file_digest(job.source) == entry.input_sha256
        except OSError:
            return False
        return True

    def is_done(self, job: ConvertJob, model_sha256: str) -> bool:
        """True when the job's outputs were made by it (`made_by`) and are
        all still there, as they were written."""
        if not self.made_by(job, model_sha256):
            return False
        entry = self.entries[entry_key(job)]
        outputs = {p.name: p for p in job.outputs()}
        if set(outputs) != set(entry.outputs):
            return False
        try:
            if any(p.stat().st_size != entry.outputs[name][1] for name, p in outputs.items()):
                return False
        except OSError:
            return False
        return True

    def record(self, key: str, entry: Entry) -> None:
        self.entries[key] = entry
        self.save()

    def save(self) -> None:
        data = {"schema": SCHEMA, "version": VERSION,
                "entries": {k: e.to_json() for k, e in sorted(self.entries.items())}}
        # A fresh name opened exclusively ("x"): the user's umask applies, as
        # for the outputs beside it.
        with replaced_on_success(self.path) as tmp, open(tmp, "x", encoding="utf-8") as f:
            json.dump(data, f, indent=1)
            f.write("\n")


def entry_for(job: ConvertJob, model_sha256: str) -> Entry:
    """The entry for a job that just finished (on the worker, which already
    has the files at hand)."""
    stat = stat_key(job.source)
    return Entry(file_digest(job.source), stat, settings_digest(job), model_sha256,
                 {p.name: (file_digest(p), p.stat().st_size) for p in job.outputs()})
