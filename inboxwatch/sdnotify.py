"""The systemd notification protocol, for ``Type=notify`` and ``WatchdogSec=`` (sd_notify(3)).

systemd passes ``$NOTIFY_SOCKET``, a datagram socket (a path, or an abstract name written
``@name``); a service sends it ``READY=1`` when it is up, ``STATUS=...`` lines that
``systemctl status`` shows, ``WATCHDOG=1`` at least every ``$WATCHDOG_USEC`` (else systemd
kills and restarts it) and ``STOPPING=1``. Outside systemd there is no socket and every call
does nothing. A dozen lines of the standard library: no dependency for it.
"""

from __future__ import annotations

import os
import socket

__all__ = ["notify", "watchdog_seconds"]


def notify(*fields: str) -> bool:
    """Send ``fields`` (``"READY=1"``, ``"STATUS=..."``) to systemd; False when not under
    systemd or when the socket cannot be written (never raises: a notification is a hint)."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address or not fields:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    payload = "\n".join(f.replace("\n", " ") for f in fields).encode("utf-8", "replace")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(payload)
    except OSError:
        return False
    return True


def watchdog_seconds() -> float | None:
    """The watchdog interval systemd asked for (``$WATCHDOG_USEC``), if it is meant for this
    process (``$WATCHDOG_PID`` unset or ours); None when there is no watchdog."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) <= 0:
        return None
    if pid and pid != str(os.getpid()):
        return None
    return int(usec) / 1_000_000
