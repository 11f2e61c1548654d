"""MediaPipe's unused heavy imports are deferred, yet load when really used."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_mediapipe_import_skips_matplotlib_until_used():
    out = _run("""
        import sys
        from app.pose.deferred_imports import defer_unused_imports, _ImportOnUse
        defer_unused_imports()
        import mediapipe
        from mediapipe.tasks.python.vision import drawing_utils
        print(isinstance(sys.modules["matplotlib.pyplot"], _ImportOnUse))
        figure = drawing_utils.plt.figure  # first real use loads the real module
        print(isinstance(sys.modules["matplotlib.pyplot"], _ImportOnUse), callable(figure))
        import matplotlib.colors
        print(matplotlib.colors.to_hex((1, 0, 0)))
    """)
    assert out.split() == ["True", "False", "True", "#ff0000"]


def test_an_already_loaded_module_is_left_alone():
    out = _run("""
        import sys, matplotlib
        from app.pose.deferred_imports import defer_unused_imports
        defer_unused_imports()
        print(sys.modules["matplotlib"] is matplotlib)
    """)
    assert out.strip() == "True"


def test_converting_never_loads_opencv(tmp_path, carphone, media):
    """PoseCloak draws, resizes, reads stills and composites without OpenCV
    (the app bundle leaves it out): a clip with an image background, tiles
    and labels, and a still, convert with cv2 never really imported."""
    out = _run(f"""
        import sys
        from app.pose.deferred_imports import _ImportOnUse
        from app.cli.main import main
        rc1 = main(["convert", {str(carphone)!r}, "-o", {str(tmp_path / "a.mp4")!r}, "-q",
                    "--background", {str(media / "messi5.jpg")!r}, "--tiles", "2x1",
                    "--show-ids", "--opacity", "0.7"])
        rc2 = main(["convert", {str(media / "basketball1.png")!r}, "-o",
                    {str(tmp_path / "b.jpg")!r}, "-q"])
        cv2 = sys.modules.get("cv2")
        print(rc1, rc2, cv2 is None or isinstance(cv2, _ImportOnUse))
    """)
    assert out.split()[-3:] == ["0", "0", "True"]
