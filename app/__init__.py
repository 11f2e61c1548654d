"""PoseCloak: turn video of people into skeleton-only video."""

__version__ = "0.1.0"

# Before anything can import MediaPipe: keep its native telemetry (and any
# other proxy-honouring native code) off the network. See app/base/netguard.py.
from app.base import netguard as _netguard  # noqa: E402

_netguard.install()
