"""Where secrets come from: an environment variable, a command, or the keyring.

Never from the config file, and never into a log: callers get the secret as a value and must
not format it into messages; errors here name the *source* of the secret, not its value.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess

from inboxwatch.errors import InboxwatchError

__all__ = ["KEYRING_SERVICE", "SecretError", "plaintext_keyring", "resolve_secret",
           "store_secret"]

log = logging.getLogger(__name__)

KEYRING_SERVICE = "inboxwatch"


class SecretError(InboxwatchError):
    """The secret could not be obtained; the message says from where and what to do."""


def resolve_secret(
    *, key: str, password_env: str | None = None, password_command: str | None = None,
    timeout: float = 30.0,
) -> str:
    """The secret for ``key`` (e.g. ``mailbox:support`` or ``smtp``)."""
    if password_env:
        value = os.environ.get(password_env)
        if value is None:
            raise SecretError(f"{key}: environment variable {password_env} is not set")
        return value
    if password_command:
        try:
            result = subprocess.run(
                shlex.split(password_command), capture_output=True, timeout=timeout,
                check=False, text=True,
            )
        except FileNotFoundError:
            raise SecretError(f"{key}: password_command not found: "
                              f"{shlex.split(password_command)[0]}") from None
        except subprocess.TimeoutExpired:
            raise SecretError(f"{key}: password_command timed out after {timeout:.0f}s") from None
        if result.returncode != 0:
            raise SecretError(f"{key}: password_command exited with {result.returncode}")
        value = result.stdout.rstrip("\r\n")
        if not value:
            raise SecretError(f"{key}: password_command printed nothing")
        return value
    return _from_keyring(key)


def plaintext_keyring() -> str | None:
    """A description of the keyring backend when it keeps secrets in a plain file anyone who
    can read the file can read (keyrings.alt's PlaintextKeyring, alone or in a chain); None
    for a real keyring (Secret Service, KWallet, macOS) or none at all."""
    import keyring

    backend = keyring.get_keyring()
    chain = getattr(backend, "backends", None) or [backend]
    for candidate in chain:
        kind = type(candidate)
        if "plaintext" in kind.__name__.lower():
            where = getattr(candidate, "file_path", None)
            return f"{kind.__module__}.{kind.__name__}" + (f" ({where})" if where else "")
    return None


def _warn_if_plaintext() -> None:
    found = plaintext_keyring()
    if found is not None:
        log.warning("the keyring is a plaintext file, %s: whoever can read that file can "
                    "read the password; use a Secret Service keyring, password_command or "
                    "password_env", found)


def _from_keyring(key: str) -> str:
    try:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError

        _warn_if_plaintext()
        try:
            value = keyring.get_password(KEYRING_SERVICE, key)
        except NoKeyringError:
            raise SecretError(
                f"{key}: no secret source: no usable keyring on this machine; set "
                "password_env or password_command in the config"
            ) from None
        except KeyringError as exc:
            raise SecretError(f"{key}: keyring error: {type(exc).__name__}") from None
    except ImportError:  # pragma: no cover - keyring is a dependency
        raise SecretError(f"{key}: keyring is not installed") from None
    if value is None:
        raise SecretError(
            f"{key}: no secret in the keyring; run `inboxwatch secret set {key.split(':')[-1]}` "
            "or set password_env / password_command in the config"
        )
    return value


def store_secret(key: str, value: str) -> None:
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, key, value)
    except NoKeyringError:
        raise SecretError(
            "no usable keyring on this machine (no D-Bus session / Secret Service); "
            "use password_env or password_command in the config instead"
        ) from None
    except KeyringError as exc:
        raise SecretError(f"keyring error: {type(exc).__name__}") from None
