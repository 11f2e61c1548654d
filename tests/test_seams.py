"""Chunk seams: the default (two workers on time chunks) finds every person
one unbroken pass finds, wherever the seams fall."""

from __future__ import annotations

import threading
from fractions import Fraction

import numpy as np
import pytest

from app.engine.chunked_pose import AGREEMENT_FRAMES, ChunkedPose, plan_chunks
from app.media.video import probe, scan_pts
from app.people.seams import match_people, same_people
from app.pose.devices import NOWHERE
from tests.helpers.clips import write_clip
from tests.helpers.seams import (
    chunks_at,
    cuts_and_closeups,
    pose_passes,
    seam_losses,
    vtest_walkers,
)


@pytest.fixture(scope="module")
def clips(tmp_path_factory, media):
    folder = tmp_path_factory.mktemp("seams")
    return {"walkers": vtest_walkers(folder, media), "cuts": cuts_and_closeups(folder, media)}


@pytest.fixture(scope="module")
def references(clips, model_path):
    return {name: pose_passes(clip, model_path, chunks_at([], _count(clip)), 1)[0]
            for name, clip in clips.items()}


def _count(clip) -> int:
    return probe(clip, count_frames=True).frame_count


@pytest.mark.parametrize("clip_name, bounds", [
    ("walkers", None),                    # the default plan: one seam at 120
    ("walkers", range(17, 240, 40)),      # six seams, none where the default puts one
    ("cuts", range(40, 240, 40)),         # seams in the street, the close-up, the empty scene
    ("cuts", (69, 70, 71, 130, 131)),     # right at and beside the hard cuts
])
def test_no_person_appears_or_vanishes_at_a_seam(clips, references, model_path,
                                                 clip_name, bounds):
    clip, reference = clips[clip_name], references[clip_name]
    n = len(reference)
    chunks = plan_chunks(n, 2) if bounds is None else chunks_at(list(bounds), n)
    assert len(chunks) > 1
    chunked, _ = pose_passes(clip, model_path, chunks, 2)
    assert len(chunked) == n
    assert sum(len(p) for p in reference) > 100  # people to lose
    assert seam_losses(reference, chunked) == (0, 0)


def test_a_plain_warm_up_does_lose_the_distant_walker(clips, references, model_path):
    """What the seam search fixes (and proof the comparison sees it): handing
    over at the chunk's end loses the pedestrian the new pass has not found."""
    reference = references["walkers"]
    plain, _ = pose_passes(clips["walkers"], model_path, plan_chunks(len(reference), 2), 2,
                           agreement_frames=0)
    lost, _added = seam_losses(reference, plain)
    if lost == 0:
        # Seen on this machine kind since December 2026, on the code before
        # the person detector too: the plain warm-up finds the walker at once,
        # so there is no loss to show (the comparison itself is checked on an
        # estimator whose behaviour is known, below).
        pytest.skip("the plain warm-up found the distant walker here: no loss to show")
    assert lost > 20


# -- the joining logic, with an estimator whose behaviour is known ---------


class _LateStarterBlind:
    """Finds one person in every frame from frame 5 on, but only if its pass
    saw frame 5 itself (as MediaPipe misses a distant person it did not
    acquire): every later pass is blind, so it can never agree."""

    ran_on = NOWHERE  # no landmarker behind it

    def __init__(self) -> None:
        self.tracking = False

    def detect(self, image: np.ndarray, timestamp_ms: int) -> np.ndarray:
        index = round(float(image[16, 16, 0]) / 4)
        if index == 5:
            self.tracking = True
        elif index < 5:
            self.tracking = False
        if not self.tracking:
            return np.zeros((0, 33, 5), np.float32)
        person = np.zeros((1, 33, 5), np.float32)
        person[0, :, 0] = np.linspace(0.3, 0.5, 33)
        person[0, :, 1] = np.linspace(0.2, 0.9, 33)
        person[0, :, 3:] = 1.0
        return person

    def close(self) -> None:
        pass


def _index_clip(path, count: int):
    """Flat grey frames whose level tells their index (4 levels apart, so
    H.264's rounding cannot blur one into the next)."""
    frames = [np.full((32, 32, 3), 4 * i, np.uint8) for i in range(count)]
    return write_clip(path, frames, time_base=Fraction(1, 10), rate=Fraction(10))


def _run_passes(clip, chunks, jobs, estimator):
    stop = threading.Event()
    runner = ChunkedPose(clip, probe(clip), scan_pts(clip), chunks, jobs, estimator, stop)
    runner.start()
    try:
        return runner, list(runner.results(threading.Event()))
    finally:
        stop.set()
        runner.join()


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_pass_that_never_agrees_is_dropped_and_nothing_is_lost(tmp_path, jobs):
    clip = _index_clip(tmp_path / "idx.mp4", 60)
    chunks = chunks_at(list(range(10, 60, 10)), 60, warmup=2)
    runner, poses = _run_passes(clip, chunks, jobs, _LateStarterBlind)
    assert [p.index for p in poses] == list(range(60))
    assert [p.people for p in poses] == [0] * 5 + [1] * 55  # as one unbroken pass
    assert all(runner.passes[c.number].abandoned.is_set() for c in chunks[:-1]
               if c.number % jobs != 0)  # the other workers' chunks were all dropped


def test_a_pass_hands_over_once_both_agree(tmp_path):
    """Agreement for AGREEMENT_FRAMES frames moves the output to the next
    pass: every frame once, in order, and the model ran only a few frames
    twice (warm-up plus agreement)."""
    clip = _index_clip(tmp_path / "idx.mp4", 40)

    class Everyone(_LateStarterBlind):
        def detect(self, image, timestamp_ms):
            self.tracking = True
            return super().detect(image, timestamp_ms)

    chunks = chunks_at([20], 40, warmup=2)
    runner, poses = _run_passes(clip, chunks, 2, Everyone)
    assert [p.index for p in poses] == list(range(40))
    assert sum(runner.detections) == 40 + 2 + AGREEMENT_FRAMES
    assert not runner.passes[1].abandoned.is_set()


def _person(x0: float, size: float = 0.2) -> np.ndarray:
    p = np.zeros((33, 5), np.float32)
    p[:, 0] = x0 + np.linspace(0, size / 2, 33)
    p[:, 1] = 0.3 + np.linspace(0, size, 33)
    return p


def test_same_people_by_position():
    a = np.stack([_person(0.1), _person(0.6)])
    drift = a + np.float32(0.002)
    assert same_people(a, drift[::-1])  # order does not matter, drift does not either
    assert not same_people(a, a[:1])  # someone missing
    assert not same_people(a, np.stack([_person(0.1), _person(0.35)]))  # someone elsewhere
    assert match_people(a, a[1:]) == [(1, 0)]
    assert same_people(np.zeros((0, 33, 5)), np.zeros((0, 33, 5)))  # nobody in both
    hidden = a.copy()
    hidden[0, :20, :2] = np.nan  # landmarks left out (below the threshold) still match
    assert same_people(a, hidden)
    hidden[1, :, :2] = np.nan  # a person with no landmark left matches nobody
    assert not same_people(a, hidden)
