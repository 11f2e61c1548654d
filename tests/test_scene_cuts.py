"""Scene cuts: found exactly where a clip was joined, never inside a shot,
and no person ID crosses one, in one pass, in chunks and in the pipeline."""

from __future__ import annotations

import threading
from fractions import Fraction

import numpy as np
import pytest

from app.base.settings import SkeletonSettings
from app.base.types import PoseFrame
from app.engine.chunked_pose import WARMUP_FRAMES
from app.engine.jobs import ConvertJob
from app.engine.pipeline import convert
from app.media.video import VideoReader
from app.people.processor import PeopleProcessor
from app.people.scene_cuts import CutDetector
from app.people.tracking import PersonTracker
from tests.helpers.clips import write_clip
from tests.helpers.cut_clips import street_with_cuts
from tests.helpers.seams import chunks_at, pose_frames


@pytest.fixture(scope="module")
def clip(tmp_path_factory, media):
    return street_with_cuts(tmp_path_factory.mktemp("cuts"), media)


@pytest.fixture(scope="module")
def one_pass(clip, model_path):
    return pose_frames(clip.path, model_path, chunks_at([], clip.frame_count), 1)


def _found(path) -> list[int]:
    detector = CutDetector()
    return [f.index for f in VideoReader(path).frames() if detector.push(f.image)]


def test_the_cuts_are_found_exactly(clip):
    assert _found(clip.path) == list(clip.cuts)


@pytest.mark.parametrize("name", ["vtest.avi", "carphone_pristine.mp4", "tree.avi"])
def test_no_cut_inside_a_shot(media, name):
    """Walking people (vtest), a moving head and camera (carphone), a
    panning camera (tree): one shot each."""
    assert _found(media / name) == []


def test_a_slow_fade_is_not_a_cut(tmp_path):
    """Brightness rising 4 levels a frame (a fade, exposure drift): hard
    histogram bins would flip at every bin edge."""
    base = np.random.default_rng(1).integers(0, 60, (96, 128, 3), np.uint8)
    frames = [(base + 4 * i).astype(np.uint8) for i in range(48)]
    path = write_clip(tmp_path / "fade.mp4", frames, time_base=Fraction(1, 10), rate=Fraction(10))
    assert _found(path) == []


@pytest.mark.parametrize("keys", ["FALL_KEYS", "SLOW_KEYS"])
def test_someone_falling_close_to_the_camera_is_not_a_cut(media, keys):
    """The player tipping over on a plain canvas (half the picture moves),
    compared frame by frame and with up to 7 frames dropped between (the
    live loop skips frames when inference is slow)."""
    from tests.helpers import motion_clips
    canvas = motion_clips.player_canvas(media)
    frames = [motion_clips.tipped(canvas, a)
              for a in motion_clips.angle_schedule(getattr(motion_clips, keys))]
    for step in (1, 2, 4, 8):
        detector = CutDetector()
        assert not any(detector.push(f) for f in frames[::step]), step


def test_a_blackout_back_to_the_same_scene_is_not_a_cut(media):
    """Two black frames in a shot (a dropout): not a cut; the same black
    frames between two different scenes still end in one."""
    from tests.helpers.seams import _frames
    street = _frames(media / "vtest.avi", 0, 10)
    black = [np.zeros_like(street[0])] * 2
    detector = CutDetector()
    assert not any(detector.push(f) for f in street[:5] + black + street[5:])
    face = _frames(media / "carphone_pristine.mp4", 0, 3, (768, 576))
    detector = CutDetector()
    assert [detector.push(f) for f in street[:3] + black + face] == [False] * 5 + [True, False, False]


def _person(cx: float, cy: float, size: float = 0.2) -> np.ndarray:
    shape = np.random.default_rng(0).uniform(-0.5, 0.5, (33, 2)) * size
    lm = np.ones((33, 5), np.float32)
    lm[:, :2] = shape + [cx, cy]
    return lm


def test_the_tracker_gives_no_id_across_a_cut():
    tracker = PersonTracker()
    ids = []
    for n in range(6):
        pose = PoseFrame(index=n, time_s=n / 10, width=640, height=480,
                         landmarks=np.stack([_person(0.3, 0.5), _person(0.7, 0.5)]),
                         scene_cut=n == 3)
        ids.append(tracker.update(pose).ids)
    assert ids[:3] == [(0, 1)] * 3  # same people, same places: same IDs ...
    assert ids[3:] == [(2, 3)] * 3  # ... until the cut


