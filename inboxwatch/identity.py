"""Who the process is: the OS login of its real uid, never the environment.

``$LOGNAME`` and ``$USER`` are set by whoever starts the process, so ``LOGNAME=ada
inboxwatch mark …`` must not act as Ada. The login is looked up from the real uid
(:func:`os.getuid`) in the passwd database, which only the system administrator controls.
The effective uid is not used: a set-uid wrapper would otherwise act as its owner.
"""

from __future__ import annotations

import os
import pwd

from inboxwatch.errors import InboxwatchError

__all__ = ["IdentityError", "current_login", "current_uid"]


class IdentityError(InboxwatchError):
    """The process's uid has no login name."""

    exit_code = 5


def current_uid() -> int:
    """The real uid of this process (tests replace this one function)."""
    return os.getuid()


def current_login() -> str:
    """The login name of :func:`current_uid`, from the passwd database."""
    uid = current_uid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        raise IdentityError(f"uid {uid} has no login name in the passwd database: "
                            "inboxwatch needs a named OS account") from None
