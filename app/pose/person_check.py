"""No skeleton without a person: the person detector's stage.

Wraps the pose estimator stack (plain or tiled, behind the quality gate) and
keeps a pose only where a person box from an independent detector
(app/pose/person_detector.py) agrees with it: most of the pose's confident
landmarks lie inside the box grown by a margin, and the box is not much
larger than the body (a skeleton drawn on a blob beside a real person lies
inside that person's box, but fills a small part of it). One box per pose:
two skeletons on one person keep the better one.

The detector costs about one landmarker call, so it runs where it matters:
on stills and a shot's first frame, whenever a pose appears that was not
reported in the previous frame (new or doubtful people), a reported one
is lost, or the last run left a sure box with no skeleton (the person may
be there: top-down below, tried again on the next frame), and every
`DETECT_EVERY_MS` of video for the rest. Between runs a followed person keeps
their box, moved with their pose.

Boxes with no skeleton are people the pose model missed (seen from behind,
from the waist down, lying on the floor): each gets the landmarker, in IMAGE
mode, on a square window around it (app/pose/top_down.py).

`boxes` holds, after each `detect`, the box of every person returned
(normalised to the frame, with the detector's score): the pipeline puts it
in the PoseFrame, where person IDs use it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from app.base.confidence import box_points, confident_mask
from app.base.types import X, Y
from app.pose.devices import RanOn, ran_on_all
from app.pose.merge import pose_boxes
from app.pose.person_detector import PersonDetector, iou_matrix

# A box is a person at this detector score or above. Measured (the model's
# README and bench/quality.py): clutter the pose model drew people on
# scored under 0.35, real people close up or half cut 0.7-0.9; small
# pedestrians far away (vtest.avi) 0.4-0.8.
PERSON_SCORE = 0.4
# ...and a person already reported keeps a weaker box: the detector's score
# of one person wobbles from frame to frame (a turn, a blur), the pose stays;
# YOLOX-Nano scores a man lying on the floor 0-0.35 (gmdcsa24 Subject_1
# Fall/15) where MediaPipe follows him in every frame.
FOLLOWED_SCORE = 0.15
# A followed person no box agrees with is still reported this long after a
# box last did (their box carried with the pose): long enough for a fall and
# the time on the floor in the gmdcsa24 clips (1-4 s), short enough that a
# skeleton latched onto clutter after its person left goes within seconds.
FOLLOWED_GRACE_MS = 4000
# A box grown by this share of its larger side on every side before the
# landmarks are tested against it: the detector's boxes are tight, and the
# pose model puts wrists and feet a little beyond the visible body.
MARGIN = 0.15
# Share of the pose's confident landmarks inside the grown box.
MIN_INSIDE = 0.7
# The pose's larger extent over the box's larger side: a skeleton much
# smaller than the box is not that person (a blob on their sleeve).
MIN_EXTENT = 0.35
# While the same people are followed the detector runs on the first frame of
# every DETECT_EVERY_MS of video (and on every frame with a newcomer, a lost
# person or a box left unexplained). Tied to the timestamps, not to a count
# of frames, so two passes over the same frames (the chunked workers,
# app/engine/chunked_pose.py) run it on the same ones. 400 ms: every 12th
# frame at 30 fps, every 4th at 10 fps (vtest.avi); the detector costs about
# one landmarker call, so on every frame it would cost most of the 15 %
# budget on its own (README, bench/conversion).
DETECT_EVERY_MS = 400
FOLLOW_IOU = 0.3  # pose boxes of two frames overlapping this much: one person

DetectorFactory = Callable[[], PersonDetector]


def agreement(person: np.ndarray, box: np.ndarray, width: int, height: int) -> float:
    """How well a pose (33, 5) agrees with a pixel box (x0, y0, x1, y1, ...):
    0 when it does not, else the share of landmarks inside (MIN_INSIDE..1)."""
    points = box_points(person[:, [X, Y]] * np.array([width, height], np.float32),
                        confident_mask(person))
    x0, y0, x1, y1 = (float(v) for v in box[:4])
    side = max(x1 - x0, y1 - y0, 1.0)
    m = MARGIN * side
    inside = ((points[:, 0] >= x0 - m) & (points[:, 0] <= x1 + m)
              & (points[:, 1] >= y0 - m) & (points[:, 1] <= y1 + m)).mean()
    extent = float((points.max(axis=0) - points.min(axis=0)).max())
    if inside < MIN_INSIDE or extent < MIN_EXTENT * side:
        return 0.0
    return float(inside)


def match(people: np.ndarray, boxes: np.ndarray, width: int, height: int) -> list[int]:
    """For each pose, the index of the box that agrees best (-1: none);
    each box goes to one pose at most, best agreement first."""
    n, m = people.shape[0], boxes.shape[0]
    out = [-1] * n
    if n == 0 or m == 0:
        return out
    score = np.array([[agreement(p, b, width, height) * (1.0 + b[4]) for b in boxes]
                      for p in people])
    for flat in np.argsort(-score, axis=None):
        i, j = divmod(int(flat), m)
        if score[i, j] <= 0:
            break
        if out[i] < 0 and j not in out:
            out[i] = j
    return out


class PersonCheckedEstimator:
    """The same detect/close/ran_on interface as PoseEstimator, plus `boxes`.
    Belongs to the thread that created it; the detector is made at once by
    `make_detector` (0.3-1 s: it loads while the engine's decoder seeks, as
    the landmarker does, not on the first frame). `top_down` (or None) finds a pose in a box the pose
    model missed (app/pose/top_down.py)."""

    def __init__(self, inner, make_detector: DetectorFactory, *, video: bool,
                 limit: int, top_down=None, every_ms: int = DETECT_EVERY_MS) -> None:
        self.inner, self._make_detector, self.video = inner, make_detector, video
        self.limit, self.top_down, self.every_ms = limit, top_down, every_ms
        self._detector: PersonDetector | None = make_detector()
        self._forget()
        # of the rows last returned, normalised
        self.boxes: np.ndarray = np.zeros((0, 5), np.float32)
        self.runs = 0  # detector runs (benchmarks)
        self.dropped = 0  # poses no box agreed with (benchmarks)

    def _forget(self) -> None:
        self._last_ms: int | None = None  # the previous frame's timestamp
        # The last run left a sure box with no skeleton: run again next frame.
        self._unexplained = False
        # Of each person reported in the previous frame: pose box, person box
        # (pixels), and when a box last agreed with them (ms).
        self._kept = np.zeros((0, 4))
        self._kept_boxes = np.zeros((0, 5), np.float32)
        self._kept_ms: list[int] = []
        # Rows of people not seen in the previous frame, kept while their grace
        # lasts: the pose model often loses a person for a moment as they fall,
        # and finds them again on the floor, in another posture, where the
        # detector scores them weakly (app/pose/person_check.py FOLLOWED_SCORE).
        self._missing: list[bool] = []

    def new_shot(self) -> None:
        """Forget who was there (a scene cut): the next frame runs the detector."""
        self._forget()
        if hasattr(self.inner, "new_shot"):
            self.inner.new_shot()

    def detector(self) -> PersonDetector:
        if self._detector is None:
            self._detector = self._make_detector()
        return self._detector

    def detect(self, rgb: np.ndarray, timestamp_ms: int | None = None) -> np.ndarray:
        """Landmarks (people, 33, 5) of the people a person box agrees with."""
        height, width = rgb.shape[:2]
        now = int(timestamp_ms or 0)
        if self.video and self._last_ms is not None and timestamp_ms is not None and (
                now < self._last_ms):
            self._forget()  # timestamps going back: another stretch of video (as the gate)
        found = self.inner.detect(rgb, timestamp_ms)
        pose_box = pose_boxes(found, width, height)
        follows = self._follows(pose_box)
        period = (self._last_ms is None or timestamp_ms is None
                  or now // self.every_ms != self._last_ms // self.every_ms)
        self._last_ms = None if timestamp_ms is None else now
        present = {i for i, missing in enumerate(self._missing) if not missing}
        lost = not present <= {f for f in follows if f >= 0}
        run = (not self.video or period or self._unexplained
               or any(f < 0 for f in follows) or lost)
        if run:
            self.runs += 1
            detected = self.detector().detect(rgb)
            people = self._check(found, pose_box, detected, follows, now, width, height)
            if self.top_down is not None and len(people) < self.limit:
                people = self._top_down(rgb, people, detected, now)
        else:
            people = [(person, self._moved_box(f, box), self._kept_ms[f])
                      for person, box, f in zip(found, pose_box, follows)]
        people = people[:self.limit]
        out = np.stack([p for p, _, _ in people]) if people else found[:0]
        box_px = np.array([b for _, b, _ in people], np.float32).reshape(-1, 5)
        self.boxes = box_px / np.array([width, height, width, height, 1], np.float32)
        self._keep(pose_boxes(out, width, height), box_px, [ms for _, _, ms in people],
                   set(follows), now)
        return out

    def _keep(self, pose_box: np.ndarray, box_px: np.ndarray, ms: list[int],
              followed: set[int], now: int) -> None:
        """Remembers who was reported, and (in video) who went missing within
        their grace, for the next frame's `_follows`."""
        gone = [i for i in range(len(self._kept_ms)) if i not in followed
                and self.video and now - self._kept_ms[i] <= FOLLOWED_GRACE_MS]
        self._kept = np.vstack([pose_box.reshape(-1, 4), self._kept[gone].reshape(-1, 4)])
        self._kept_boxes = np.vstack([box_px, self._kept_boxes[gone].reshape(-1, 5)])
        self._kept_ms = ms + [self._kept_ms[i] for i in gone]
        self._missing = [False] * len(ms) + [True] * len(gone)

    def _follows(self, pose_box: np.ndarray) -> list[int]:
        """For each pose, the row of the previous frame's report it follows (-1: new)."""
        if not self.video or len(self._kept) == 0 or len(pose_box) == 0:
            return [-1] * len(pose_box)
        iou = iou_matrix(pose_box, self._kept)
        follows = [int(np.argmax(r)) if r.max() >= FOLLOW_IOU else -1 for r in iou]
        # A pose overlapping nobody seen in the previous frame follows a missing
        # person when it is within their own size of where they were: the same
        # person after a change of posture (standing, then on the floor).
        centre = (self._kept[:, :2] + self._kept[:, 2:]) / 2
        size = np.maximum(self._kept[:, 2] - self._kept[:, 0], self._kept[:, 3] - self._kept[:, 1])
        taken = {f for f in follows if f >= 0}
        for p, f in enumerate(follows):
            if f >= 0:
                continue
            gap = np.hypot(*((pose_box[p, :2] + pose_box[p, 2:]) / 2 - centre).T)
            near = [i for i in np.argsort(gap) if self._missing[i] and i not in taken
                    and gap[i] <= size[i]]
            if near:
                follows[p] = int(near[0])
                taken.add(follows[p])
        return follows

    def _moved_box(self, f: int, now: np.ndarray) -> np.ndarray:
        """Person f's box of the previous frame, moved by how far the centre
        of their pose box moved (`now`, pixels): between detector runs."""
        before = self._kept[f]
        box = self._kept_boxes[f].copy()
        box[[0, 2]] += ((now[0] + now[2]) - (before[0] + before[2])) / 2
        box[[1, 3]] += ((now[1] + now[3]) - (before[1] + before[3])) / 2
        return box

    def _check(self, found, pose_box, detected, follows, now, width, height):
        """(pose, box, ms) of the poses a box agrees with: a newcomer at
        PERSON_SCORE, a person followed from the previous frame at
        FOLLOWED_SCORE; and a followed person no box agrees with, for up to
        FOLLOWED_GRACE_MS since one last did (their box carried)."""
        candidates = detected[detected[:, 4] >= FOLLOWED_SCORE]
        chosen = match(found, candidates, width, height)
        people = []
        for person, pbox, j, f in zip(found, pose_box, chosen, follows):
            if j >= 0 and candidates[j, 4] >= (FOLLOWED_SCORE if f >= 0 else PERSON_SCORE):
                people.append((person, candidates[j], now))
            elif f >= 0 and now - self._kept_ms[f] <= FOLLOWED_GRACE_MS:
                people.append((person, self._moved_box(f, pbox), self._kept_ms[f]))
            else:
                self.dropped += 1
        return people

    def _top_down(self, rgb, people, detected, now):
        """People in boxes no pose agreed with, found by the landmarker on a
        window around each box."""
        height, width = rgb.shape[:2]
        taken = np.array([b for _, b, _ in people], np.float32).reshape(-1, 5)
        self._unexplained = False
        for box in self.top_down.candidates(detected, taken, width, height,
                                            self._kept_boxes, FOLLOWED_SCORE):
            if len(people) >= self.limit:
                break
            person = self.top_down.find(rgb, box)
            if person is not None:
                people.append((person, box, now))
                taken = np.vstack([taken, box[None]])
            else:
                self._unexplained = True
        return people

    @property
    def ran_on(self) -> RanOn:
        """What the inner stack's landmarkers (and the top-down one) ran on."""
        parts = [self.inner] + ([self.top_down] if self.top_down is not None else [])
        return ran_on_all(parts)

    def close(self) -> None:
        self.inner.close()
        if self.top_down is not None:
            self.top_down.close()
        detector, self._detector = self._detector, None
        if detector is not None:
            detector.close()

    def __enter__(self) -> PersonCheckedEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

