"""Import-on-first-use placeholders for modules MediaPipe imports but the pose
path never uses.

`import mediapipe` imports matplotlib.pyplot and cv2 (for drawing_utils'
helpers) and sounddevice (for the audio tasks): most of its import time. Before
MediaPipe is imported, `defer_unused_imports()` puts placeholders in
sys.modules; the first attribute anyone reads from one swaps the real module
in, so code that does use them still works, just later.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

# Top-level module -> its submodules that MediaPipe imports.
UNUSED_BY_POSE = {"matplotlib": ("matplotlib.pyplot",), "cv2": (), "sounddevice": ()}

_lock = threading.RLock()


class _ImportOnUse(types.ModuleType):
    """Stands in for a module until someone reads an attribute of it."""

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__") and attr not in ("__version__",):
            raise AttributeError(attr)
        return getattr(_load_real(self.__name__), attr)


def _load_real(name: str) -> types.ModuleType:
    with _lock:
        top = name.split(".")[0]
        names = (top, *UNUSED_BY_POSE.get(top, ()))
        for n in names:
            if isinstance(sys.modules.get(n), _ImportOnUse):
                del sys.modules[n]
        for n in names:
            importlib.import_module(n)
        return sys.modules[name]


def defer_unused_imports() -> None:
    """Installs the placeholders (once; never over a module already loaded)."""
    with _lock:
        for top, subs in UNUSED_BY_POSE.items():
            if top in sys.modules:
                continue
            try:
                spec = importlib.util.find_spec(top)
            except (ImportError, ValueError):
                spec = None
            if spec is None:
                continue  # not installed (the frozen app): MediaPipe's own import decides
            parent = _ImportOnUse(top)
            parent.__spec__ = spec
            if spec.submodule_search_locations is not None:
                parent.__path__ = list(spec.submodule_search_locations)
            sys.modules[top] = parent
            for sub in subs:
                child = _ImportOnUse(sub)
                sys.modules[sub] = child
                setattr(parent, sub.rsplit(".", 1)[1], child)
