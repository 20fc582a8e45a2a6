"""What each command needs of the person who runs it: the command table of permissions.

Every command's parser declares one :class:`Access` (``set_defaults(access=...)``), and
:func:`inboxwatch.cli.build_parser` refuses a command that declares none. The checks
themselves are in the service layer (every read and write function takes the actor and
checks its permission; :mod:`inboxwatch.deployment` for the service commands); this table
says what a command is expected to need, for ``--help`` and for the permission-matrix test
that runs every command as every built-in role.
"""

from __future__ import annotations

from dataclasses import dataclass

from inboxwatch.roles import PERMISSIONS

__all__ = ["OPEN", "SERVICE", "Access", "needs"]


@dataclass(frozen=True, slots=True)
class Access:
    """``kind``: "open" (no store identity: set-up, the demo, offline tools), "service" (the
    account that owns the store, or an admin) or "permission" (an active user holding
    ``permission``; ``owner_too``: the store's owner may run it as well)."""

    kind: str
    permission: str | None = None
    owner_too: bool = False

    def allows_role(self, role_permissions: frozenset[str], *, is_admin: bool) -> bool:
        """Whether a user with these permissions (not the store's owner) may run it."""
        if self.kind == "open":
            return True
        if self.kind == "service":
            return is_admin
        return self.permission in role_permissions


OPEN = Access("open")
SERVICE = Access("service")


def needs(permission: str, *, owner_too: bool = False) -> Access:
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return Access("permission", permission, owner_too)
