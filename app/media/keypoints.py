"""Keypoint export: streaming JSON and CSV writers with a versioned schema.

Schema "posecloak-keypoints" version 4 (documented in the README):
JSON: {"schema", "version", "generator", "model_sha256", "video": {width,
height, fps, frame_count}, "landmark_names", "frames": [{"index", "time_s", "people":
[{"id", "landmarks": [{"name", "x", "y", "x_norm", "y_norm", "z",
"visibility", "presence", "valid", "world_x", "world_y", "world_z"}]}]}],
"standard_body": bool, "analysis": {...} | null}
Version 2 adds "analysis" (app/analysis: angles, activity, events), written
after the frames when the file is closed, so frames still stream; version 1
files (no "analysis") are still read. Version 3 adds "model_sha256", the
pose model's SHA-256 (null where unknown), so results name their model.
Version 4 adds each landmark's world position (MediaPipe's world landmarks:
metres, hip-centred; null where unknown) and "standard_body" in the header:
whether the landmarks are the standard body's (app/people/standard_body.py)
or the person's own. A file holds one or the other, never both.
CSV: one row per landmark with the columns in CSV_COLUMNS.
x, y are pixels of the source picture (display orientation); a landmark
below the confidence threshold is kept with valid = false; face landmarks
are left out entirely when face points are off. A person with no valid
landmark is not written at all, so len(people) counts people seen. time_s
is the frame's presentation time in the output video (pts * time_base: a
source that starts at 0.5 s has its first frame at 0.5 s). Nothing identifying the
source (file name, tags) is written.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Protocol

import numpy as np

from app import __version__
from app.base.landmarks import FACE_LANDMARKS, LANDMARK_NAMES, NUM_LANDMARKS
from app.base.types import PoseFrame

SCHEMA = "posecloak-keypoints"
SCHEMA_VERSION = 4
READABLE_VERSIONS = (1, 2, 3, 4)
CSV_COLUMNS = ("frame", "time_s", "person_id", "landmark_index", "landmark", "x", "y",
               "x_norm", "y_norm", "z", "visibility", "presence", "valid",
               "world_x", "world_y", "world_z", "standard_body")
KEYPOINT_SUFFIXES = (".json", ".csv")


def exported_landmarks(include_face: bool) -> list[int]:
    return [i for i in range(NUM_LANDMARKS) if include_face or i not in FACE_LANDMARKS]


def _num(v: float) -> float | None:
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else round(v, 6)


def found_people(valid: np.ndarray, indices: list[int]) -> list[int]:
    """Rows of the people with at least one valid exported landmark: an entry
    with none is no evidence of a person, so it is not written."""
    if valid.size == 0:
        return []
    return [int(p) for p in np.flatnonzero(valid[:, indices].any(axis=1))]


class KeypointWriter(Protocol):
    def write(self, pose: PoseFrame, valid: np.ndarray) -> None: ...
    def close(self, analysis: dict | None = None) -> None: ...


class JsonKeypointWriter:
    """Writes frames as they come, so memory stays flat for any length."""

    def __init__(self, stream: IO[str], *, width: int, height: int, fps: float,
                 frame_count: int, include_face: bool, model_sha256: str | None = None,
                 standard_body: bool = False) -> None:
        self._out = stream
        self._indices = exported_landmarks(include_face)
        header = {
            "schema": SCHEMA, "version": SCHEMA_VERSION, "generator": f"posecloak {__version__}",
            "model_sha256": model_sha256, "standard_body": bool(standard_body),
            "video": {"width": width, "height": height, "fps": round(fps, 6),
                      "frame_count": frame_count},
            "landmark_names": [LANDMARK_NAMES[i] for i in self._indices],
        }
        text = json.dumps(header, separators=(",", ":"))
        self._out.write(text[:-1] + ',"frames":[\n')
        self._first = True

    def write(self, pose: PoseFrame, valid: np.ndarray) -> None:
        px = pose.pixels()
        world = pose.world_or_nan()
        people = []
        for p in found_people(valid, self._indices):
            lm, w = pose.landmarks[p], world[p]
            people.append({"id": int(pose.ids[p]), "landmarks": [
                {"name": LANDMARK_NAMES[i], "x": _num(px[p, i, 0]), "y": _num(px[p, i, 1]),
                 "x_norm": _num(lm[i, 0]), "y_norm": _num(lm[i, 1]), "z": _num(lm[i, 2]),
                 "visibility": _num(lm[i, 3]), "presence": _num(lm[i, 4]),
                 "valid": bool(valid[p, i]), "world_x": _num(w[i, 0]),
                 "world_y": _num(w[i, 1]), "world_z": _num(w[i, 2])}
                for i in self._indices]})
        frame = {"index": pose.index, "time_s": round(pose.time_s, 6), "people": people}
        self._out.write(("" if self._first else ",\n") + json.dumps(frame, separators=(",", ":")))
        self._first = False

    def close(self, analysis: dict | None = None) -> None:
        """Ends the file; `analysis` (JSON-safe) goes after the frames."""
        self._out.write("\n],\"analysis\":" + json.dumps(analysis, separators=(",", ":"),
                                                          allow_nan=False) + "}\n")


class CsvKeypointWriter:
    def __init__(self, stream: IO[str], *, include_face: bool, standard_body: bool = False,
                 **_: object) -> None:
        self._csv = csv.writer(stream, lineterminator="\n")
        self._csv.writerow(CSV_COLUMNS)
        self._indices = exported_landmarks(include_face)
        # A CSV has no header beyond its column names: which body it holds is a column.
        self._standard = int(bool(standard_body))

    def write(self, pose: PoseFrame, valid: np.ndarray) -> None:
        px = pose.pixels()
        world = pose.world_or_nan()
        t = round(pose.time_s, 6)
        for p in found_people(valid, self._indices):
            lm, w = pose.landmarks[p], world[p]
            for i in self._indices:
                self._csv.writerow((pose.index, t, int(pose.ids[p]), i, LANDMARK_NAMES[i],
                                    _num(px[p, i, 0]), _num(px[p, i, 1]), _num(lm[i, 0]),
                                    _num(lm[i, 1]), _num(lm[i, 2]), _num(lm[i, 3]),
                                    _num(lm[i, 4]), int(bool(valid[p, i])), _num(w[i, 0]),
                                    _num(w[i, 1]), _num(w[i, 2]), self._standard))

    def close(self, analysis: dict | None = None) -> None:
        pass  # the CSV holds landmarks only; the analysis has its own CSVs


def open_keypoint_writer(path: Path, stream: IO[str], **meta) -> KeypointWriter:
    """A writer for `path`'s format (.json or .csv) writing into `stream`."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return JsonKeypointWriter(stream, **meta)
    if suffix == ".csv":
        return CsvKeypointWriter(stream, **meta)
    raise ValueError(f"keypoints must be .json or .csv, not '{path.suffix}'")


