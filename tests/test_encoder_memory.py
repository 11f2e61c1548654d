"""The encoder reads only memory it wrote: the same pictures give the same file.

x264's macroblock-tree rate control (`mbtree`, on in veryfast and the slower
presets) reads an uninitialised stack value in this build, so the file
depended on what the calling thread had left on its stack: the CLI's main
thread (Python's garbage) gave another H.264 stream in some runs, while the
app's export thread happened to give the same one. No test of "three runs,
one hash" sees it reliably; memcheck sees every such read. The encoder runs
with `mbtree=0` (about 10 % more bytes at the same CRF on skeleton video).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.nettrace import must_trace

ROOT = Path(__file__).resolve().parents[1]
MARK = "#### posecloak-old-settings"

# Encodes 20 frames of moving bars with the app's settings, then (after a
# marker on stderr) with x264's veryfast preset and its mbtree on.
ENCODE = f"""
import dataclasses, os, sys
from fractions import Fraction
from pathlib import Path
import numpy as np
import app.media.encoder as E

frames = []
for i in range(20):
    im = np.zeros((144, 176, 3), np.uint8)
    y, x = 40 + i % 20, 30 + i
    im[y:y + 40, x:x + 6] = (0, 255, 0)
    im[y:y + 3, x - 10:x + 30] = (255, 80, 80)
    frames.append(im)

def encode(fmt, path):
    enc = E.VideoEncoder(Path(path), 176, 144, time_base=Fraction(1, 15360), fps=Fraction(30), fmt=fmt)
    for i, im in enumerate(frames):
        enc.write(im, i * 512)
    enc.close()

encode(E.MP4_H264, sys.argv[1] + "/app.mp4")
os.write(2, b"\\n{MARK}\\n")
# The witness runs x264's veryfast preset without mbtree=0: superfast (the
# app's) has no lookahead, so no macroblock tree, whatever mbtree says.
old = tuple(o for o in E.MP4_H264.video_options if o[0] not in ("mbtree", "preset"))
old += (("preset", "veryfast"),)
encode(dataclasses.replace(E.MP4_H264, video_options=old), sys.argv[1] + "/old.mp4")
"""


def _x264_errors(log: str) -> int:
    """memcheck error reports whose stack passes through libx264."""
    blocks = re.split(r"\n==\d+== \n", log)
    return sum(1 for b in blocks if "uninitialised" in b and "libx264" in b)


def test_x264_reads_no_uninitialised_memory_with_the_app_settings(tmp_path):
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        if must_trace():
            pytest.fail("valgrind is required in CI (Debian package 'valgrind')")
        pytest.skip("valgrind is not installed (Debian package 'valgrind')")
    env = {**os.environ, "PYTHONMALLOC": "malloc", "PYTHONPATH": str(ROOT)}
    res = subprocess.run(
        [valgrind, "--tool=memcheck", "--num-callers=40", "--log-fd=2",
         sys.executable, "-c", ENCODE, str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=900, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    assert MARK in res.stderr, res.stderr[-3000:]
    with_app_settings, with_mbtree = res.stderr.split(MARK, 1)
    assert _x264_errors(with_app_settings) == 0, with_app_settings[-4000:]
    # The witness can see the defect: the same frames with mbtree on.
    assert _x264_errors(with_mbtree) > 0
    assert b" mbtree=0 " in (tmp_path / "app.mp4").read_bytes()
