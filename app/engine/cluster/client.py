"""Connecting to the cluster `--cluster` names: a scheduler (tcp:// on
loopback or with --insecure-cluster, tls:// with Dask's security settings)
or a local cluster of worker processes started here and stopped after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.base.errors import PoseCloakError
from app.engine.cluster.address import ClusterTarget, check_allowed
from app.engine.cluster.security import TlsFiles, security_for

EXTRA_MISSING = ("--cluster needs the optional cluster extra (Dask): install it with "
                 "`pip install 'posecloak[cluster]'` (or `uv sync --extra cluster`).")
CONNECT_TIMEOUT_S = 20


def dask_available() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def connection_security(target: ClusterTarget, insecure: bool, tls: TlsFiles):
    """The Security to connect with (None for tcp:// and local:N), or one
    clear line why this target may not or cannot be used."""
    check_allowed(target, insecure)
    if target.kind == "tls":
        return security_for(tls)
    if tls.given:
        raise PoseCloakError("--tls-ca-file, --tls-cert and --tls-key need a tls:// "
                             "scheduler address.")
    return None


@contextmanager
def open_client(target: ClusterTarget, *, insecure: bool = False,
                tls: TlsFiles = TlsFiles()) -> Iterator[object]:
    """A distributed.Client for `target`, closed (and a local cluster
    stopped) when the block ends."""
    security = connection_security(target, insecure, tls)
    from distributed import Client, LocalCluster
    if target.kind == "local":
        # Loopback only, no dashboard: nothing listens beyond this machine.
        with LocalCluster(n_workers=target.workers, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            yield client
        return
    try:
        client = Client(target.address, security=security, timeout=CONNECT_TIMEOUT_S)
    except OSError as exc:
        raise PoseCloakError(f"{target.address}: cannot reach the Dask scheduler ({exc}).") from None
    with client:
        yield client
