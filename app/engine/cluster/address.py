"""Which cluster `--cluster` names, and whether it may be used: a plain
`tcp://` scheduler lets anyone who reaches it run code on the workers, so
only a loopback one is taken unless the user says `--insecure-cluster`."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from app.base.errors import PoseCloakError

DEFAULT_PORT = 8786


@dataclass(frozen=True)
class ClusterTarget:
    """`local` (workers started here, `workers` of them), `tcp` or `tls`."""

    kind: str
    address: str = ""   # the scheduler's address, for tcp and tls
    workers: int = 0    # for local

    @property
    def host(self) -> str:
        rest = self.address.split("://", 1)[1]
        if rest.startswith("["):
            return rest[1:rest.index("]")]
        return rest.rsplit(":", 1)[0] if ":" in rest else rest


USAGE = "--cluster takes tcp://HOST:PORT, tls://HOST:PORT or local:N"


def parse_cluster(text: str) -> ClusterTarget:
    """`local:N`, `tcp://HOST[:PORT]` or `tls://HOST[:PORT]`, else one clear line."""
    text = text.strip()
    if text.startswith("local:"):
        try:
            n = int(text.split(":", 1)[1])
        except ValueError:
            n = 0
        if n < 1:
            raise PoseCloakError(f"{USAGE}; local:N needs N of 1 or more.")
        return ClusterTarget("local", workers=n)
    scheme, sep, rest = text.partition("://")
    if not sep or scheme not in ("tcp", "tls") or not rest or "/" in rest:
        raise PoseCloakError(f"{USAGE}, not '{text}'.")
    host_part = rest.rsplit("]", 1)[-1] if rest.startswith("[") else rest
    if ":" not in host_part:
        rest = f"{rest}:{DEFAULT_PORT}"
    return ClusterTarget(scheme, address=f"{scheme}://{rest}")


def is_loopback(host: str) -> bool:
    """True when every address `host` names is this machine's loopback."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(str(i[4][0]).split("%")[0]).is_loopback
                               for i in infos)


def check_allowed(target: ClusterTarget, insecure: bool) -> None:
    """Refuses an unencrypted scheduler reachable from other machines."""
    if target.kind == "tcp" and not insecure and not is_loopback(target.host):
        raise PoseCloakError(
            f"{target.address}: a plain tcp:// scheduler lets anyone who can reach it run "
            "code on its workers; use tls:// with certificates (see the README, 'Archives on "
            "a cluster'), or give --insecure-cluster on a network you trust.")
