"""The permissions, the built-in roles, and who is acting (:class:`Actor`).

The six permissions and the four built-in roles (docs/product.md "Users and roles") are data
here, seeded into the store by :func:`inboxwatch.users.seed_roles`. Every service action
names the permission it needs and calls :meth:`Actor.require`, so the CLI and the TUI obey
the same rules. This module depends on nothing of the domain but its errors, so that the
audit log and the user service can both use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from inboxwatch.errors import PermissionDenied

__all__ = [
    "BUILTIN_ROLES",
    "CREATE_CASE",
    "CREATE_CASE_UPDATE",
    "DEFAULT_CONTACT_ROLE",
    "DEFAULT_STAFF_ROLE",
    "DELETE_INBOUND_MESSAGE",
    "MANAGE_USERS",
    "MODIFY_INBOUND_MESSAGE_STATUS",
    "PERMISSIONS",
    "SYSTEM_ACTOR",
    "VIEW_INBOUND_MESSAGES",
    "Actor",
    "RoleSpec",
]

VIEW_INBOUND_MESSAGES = "view_inbound_messages"
MODIFY_INBOUND_MESSAGE_STATUS = "modify_inbound_message_status"
CREATE_CASE = "create_case"
CREATE_CASE_UPDATE = "create_case_update"
DELETE_INBOUND_MESSAGE = "delete_inbound_message"
MANAGE_USERS = "manage_users"

PERMISSIONS: tuple[str, ...] = (
    VIEW_INBOUND_MESSAGES,
    MODIFY_INBOUND_MESSAGE_STATUS,
    CREATE_CASE,
    CREATE_CASE_UPDATE,
    DELETE_INBOUND_MESSAGE,
    MANAGE_USERS,
)


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """A built-in role: its description and the permissions it grants."""

    description: str
    permissions: frozenset[str]


BUILTIN_ROLES: dict[str, RoleSpec] = {
    "admin": RoleSpec("everything, including managing users", frozenset(PERMISSIONS)),
    "operator": RoleSpec("triages inbound mail: every action but managing users",
                         frozenset(PERMISSIONS) - {MANAGE_USERS}),
    "viewer": RoleSpec("reads inbound messages, changes nothing",
                       frozenset({VIEW_INBOUND_MESSAGES})),
    "client": RoleSpec("a client of the help desk: no access", frozenset()),
}

# What ``users add`` gives when no --role is named: staff (with a login) operate, anyone
# else is a client.
DEFAULT_STAFF_ROLE = "operator"
DEFAULT_CONTACT_ROLE = "client"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs an action, with the permissions their roles grant."""

    user_id: int | None
    name: str
    label: str  # what the audit log records: first email, else login, else name
    roles: frozenset[str]
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        """Raise :class:`PermissionDenied` naming ``permission`` unless the actor has it."""
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        if permission not in self.permissions:
            raise PermissionDenied(permission, self.label)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


SYSTEM_ACTOR = Actor(user_id=None, name="system", label="system", roles=frozenset(),
                     permissions=frozenset(PERMISSIONS))
"""The poller acting on its own (auto case updates): all permissions, audited as 'system'."""
