"""The exceptions that end a command, each carrying its exit code (docs/product.md).

0 ok · 1 error · 2 usage · 3 authentication failed · 4 server unreachable · 5 permission
denied · 6 changed by someone else since it was read. The message is one line, phrased for the person who has to fix it.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationFailed",
    "Conflict",
    "InboxwatchError",
    "NotFound",
    "PermissionDenied",
    "ServerUnreachable",
    "UsageError",
]


class InboxwatchError(Exception):
    exit_code = 1


class UsageError(InboxwatchError):
    exit_code = 2


class AuthenticationFailed(InboxwatchError):
    exit_code = 3


class ServerUnreachable(InboxwatchError):
    exit_code = 4


class PermissionDenied(InboxwatchError):
    """The acting user lacks ``permission``."""

    exit_code = 5

    def __init__(self, permission: str, actor: str = "") -> None:
        who = f"{actor} lacks" if actor else "missing"
        super().__init__(f"permission denied: {who} permission {permission!r}")
        self.permission = permission


class NotFound(InboxwatchError):
    exit_code = 1


class Conflict(InboxwatchError):
    """The message changed after the operator read it (its version moved on): the action
    was refused whole, and the message says who changed what, and when."""

    exit_code = 6