def _shot_ids(poses: list[PoseFrame], cuts) -> list[set[int]]:
    bounds = [0, *cuts, len(poses)]
    return [{i for p in poses[a:b] for i in p.ids} for a, b in zip(bounds, bounds[1:])]


def _assert_disjoint(shots: list[set[int]]) -> None:
    for k, a in enumerate(shots):
        for b in shots[k + 1:]:
            assert not a & b, shots


def test_one_pass_marks_the_cuts_and_ids_stay_in_their_shot(clip, one_pass):
    poses, runner = one_pass
    assert [p.index for p in poses if p.scene_cut] == list(clip.cuts)
    assert runner.landmarkers == [1 + len(clip.cuts)]  # a fresh landmarker per shot
    people = PeopleProcessor()
    tracked = [q for p in poses for q in people.push(p)] + people.flush()
    shots = _shot_ids(tracked, clip.cuts)
    _assert_disjoint(shots)
    assert shots[0] and shots[1] and shots[2] and shots[4]  # a face, the street
    assert not shots[3]  # nobody in the empty scene


def test_without_the_cut_the_ids_do_cross(clip, one_pass):
    """What the cut fixes: the same detections tracked with the cut marks
    removed give the face and its mirror image one ID."""
    poses, _ = one_pass
    people = PeopleProcessor()
    plain = [PoseFrame(index=p.index, time_s=p.time_s, width=p.width, height=p.height,
                       landmarks=p.landmarks) for p in poses]
    tracked = [q for p in plain for q in people.push(p)] + people.flush()
    shots = _shot_ids(tracked, clip.cuts)
    assert shots[0] & shots[1]


@pytest.mark.parametrize("bounds", [
    "cuts",            # every seam on a cut: hand-overs with no agreement search
    (59, 61, 121, 189, 231),  # seams one frame beside the cuts
])
def test_chunked_passes_find_the_same_cuts_and_people(clip, one_pass, model_path, bounds):
    reference, _ = one_pass
    seams = list(clip.cuts) if bounds == "cuts" else list(bounds)
    chunks = chunks_at(seams, clip.frame_count)
    poses, runner = pose_frames(clip.path, model_path, chunks, 2)
    assert [p.index for p in poses] == list(range(clip.frame_count))
    assert [p.index for p in poses if p.scene_cut] == list(clip.cuts)
    if bounds == "cuts":
        # After a cut both passes are fresh landmarkers on the same frames:
        # the same people at the same places, and only the warm-ups run twice.
        for a, b in zip(reference, poses, strict=True):
            np.testing.assert_allclose(a.landmarks, b.landmarks, atol=1e-4)
        assert sum(runner.detections) == clip.frame_count + WARMUP_FRAMES * len(seams)


@pytest.mark.parametrize("jobs", [1, 2])  # two: a seam inside a shot
def test_the_pipeline_gives_no_id_across_a_cut(clip, model_path, tmp_path, jobs):
    seen: list[PoseFrame] = []
    result = convert(ConvertJob(clip.path, tmp_path / "out.mp4", SkeletonSettings(jobs=jobs)),
                     model_path, on_frame=lambda pose, _canvas: seen.append(pose),
                     cancel=threading.Event())
    assert len(seen) == clip.frame_count
    # The summary says so (the CLI's line and the app's row show notes()).
    assert result.scene_cuts == len(clip.cuts)
    assert f"{len(clip.cuts)} scene cuts (person IDs restart at each)" in result.notes()
    shots = _shot_ids(seen, clip.cuts)
    _assert_disjoint(shots)
    assert sum(len(s) for s in shots) > 3


def test_the_live_preview_restarts_at_a_file_sources_cut(clip, model_path):
    """The live step over the face and its mirror image (cut at frame 60):
    the cut is found, and the person's ID before it is not used after."""
    from app.engine.live import LiveProcessor, LiveSettings
    live = LiveProcessor(model_path, LiveSettings(), fps=10.0)
    poses = []
    try:
        for frame in VideoReader(clip.path).frames():
            if frame.index >= 90:
                break
            poses.append(live.estimate(frame).pose)
    finally:
        live.close()
    assert [p.index for p in poses if p.scene_cut] == [clip.cuts[0]]
    assert live.landmarkers == 2
    before = {i for p in poses if p.index < clip.cuts[0] for i in p.ids}
    after = {i for p in poses if p.index >= clip.cuts[0] for i in p.ids}
    assert before and after and not before & after