def read_keypoints(path: Path) -> dict:
    """Loads a keypoint JSON file (the format this module writes)."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"{path.name} is not a PoseCloak keypoint file")
    if data.get("version") not in READABLE_VERSIONS:
        raise ValueError(f"{path.name}: keypoint schema version {data.get('version')} is newer "
                         "than this PoseCloak reads; update PoseCloak.")
    return data


def keypoints_to_arrays(data: dict) -> tuple[np.ndarray, list[list[int]], Sequence[np.ndarray]]:
    """(times, ids per frame, landmark arrays (people, 33, 5) per frame) from
    loaded JSON; face points that were left out come back as NaN."""
    names = data["landmark_names"]
    cols = [LANDMARK_NAMES.index(n) for n in names]
    times, ids, arrays = [], [], []
    for frame in data["frames"]:
        times.append(frame["time_s"])
        people = frame["people"]
        arr = np.full((len(people), NUM_LANDMARKS, 5), np.nan, np.float32)
        for p, person in enumerate(people):
            for c, lm in zip(cols, person["landmarks"]):
                arr[p, c] = [lm["x_norm"], lm["y_norm"], lm["z"], lm["visibility"], lm["presence"]]
                if not lm["valid"]:
                    arr[p, c, :2] = np.nan
        ids.append([person["id"] for person in people])
        arrays.append(arr)
    return np.asarray(times, float), ids, arrays


def keypoints_to_world(data: dict) -> list[np.ndarray]:
    """World landmark arrays (people, 33, 3) per frame, in metres, from loaded
    JSON (the rows of `keypoints_to_arrays`); NaN where a landmark was left
    out or the file has none (before version 4). Unlike the pixel positions,
    world positions of landmarks that are not valid are kept: the standard
    body needs every bone's direction."""
    names = data["landmark_names"]
    cols = [LANDMARK_NAMES.index(n) for n in names]
    out = []
    for frame in data["frames"]:
        people = frame["people"]
        arr = np.full((len(people), NUM_LANDMARKS, 3), np.nan, np.float32)
        for p, person in enumerate(people):
            for c, lm in zip(cols, person["landmarks"]):
                if lm.get("world_x") is not None:
                    arr[p, c] = [lm["world_x"], lm["world_y"], lm["world_z"]]
        out.append(arr)
    return out
