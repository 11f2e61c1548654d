"""The quality gate: what the pose model finds, searched for harder where
one detection misses people, and only what can be drawn.

Wraps any estimator (plain or tiled) before the people layer sees it, so
every path (one worker, chunked workers, the live preview, stills) gets the
same gate. Whether a detection is a person at all is the person detector's
call (app/pose/person_check.py, the stage outside this one): the rules that
judged ghosts by the pose model's own opinion of itself (in-frame presence,
IMAGE-mode re-checks of doubtful people and of newcomers on tiles) were
removed in issue 26, when bench/quality.py measured, with the detector on,
no fewer people found and no more wrong without them. Here a detection is
kept unless its proportions are no body's (app/pose/quality.py
`implausible_body`: too few landmarks in the picture, too small, a torso
flattened, legs of very different lengths).

The first frame of a shot (the first frame, timestamps going back, or
`new_shot()`) and stills get the stronger search (app/pose/search.py).
In a video, people VIDEO mode does not follow are followed in IMAGE mode
(MediaPipe runs its detector only while it tracks nobody): one reported in
the previous frame that `inner` has lost is looked for again in a window
around them, and once a second the frame, with everyone reported blacked
out, is searched for newcomers (`_follow_and_look`). That depends only on
whom the gate reported in the previous frame and on the timestamps, never
on counters or older history, so two landmarker passes that agree on a
frame (the chunked workers' hand-over, app/engine/chunked_pose.py) decide
alike (tests/test_convert.py test_parallel_chunks_match_single_worker).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.pose.devices import RanOn, ran_on_all
from app.pose.merge import pose_boxes, same_person
from app.pose.protocol import PoseEstimating
from app.pose.quality import box_iou, implausible_body
from app.pose.search import (
    black_out,
    confirm_window,
    confirmed,
    exclusion_boxes,
    person_height_share,
    strong_search,
)
from app.pose.windows import ResizeFn, detect_in

FOLLOW_IOU = 0.3  # box overlap with a person of the previous frame: the same person
# A video is searched for newcomers once a second: on vtest.avi (10 fps)
# that cost 5 % more CPU, twice a second 9 %.
LOOK_EVERY_MS = 1000
# ...for people at least this share of the picture tall, and only those are
# followed: near the camera the detector finds them every time, so two
# passes over the same frames find them alike. A small distant walker is
# found one frame in several; following him made the chunked workers'
# passes differ for long stretches, and a seam lost him
# (tests/test_seams.py). Small people are the tiles' job.
FOLLOW_MIN_HEIGHT = 0.25


@dataclass(frozen=True)
class _Seen:
    """A person the gate reported: their landmarks and pixel box."""

    landmarks: np.ndarray
    box: np.ndarray


class GatedPoseEstimator:
    """The same detect/close/ran_on interface as PoseEstimator; belongs to the thread
    that created it. `inner` finds candidates (in VIDEO or IMAGE mode, as
    `video` says); the gate owns one IMAGE-mode landmarker for searches and
    follow-ups, made when first needed, and closes both."""

    def __init__(self, inner, model_path, options, *, video: bool,
                 resize: ResizeFn | None = None) -> None:
        self.inner, self.model_path, self.options = inner, model_path, options
        self.video, self.resize = video, resize
        self._checker: PoseEstimating | None = None
        self._last_ms: int | None = None
        self._kept: list[_Seen] = []
        self._shot_start = True
        self.searches = 0  # stronger searches run
        self.follows = 0  # people looked for again after `inner` lost them
        self.looks = 0  # blacked-out looks for newcomers

    def new_shot(self) -> None:
        """Forget who was there (a scene cut): the next frame is searched."""
        self._kept, self._shot_start = [], True

    def _image_estimator(self):
        if self._checker is None:
            from app.pose.estimator import PoseEstimator
            self._checker = PoseEstimator(self.model_path, self.options, video=False)
        return self._checker

    def detect(self, rgb: np.ndarray, timestamp_ms: int | None = None) -> np.ndarray:
        """Landmarks (people, 33, 5) of the people found that can be drawn."""
        height, width = rgb.shape[:2]
        # Timestamps going back: another stretch of video. (A jump forward is
        # not taken for a cut: live timestamps follow the wall clock, so a
        # slow frame would start a search, which makes the next one slow too.)
        if self.video and timestamp_ms is not None and self._last_ms is not None and (
                timestamp_ms < self._last_ms):
            self.new_shot()
        look = self._new_second(self._last_ms, timestamp_ms)
        self._last_ms = timestamp_ms
        found = self.inner.detect(rgb, timestamp_ms)
        if not self.video or self._shot_start:
            found = self._search(rgb, found)
        else:
            found = self._follow_and_look(rgb, found, look)
        self._kept = [_Seen(person, box) for person, box
                      in zip(found, pose_boxes(found, width, height))
                      if implausible_body(person, width, height) is None]
        self._shot_start = False
        if not self._kept:
            return found[:0]
        return np.stack([k.landmarks for k in self._kept])

    def _search(self, rgb: np.ndarray, found: np.ndarray) -> np.ndarray:
        """The stronger search merged with what `inner` found."""
        height, width = rgb.shape[:2]
        self.searches += 1
        extra = strong_search(self._image_estimator(), rgb, self.resize,
                              self.options.people_limit, None if self.video else found)
        if not self.video:
            return extra
        # VIDEO mode's own copy of a person goes first: it is what the next
        # frames will follow.
        rows = list(found) + [person for person in extra if not any(
            same_person(person, other, width, height) for other in found)]
        return np.stack(rows)[:self.options.people_limit] if rows else found

    @staticmethod
    def _new_second(last_ms: int | None, ms: int | None) -> bool:
        """Whether this frame is the first of a new LOOK_EVERY_MS of video time:
        the look for newcomers is tied to the timestamps, not to a count of
        frames, so two passes over the same frames look at the same ones."""
        return ms is not None and last_ms is not None and ms // LOOK_EVERY_MS != (
            last_ms // LOOK_EVERY_MS)

    def _follow_and_look(self, rgb: np.ndarray, found: np.ndarray, look: bool) -> np.ndarray:
        """What `inner` found, plus the people it does not follow.

        MediaPipe's VIDEO mode runs its person detector only while it tracks
        nobody: once it follows one person, a second one beside them (found
        by the shot's search, or walking in later) is never picked up. So a
        person the gate reported in the previous frame and `inner` has lost
        is looked for again in IMAGE mode in a window around where they
        were (followed); and when `look` (the first frame of every second,
        `_new_second`), the frame
        with everyone reported blacked out is searched in IMAGE mode for
        newcomers, each kept only when the untouched picture shows them in
        a window around them alone (app/pose/search.py `confirmed`)."""
        height, width = rgb.shape[:2]
        limit = self.options.people_limit
        rows = list(found)
        boxes = list(pose_boxes(found, width, height))
        for seen in self._kept:
            if len(rows) >= limit:
                break
            if person_height_share(seen.landmarks) < FOLLOW_MIN_HEIGHT or any(
                    box_iou(seen.box, b) >= FOLLOW_IOU for b in boxes):
                continue  # small (module constants), or `inner` still has them
            self.follows += 1
            # Their own box with a margin, not the re-check's square twice
            # their size: that takes in a neighbour, and the window then
            # shows the neighbour instead (app/pose/search.py).
            window = confirm_window(seen.landmarks, width, height)
            again = [p for p in detect_in(self._image_estimator(), rgb, window, self.resize)
                     if implausible_body(p, width, height) is None]
            if not again:
                continue  # gone (or hidden)
            box_of = list(pose_boxes(np.stack(again), width, height))
            best = max(range(len(again)), key=lambda i: box_iou(seen.box, box_of[i]))
            if box_iou(seen.box, box_of[best]) >= FOLLOW_IOU and not any(
                    same_person(again[best], other, width, height) for other in rows):
                rows.append(again[best])
                boxes.append(box_of[best])
        # Also when nobody is reported: a look that depended on who is would
        # let two passes over the same frames (the chunked workers) stay
        # apart; looking whatever the state, both find the same people
        # within a second, so their seam comes soon.
        if look and len(rows) < limit:
            reported = np.stack(rows) if rows else found[:0]
            rows += self._newcomers(rgb, reported, limit - len(rows))
        return np.stack(rows) if rows else found

    def _newcomers(self, rgb: np.ndarray, reported: np.ndarray, room: int) -> list[np.ndarray]:
        """Confirmed people IMAGE mode finds with `reported` blacked out."""
        height, width = rgb.shape[:2]
        self.looks += 1
        checker = self._image_estimator()
        masked = (black_out(rgb, exclusion_boxes(reported, width, height))[0]
                  if len(reported) else rgb)
        out: list[np.ndarray] = []

        def known(person: np.ndarray) -> bool:
            return any(same_person(person, other, width, height) for other in [*reported, *out])

        for person in checker.detect(masked):
            if len(out) >= room:
                break
            if (person_height_share(person) < FOLLOW_MIN_HEIGHT
                    or implausible_body(person, width, height) is not None
                    or known(person)):
                continue
            copy = confirmed(checker, rgb, person, self.resize)
            if copy is not None and not known(copy):
                out.append(copy)
        return out

    @property
    def ran_on(self) -> RanOn:
        """What `inner`'s landmarkers and the gate's own (once made) ran on."""
        return ran_on_all([self.inner] + ([self._checker] if self._checker is not None else []))

    def close(self) -> None:
        self.inner.close()
        checker, self._checker = self._checker, None
        if checker is not None:
            checker.close()

    def __enter__(self) -> GatedPoseEstimator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

