"""TLS for the cluster: Dask's own security settings (distributed.security),
from certificate files given on the command line or from Dask's
configuration (`distributed.comm.tls.*`, e.g. a YAML file in ~/.config/dask)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.base.errors import PoseCloakError


@dataclass(frozen=True)
class TlsFiles:
    """The client's certificate and key, and the CA that signed the cluster's."""

    ca_file: Path | None = None
    cert: Path | None = None
    key: Path | None = None

    @property
    def given(self) -> bool:
        return any((self.ca_file, self.cert, self.key))

    def check(self) -> None:
        if self.given and not all((self.ca_file, self.cert)):
            raise PoseCloakError("TLS needs --tls-ca-file and --tls-cert (and --tls-key unless "
                                 "the key is in the certificate file).")
        for p in (self.ca_file, self.cert, self.key):
            if p is not None and not Path(p).is_file():
                raise PoseCloakError(f"{p}: no such certificate or key file.")


def security_for(files: TlsFiles):
    """A distributed.security.Security that requires encryption: from the
    files if given, else from Dask's configuration."""
    from distributed.security import Security
    files.check()
    if not files.given:
        security: Any = Security()  # Dask's configuration (distributed.comm.tls.*)
        if not security.tls_ca_file or not security.tls_client_cert:
            raise PoseCloakError("tls:// needs certificates: --tls-ca-file and --tls-cert "
                                 "(and --tls-key), or distributed.comm.tls settings in Dask's "
                                 "configuration.")
        return Security(tls_ca_file=security.tls_ca_file, tls_client_cert=security.tls_client_cert,
                        tls_client_key=security.tls_client_key, require_encryption=True)
    return Security(tls_ca_file=str(files.ca_file), tls_client_cert=str(files.cert),
                    tls_client_key=str(files.key) if files.key else None,
                    require_encryption=True)
