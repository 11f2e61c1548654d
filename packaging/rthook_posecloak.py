# PyInstaller runtime hook: runs in the frozen app before any app code.
#
# 0. Network: `import app` first of all installs app/base/netguard.py (MediaPipe's
#    native telemetry kept off the network) and takes its snapshot of the
#    user's environment before this hook changes anything below, so programs
#    the user starts from the app (Show in folder, Play) get the user's own.
# 1. Qt: one Qt (PySide6's) ships. Drop inherited Qt path variables that point
#    outside the bundle (OpenCV's GUI wheels set QT_QPA_PLATFORM_PLUGIN_PATH
#    and QT_QPA_FONTDIR to their own Qt 5 folders; a parent process may pass
#    them on), so Qt only loads the bundle's plugins.
# 2. matplotlib and OpenCV are left out of the bundle: mediapipe's
#    vision/drawing_utils.py does `import cv2` and `import matplotlib.pyplot`
#    at import time, but only its drawing helpers use them (PoseCloak draws
#    with app/draw/raster.py). Stub modules keep `import mediapipe` working;
#    touching a stub raises ImportError with a clear message.
# 3. TLS: the rare model download (another variant than the bundled one) uses
#    the bundled certifi CA file when the system's is not configured.

import os
import sys
import types


def _posecloak_rthook():
    import app  # noqa: F401 - installs the network guard (see 0. above)

    bundle = os.path.realpath(getattr(sys, "_MEIPASS", os.path.dirname(sys.executable)))

    for var in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR", "QT_PLUGIN_PATH"):
        value = os.environ.get(var)
        if value is None:
            continue
        paths = [p for p in value.split(os.pathsep) if p]
        inside = [p for p in paths
                  if os.path.realpath(p) == bundle or os.path.realpath(p).startswith(bundle + os.sep)]
        if inside:
            os.environ[var] = os.pathsep.join(inside)
        else:
            del os.environ[var]

    import importlib.util

    class _Missing(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__") and name.endswith("__"):
                raise AttributeError(name)
            raise ImportError(f"{self.__name__}.{name} is not available in the PoseCloak "
                              f"app bundle ({self.__name__.split('.')[0]} is left out)")

    for top, subs in (("matplotlib", ("pyplot",)), ("cv2", ())):
        if importlib.util.find_spec(top) is not None:
            continue
        parent = _Missing(top)
        parent.__path__ = []  # a package, so `import matplotlib.pyplot` finds the stub below
        modules = [(top, parent)]
        for sub in subs:
            child = _Missing(f"{top}.{sub}")
            setattr(parent, sub, child)
            modules.append((f"{top}.{sub}", child))
        for name, module in modules:
            if sys.modules.get(name) is None:
                sys.modules[name] = module

    if not os.environ.get("SSL_CERT_FILE") and not os.environ.get("SSL_CERT_DIR"):
        import ssl
        defaults = ssl.get_default_verify_paths()
        if not ((defaults.cafile and os.path.isfile(defaults.cafile))
                or (defaults.capath and os.path.isdir(defaults.capath))):
            try:
                import certifi
                os.environ["SSL_CERT_FILE"] = certifi.where()
            except Exception:  # noqa: BLE001 - certifi missing: keep the system's behaviour
                pass


_posecloak_rthook()
del _posecloak_rthook
