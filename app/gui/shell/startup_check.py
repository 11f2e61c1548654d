"""Why the window could not open, said before Qt tries: without a display
(or a library its platform plugin needs) Qt aborts the process, after
several lines that blame the wrong thing."""

from __future__ import annotations

import ctypes.util
import os
import sys

# Libraries Qt 6's xcb plugin needs beyond X11 itself, with Debian's package names.
XCB_LIBRARIES = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4",
                 "xcb-keysyms": "libxcb-keysyms1", "xkbcommon-x11": "libxkbcommon-x11-0"}


def startup_problem(env: dict[str, str] | None = None, find_library=ctypes.util.find_library,
                    platform: str = sys.platform) -> str | None:
    """One line on what stops the window from opening here, or None."""
    env = dict(os.environ if env is None else env)
    if not platform.startswith("linux"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if qpa and qpa not in ("xcb", "wayland", "wayland-egl"):
        return None  # offscreen, vnc, eglfs...: Qt needs no display server
    if qpa.startswith("wayland") or (not qpa and env.get("WAYLAND_DISPLAY") and
                                     not env.get("DISPLAY")):
        return None if env.get("WAYLAND_DISPLAY") else (
            "no display found (WAYLAND_DISPLAY is not set): start the app from a desktop "
            "session, or use 'posecloak convert' on the command line.")
    if not env.get("DISPLAY"):
        return ("no display found (DISPLAY is not set; over SSH, use ssh -X or a desktop "
                "session): start the app on a desktop, or use 'posecloak convert' on the "
                "command line.")
    if getattr(sys, "frozen", False):
        return None  # the app bundle carries its own libraries (packaging/)
    missing = [package for name, package in XCB_LIBRARIES.items() if find_library(name) is None]
    if missing:
        return (f"the window needs {', '.join(missing)} (on Debian or Ubuntu: sudo apt install "
                f"{' '.join(missing)}).")
    return None
