"""Network use seen by the operating system: run a command under strace and
list every attempt to reach another machine.

Python-level checks (patched sockets, audit hooks, psutil snapshots) cannot
see native code: MediaPipe's own libcurl posts usage telemetry from a C++
thread and lives for milliseconds. The kernel sees every socket call of every
thread and child process, however short-lived, so this traces the system
calls that start or send network traffic:

    strace -f -yy -e trace=connect,sendto,sendmsg -o TRACE COMMAND...

and reports as off-machine:

- any `connect`/`sendto`/`sendmsg` to an AF_INET or AF_INET6 address that is
  not loopback (127.0.0.0/8, ::1, ::ffff:127.x);
- anything to port 53 at all (a DNS query, even to a local resolver such as
  systemd-resolved's 127.0.0.53, asks about a name off the machine);
- a connection to a local resolver's socket (nscd, systemd-resolved's
  varlink): how glibc hands a name lookup on before any UDP packet;
- a send on a socket already connected to such an address (`-yy` prints the
  socket's endpoints, so a `sendto(fd, ..., NULL, 0)` is caught too).

AF_UNIX and AF_NETLINK traffic (X11, D-Bus, the kernel's routing tables) stays
on the machine and is allowed. Used by tests/test_privacy.py and by
packaging/smoke_test.py for the frozen app; standard library only.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

TRACED = "connect,sendto,sendmsg"
# glibc asks these before sending any DNS packet itself.
RESOLVER_SOCKETS = ("/nscd/socket", "/systemd/resolve/")

_CALL = re.compile(r"^(?P<pid>\d+)\s+(?:[\d.:]+\s+)?(?P<call>connect|sendto|sendmsg)\((?P<args>.*)$")
_INET4 = re.compile(r'sa_family=AF_INET,\s*sin_port=htons\((?P<port>\d+)\),\s*'
                    r'sin_addr=inet_addr\("(?P<addr>[^"]+)"\)')
_INET6 = re.compile(r'sa_family=AF_INET6,\s*sin6_port=htons\((?P<port>\d+)\).*?'
                    r'inet_pton\(AF_INET6,\s*"(?P<addr>[^"]+)"')
_UNIX = re.compile(r'sa_family=AF_UNIX,\s*sun_path=@?"(?P<path>[^"]*)"')
# -yy decoration of an inet socket: <UDP:[10.0.0.2:5353->8.8.8.8:53]>, IPv6 in brackets.
_FD_SOCKET = re.compile(r'^\d+<(?:TCP|UDP|UDPLITE)(?:v6)?:\[(?P<ends>.+?)\]>')


@dataclass(frozen=True)
class Attempt:
    pid: int
    call: str
    address: str
    port: int | None
    line: str

    def __str__(self) -> str:
        where = f"{self.address}:{self.port}" if self.port is not None else self.address
        return f"pid {self.pid} {self.call} -> {where}"


def _is_loopback(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr.strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def off_machine(trace_text: str) -> list[Attempt]:
    """Every attempt in an strace log (-f -yy) to reach another machine."""
    found = []
    for line in trace_text.splitlines():
        m = _CALL.match(line.strip())
        if not m:
            continue
        pid, call, args = int(m["pid"]), m["call"], m["args"]
        targets: list[tuple[str, int | None]] = []
        for rx in (_INET4, _INET6):
            targets += [(t["addr"], int(t["port"])) for t in rx.finditer(args)]
        sock = _FD_SOCKET.match(args)
        if sock and "->" in sock["ends"]:
            addr, _, port = sock["ends"].split("->", 1)[1].rpartition(":")
            if port.isdigit():
                targets.append((addr, int(port)))
        for addr, port in targets:
            if port == 53 or not _is_loopback(addr):
                found.append(Attempt(pid, call, addr, port, line))
        if call == "connect":
            for u in _UNIX.finditer(args):
                if any(s in u["path"] for s in RESOLVER_SOCKETS):
                    found.append(Attempt(pid, call, u["path"], None, line))
    return found


def must_trace() -> bool:
    """In CI on Linux the trace is required: a missing tracer is a failure."""
    return sys.platform.startswith("linux") and \
        os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def strace_problem() -> str | None:
    """Why strace cannot trace here (missing, or ptrace not allowed), or None."""
    if not sys.platform.startswith("linux"):
        return f"strace is Linux-only; no system-call trace on {sys.platform}"
    exe = shutil.which("strace")
    if exe is None:
        return "strace is not installed (Debian package 'strace')"
    try:
        res = subprocess.run([exe, "-f", "-qq", "-e", "trace=connect", "-o", os.devnull, "true"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"strace does not run: {exc}"
    if res.returncode != 0:
        return f"strace cannot trace here: {res.stderr.strip()[:200]}"
    return None


def traced_command(command: list[str], trace_file: Path) -> list[str]:
    """`command` prefixed with the strace invocation that logs to trace_file."""
    return [shutil.which("strace") or "strace", "-f", "-qq", "-yy", "-s", "0",
            "-e", f"trace={TRACED}", "-o", str(trace_file), *command]


def run_traced(command: list[str], trace_file: Path,
               **kwargs) -> tuple[subprocess.CompletedProcess, list[Attempt]]:
    """Runs `command` under strace; returns its result and the off-machine attempts."""
    res = subprocess.run(traced_command(command, trace_file), **kwargs)
    text = Path(trace_file).read_text(errors="replace") if Path(trace_file).exists() else ""
    return res, off_machine(text)
