"""Nothing leaves the machine: keeps the native libraries in this process off
the network, and keeps the user's own environment for the few places that
legitimately need it.

Why: MediaPipe's libmediapipe posts usage telemetry to Google from a C++
thread, through a libcurl linked statically into it (upstream
google-ai-edge/mediapipe #6291, closed without an opt-out; its BaseOptions
fields do not turn it off). Python cannot patch that code, and LD_PRELOAD
cannot reach a statically linked curl. But libcurl reads its proxy from the
environment (C `getenv`) for every transfer. `install()` points every proxy
variable at a URL with a scheme curl does not support and removes NO_PROXY,
so each transfer fails inside curl before any name lookup or connection
(no DNS query, no packet; a loopback proxy address would instead hand the
request to whatever listens there). The same holds for any other library in
the process that honours the proxy variables.

`app/__init__.py` calls `install()`, so it runs before MediaPipe can be
imported by any path into the app (and the frozen app's runtime hook imports
`app` first of all); `app.pose.estimator` calls it again before it creates a
landmarker. It writes only when a value is not already right: setenv racing
getenv in another thread is unsafe in C.

The one legitimate network use, the model download, goes through
`user_opener()`: the proxies of the environment the user started us with
(and their NO_PROXY), else the platform's system proxy settings. Programs
the user starts from the app (Show in folder, Play) get
`original_environ()`, the environment as it was before this module and the
frozen app's loader changed it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import urllib.request

# A proxy URL no HTTP client can use: libcurl fails with "unsupported proxy
# scheme" before resolving or connecting anything.
BLOCKED_PROXY = "posecloak-offline://no-network"
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
NO_PROXY_VARS = ("NO_PROXY", "no_proxy")

_original: Mapping[str, str] | None = None


def _user_environment(env: Mapping[str, str]) -> dict[str, str]:
    """`env` as the user set it: without values this module put there (a
    PoseCloak parent process passes them on) and, in the frozen app, without
    the PyInstaller loader's changes (its LD_LIBRARY_PATH would make a file
    manager load the bundle's libraries)."""
    user = {k: v for k, v in env.items() if v != BLOCKED_PROXY}
    if getattr(sys, "frozen", False):
        if "LD_LIBRARY_PATH_ORIG" in user:
            user["LD_LIBRARY_PATH"] = user.pop("LD_LIBRARY_PATH_ORIG")
        else:
            user.pop("LD_LIBRARY_PATH", None)
        for name in list(user):
            if name.startswith(("_PYI_", "_MEIPASS")):
                del user[name]
    return user


def install() -> None:
    """Takes the snapshot of the user's environment (once) and blocks the
    proxy variables for this process. Idempotent; cheap when already done."""
    global _original
    if _original is None:
        _original = MappingProxyType(_user_environment(os.environ))
    for name in PROXY_VARS:
        if os.environ.get(name) != BLOCKED_PROXY:
            os.environ[name] = BLOCKED_PROXY
    for name in NO_PROXY_VARS:
        if name in os.environ:
            del os.environ[name]


def installed() -> bool:
    return _original is not None and all(os.environ.get(n) == BLOCKED_PROXY for n in PROXY_VARS) \
        and not any(n in os.environ for n in NO_PROXY_VARS)


def original_environ() -> dict[str, str]:
    """A copy of the user's environment, for child processes the user starts."""
    return dict(_original if _original is not None else _user_environment(os.environ))


def environment_proxies(env: Mapping[str, str]) -> dict[str, str]:
    """The proxies set in `env`, as urllib reads them from os.environ
    (scheme -> URL, 'no' -> NO_PROXY; a lower-case name wins)."""
    proxies: dict[str, str] = {}
    for lower_only in (False, True):
        for name, value in env.items():
            key = name.lower()
            if key.endswith("_proxy") and (not lower_only or name == key):
                if value:
                    proxies[key[:-6]] = value
                else:
                    proxies.pop(key[:-6], None)
    if "REQUEST_METHOD" in env:  # CGI: HTTP_PROXY may be a request header (httpoxy)
        proxies.pop("http", None)
    return proxies


def user_opener() -> urllib.request.OpenerDirector:
    """A urllib opener that goes out the way the user's other programs do:
    through the proxy of their environment (honouring their NO_PROXY), else
    the system's proxy settings (Windows registry, macOS network settings),
    else directly."""
    import urllib.request
    proxies = environment_proxies(original_environ())
    no_proxy = proxies.pop("no", "")
    bypass: Callable[[str], bool]
    if proxies:
        def bypass_environment(host: str) -> bool:
            return bool(no_proxy) and bool(urllib.request.proxy_bypass_environment(  # type: ignore[attr-defined]
                host, {"no": no_proxy}))
        bypass = bypass_environment
    else:
        proxies, bypass = _system_proxies()

    class UserProxyHandler(urllib.request.ProxyHandler):
        # urllib's own bypass check reads os.environ, where the proxies are
        # blocked; decide from the user's settings instead.
        def proxy_open(self, req: Any, proxy: str, type: str) -> Any:  # noqa: A002 - urllib's name
            if req.host and bypass(req.host):
                return None
            return super().proxy_open(req, proxy, type)

    return urllib.request.build_opener(UserProxyHandler(proxies))


def _system_proxies() -> tuple[dict[str, str], Callable[[str], bool]]:
    import urllib.request
    if sys.platform == "win32":
        return urllib.request.getproxies_registry(), urllib.request.proxy_bypass_registry
    if sys.platform == "darwin":
        return (urllib.request.getproxies_macosx_sysconf(),
                urllib.request.proxy_bypass_macosx_sysconf)
    return {}, lambda host: False
