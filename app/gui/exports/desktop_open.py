"""Opening an export in the user's own programs (Show in folder, Play).

Not QDesktopServices: it starts the file manager or player with this
process's environment, where app/base/netguard.py has blocked the proxy
variables (and, in the frozen app, PyInstaller's loader has set
LD_LIBRARY_PATH to the bundle). The user's programs must see the user's
environment, so this runs the platform's opener (`xdg-open`, `open`,
`explorer`) with `netguard.original_environ()`, detached from the app (its
own session, no inherited standard streams) so closing PoseCloak never takes
the player down. Qt-free.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from app.base import netguard


def opener_command(target: Path) -> list[str]:
    """The platform's "open this with its default program" command."""
    if sys.platform == "win32":
        return ["explorer", str(target)]  # a file opens in its player, a folder in Explorer
    if sys.platform == "darwin":
        return ["open", str(target)]
    return ["xdg-open", str(target)]


def open_in_desktop(target: Path) -> subprocess.Popen:
    """Starts the default program for `target` with the user's environment.
    Raises OSError with a one-line reason when it cannot be started."""
    env = netguard.original_environ()
    argv = opener_command(Path(target))
    exe = shutil.which(argv[0], path=env.get("PATH", os.defpath))
    if exe is None:
        raise OSError(f"cannot open {Path(target).name}: '{argv[0]}' was not found "
                      "on this system")
    kwargs: dict = dict(env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL, close_fds=True)
    if sys.platform == "win32":
        kwargs["creationflags"] = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        kwargs["start_new_session"] = True
    try:
        return subprocess.Popen([exe, *argv[1:]], **kwargs)
    except OSError as exc:
        raise OSError(f"cannot open {Path(target).name}: {exc.strerror or exc}") from None
