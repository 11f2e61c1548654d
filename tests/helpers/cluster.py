"""For the cluster tests: short real clips (cut from carphone with PyAV), a
broken file, TLS certificates made with the openssl command, and the outputs
of a folder as bytes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers.clips import frames_of, write_clip


def make_archive(folder: Path, source: Path, lengths: list[int], broken: bool = True) -> list[Path]:
    """clip0.mp4, clip1.mp4, ... of the given frame counts (each a different
    stretch of `source`), and broken.mp4 (not a video)."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = frames_of(source, max(lengths) + 3 * len(lengths))
    paths = []
    for n, length in enumerate(lengths):
        paths.append(write_clip(folder / f"clip{n}.mp4", frames[3 * n:3 * n + length]))
    if broken:
        bad = folder / "broken.mp4"
        bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"not a video" * 200)
        paths.append(bad)
    return paths


def outputs_of(folder: Path) -> dict[str, bytes]:
    """Every visible file in `folder` by name (the manifest is hidden)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".")}


def partial_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".posecloak-partial" in p.name)


def make_certificates(folder: Path) -> dict[str, Path]:
    """A CA and one certificate it signed for 127.0.0.1 (scheduler, workers
    and client share it here), as the README's recipe makes them."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.pem", "node.key",
                                                       "node.csr", "node.pem"))
    ext = folder / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out",
            str(ca), "-days", "2", "-subj", "/CN=posecloak-test-ca")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
            "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
            "-CAcreateserial", "-out", str(cert), "-days", "2", "-extfile", str(ext))
    return {"ca": ca, "cert": cert, "key": key}
