"""Signed reply tokens: the ``updates+<token>@domain`` addresses that route replies back.

A token names one case update and the key that signed it, and proves that we minted it::

    <case update id> "k" <key id> "x" <80 bits of HMAC-SHA256(key, "inboxwatch-reply:v2:<key id>:<id>")>
    <case update id> "x" <80 bits of HMAC-SHA256(key 0, "inboxwatch-reply:v1:<id>")>

(the second form is that of key 0, the key of deployments made before key ids), written in
lower-case hex because mail systems may change the case of a local part
(``updates+42k2x1f0c...@example.com``). Anyone can read the ids; nobody without the key can
produce the signature for another id, so a forged or altered token is never trusted.
Verification is constant-time (:func:`hmac.compare_digest`).

An **answer token** names an inbound message that an operator answered (``inboxwatch
answer``): ``a<message id>k<key id>x<MAC>``, signed over ``"inboxwatch-answer:v1:<key
id>:<id>"``, so it can never pass for a case update's token nor the other way round.

**One deployment, one key file.** Every account that sends case updates and the poller that
routes the replies read the same file, ``reply-token.key`` in the deployment's data
directory (``system.data_dir``; the user data directory for a one-person install), so a
token minted by any operator's login verifies in the service. The file is never readable
outside the deployment's group: created 0600, or 0640 in a team's set-group-id data
directory; a key file that others can read is refused, as ``ssh`` refuses an open private
key. Where no file exists, a key stored in the keyring under ``reply-token-secret`` is used.

**Rotation** (``inboxwatch secret rotate-reply-key``, :func:`rotate_reply_secret`) adds a
key that signs from then on; earlier keys keep verifying for a grace period (90 days by
default), then are dropped, so replies to recent emails keep routing.
"""

from __future__ import annotations

import grp
import hashlib
import hmac
import os
import re
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from inboxwatch.config import SystemConfig, data_dir_of
from inboxwatch.errors import InboxwatchError
from inboxwatch.secrets import KEYRING_SERVICE

__all__ = [
    "REPLY_SECRET_KEY",
    "ReplyKey",
    "ReplyKeys",
    "ReplyToken",
    "TokenSecretError",
    "ensure_reply_secret",
    "find_reply_tokens",
    "load_reply_secret",
    "make_answer_token",
    "make_token",
    "reply_address_for",
    "reply_secret_path",
    "rotate_reply_secret",
    "verify_answer_token",
    "verify_token",
]

REPLY_SECRET_KEY = "reply-token-secret"  # keyring entry name
SECRET_BYTES = 32
MAC_HEX_CHARS = 20  # 80 bits: forging one needs ~2**79 tries against a rate-limited inbox
_V1 = b"inboxwatch-reply:v1:"
_V2 = b"inboxwatch-reply:v2:"
_ANSWER = b"inboxwatch-answer:v1:"
_TOKEN_RE = re.compile(
    rf"^(a?)(\d{{1,12}})(?:k(\d{{1,4}}))?x([0-9a-f]{{{MAC_HEX_CHARS}}})$")


class TokenSecretError(InboxwatchError):
    """The reply-token secret is missing, unreadable or not private."""


@dataclass(frozen=True, slots=True)
class ReplyToken:
    """A token found in a recipient address, and whether its signature holds."""

    address: str
    case_update_id: int | None  # None: not even shaped like one of our tokens
    valid: bool
    # An answer token names the inbound message that was answered (case_update_id None).
    answered_message: int | None = None


def _as_keys(secret: Secret) -> ReplyKeys:
    return secret if isinstance(secret, ReplyKeys) else ReplyKeys((ReplyKey(0, secret),))


def make_token(case_update_id: int, secret: Secret) -> str:
    """The token for ``case_update_id``, signed with the newest key of ``secret``."""
    return _make("", case_update_id, secret)


def make_answer_token(message_pk: int, secret: Secret) -> str:
    """The token for an answer to inbound message ``message_pk``."""
    return _make("a", message_pk, secret)


def _make(kind: str, target: int, secret: Secret) -> str:
    if target < 0:
        raise ValueError("an id is never negative")
    key = _as_keys(secret).current
    mac = _mac(kind, target, key)
    return f"{kind}{target}x{mac}" if key.kid == 0 else f"{kind}{target}k{key.kid}x{mac}"


def verify_token(token: str, secret: Secret | None, *,
                 now: datetime | None = None) -> int | None:
    """The case update id ``token`` names, or None if it is malformed, forged, altered, or
    signed by a key that is unknown or past its grace period (or is an answer token)."""
    verified = _verify(token, secret, now)
    return verified[1] if verified is not None and verified[0] == "" else None


def verify_answer_token(token: str, secret: Secret | None, *,
                        now: datetime | None = None) -> int | None:
    """The inbound message id an answer token names, or None (as :func:`verify_token`)."""
    verified = _verify(token, secret, now)
    return verified[1] if verified is not None and verified[0] == "a" else None


def _verify(token: str, secret: Secret | None,
            now: datetime | None) -> tuple[str, int] | None:
    match = _TOKEN_RE.match(token.strip().lower())
    if match is None or not secret:
        return None
    kind, target = match.group(1), int(match.group(2))
    kid = int(match.group(3)) if match.group(3) is not None else 0
    key = _as_keys(secret).get(kid)
    if key is None or not key.verifies_at(now or datetime.now(UTC)):
        return None
    if hmac.compare_digest(match.group(4), _mac(kind, target, key)):
        return kind, target
    return None


def reply_address_for(reply_address: str, token: str) -> str:
    """``updates@example.com`` + token -> ``updates+<token>@example.com``."""
    local, _, domain = reply_address.rpartition("@")
    if not local or not domain:
        raise TokenSecretError(
            f"system.reply_address = {reply_address!r}: expected an email address")
    return f"{local}+{token}@{domain}"


def find_reply_tokens(addresses: list[str], reply_address: str,
                      secret: Secret | None) -> list[ReplyToken]:
    """Every ``<reply local>+<token>@<reply domain>`` among ``addresses``, each verified.

    The local part and domain are compared case-insensitively; addresses of any other shape
    are ignored. At most the first 50 addresses are looked at: a header listing thousands of
    recipients must not cost thousands of HMACs.
    """
    base_local, _, base_domain = reply_address.lower().rpartition("@")
    prefix = f"{base_local}+"
    found: list[ReplyToken] = []
    seen: set[str] = set()
    for address in addresses[:50]:
        addr = address.strip().strip("<>").lower()
        local, _, domain = addr.rpartition("@")
        if domain != base_domain or not local.startswith(prefix) or addr in seen:
            continue
        seen.add(addr)
        token = local[len(prefix):]
        match = _TOKEN_RE.match(token)
        verified = _verify(token, secret, None)
        if match is not None and match.group(1) == "a":
            found.append(ReplyToken(address=addr, case_update_id=None,
                                    valid=verified is not None,
                                    answered_message=int(match.group(2))))
            continue
        found.append(ReplyToken(address=addr,
                                case_update_id=verified[1] if verified is not None else
                                (int(match.group(2)) if match else None),
                                valid=verified is not None))
    return found


def _mac(kind: str, target: int, key: ReplyKey) -> str:
    if kind == "a":
        message = _ANSWER + f"{key.kid}:{target}".encode()
    elif key.kid == 0:
        message = _V1 + str(target).encode()
    else:
        message = _V2 + f"{key.kid}:{target}".encode()
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()[:MAC_HEX_CHARS]


@dataclass(frozen=True, slots=True)
class ReplyKey:
    """One signing key: its id, its bytes, and until when a retired key still verifies."""

    kid: int
    secret: bytes
    valid_until: datetime | None = None  # None: current, or kept without a deadline

    def verifies_at(self, now: datetime) -> bool:
        return self.valid_until is None or now <= self.valid_until


@dataclass(frozen=True, slots=True)
class ReplyKeys:
    """The deployment's signing keys: the newest signs, every one in its grace period
    verifies. Key 0 is the key of a one-line key file (before key ids existed); its tokens
    keep their old form, so replies to emails sent before an upgrade still route."""

    keys: tuple[ReplyKey, ...]

    @property
    def current(self) -> ReplyKey:
        return max(self.keys, key=lambda k: k.kid)

    def get(self, kid: int) -> ReplyKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    def __len__(self) -> int:  # the signing key's length, as for a plain secret
        return len(self.current.secret)

    def hex(self) -> str:
        return self.current.secret.hex()


Secret = bytes | ReplyKeys


def reply_secret_path(system: SystemConfig | None = None) -> Path:
    """The key file: in ``system.data_dir`` (a team deployment), else the user data dir."""
    return data_dir_of(system) / "reply-token.key"


def load_reply_secret(*, path: Path | None = None,
                      system: SystemConfig | None = None) -> ReplyKeys | None:
    """The keys from the key file, else from the keyring, else None (not initialised).

    Raises :class:`TokenSecretError`, with what to do, for a key file that others (outside
    its group) can read, that this account cannot read, or that is damaged.
    """
    path = path or reply_secret_path(system)
    try:
        info = path.stat()
    except FileNotFoundError:
        return _secret_from_keyring()
    except PermissionError:
        raise TokenSecretError(_no_access(path)) from None
    if info.st_mode & stat.S_IRWXO:
        raise TokenSecretError(
            f"{path}: the reply-token secret is readable by others; run `chmod 600 {path}` "
            f"(or 640 for a team's group)")
    try:
        text = path.read_text(encoding="ascii")
    except PermissionError:
        raise TokenSecretError(_no_access(path)) from None
    except (OSError, UnicodeDecodeError):
        raise TokenSecretError(_damaged(path)) from None
    return _parse_keys(text, path)


def _no_access(path: Path) -> str:
    try:
        group = grp.getgrgid(path.stat().st_gid).gr_name
    except (OSError, KeyError):
        group = "the deployment's group"
    return (f"{path}: cannot read the reply-token secret (permission denied): ask an admin "
            f"to add your account to group {group!r} (`usermod -aG {group} LOGIN`)")


def _damaged(path: Path) -> str:
    return (f"{path}: unreadable reply-token secret; delete it and run `inboxwatch init` "
            "(replies to earlier emails stop routing by token)")


def _parse_keys(text: str, path: Path) -> ReplyKeys:
    """``<hex>`` (one key, id 0) or lines of ``<id> <hex> [<valid until, ISO 8601>]``."""
    keys: list[ReplyKey] = []
    try:
        for line in text.splitlines():
            fields = line.split("#", 1)[0].split()
            if not fields:
                continue
            if len(fields) == 1:
                kid, secret, until = 0, bytes.fromhex(fields[0]), None
            else:
                kid, secret = int(fields[0]), bytes.fromhex(fields[1])
                until = datetime.fromisoformat(fields[2]) if len(fields) > 2 else None
                if until is not None and until.tzinfo is None:
                    until = until.replace(tzinfo=UTC)
            if len(secret) < 16:
                raise TokenSecretError(f"{path}: reply-token secret too short")
            if kid < 0 or kid > 9999 or any(k.kid == kid for k in keys):
                raise ValueError(kid)
            keys.append(ReplyKey(kid, secret, until))
    except (ValueError, IndexError):
        raise TokenSecretError(_damaged(path)) from None
    if not keys:
        raise TokenSecretError(_damaged(path))
    return ReplyKeys(tuple(keys))


def _format_keys(keys: ReplyKeys) -> str:
    lines = ["# inboxwatch reply-token keys: <key id> <secret> [<retired: verifies until>]",
             "# The newest key signs; never copy this file outside the deployment's group."]
    for key in sorted(keys.keys, key=lambda k: k.kid):
        until = f" {key.valid_until.isoformat(timespec='seconds')}" if key.valid_until else ""
        lines.append(f"{key.kid} {key.secret.hex()}{until}")
    return "\n".join(lines) + "\n"


def _key_file_mode(directory: Path) -> int:
    """0640 in a directory made for a team (set-group-id, README "Running it for a team"):
    the operators who email case updates are in its group; 0600 anywhere else."""
    try:
        team = bool(directory.stat().st_mode & stat.S_ISGID)
    except OSError:
        team = False
    return 0o640 if team else 0o600


def _write_new(path: Path, text: str) -> None:
    """Write ``text`` to a new file ``path`` with its final mode from the start (O_EXCL:
    two concurrent writers cannot both win; the secret is never briefly readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _key_file_mode(path.parent))
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)


def ensure_reply_secret(*, use_keyring: bool = False, path: Path | None = None,
                        system: SystemConfig | None = None) -> str:
    """Create the secret if there is none; return a line saying where it is (never what)."""
    path = path or reply_secret_path(system)
    if load_reply_secret(path=path) is not None:
        where = str(path) if path.exists() else "the keyring"
        return f"reply-token secret: kept the existing one in {where}"
    value = secrets.token_bytes(SECRET_BYTES).hex()
    if use_keyring:
        from inboxwatch.secrets import store_secret

        store_secret(REPLY_SECRET_KEY, value)
        return "reply-token secret: generated, stored in the keyring"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        _write_new(path, _format_keys(ReplyKeys((ReplyKey(1, bytes.fromhex(value)),))))
    except FileExistsError:
        return f"reply-token secret: kept the existing one in {path}"
    mode = _key_file_mode(path.parent)
    return f"reply-token secret: generated in {path} (mode {mode:04o})"


def rotate_reply_secret(*, grace_days: int = 90, path: Path | None = None,
                        system: SystemConfig | None = None,
                        now: datetime | None = None) -> str:
    """Add a new signing key; earlier keys verify for ``grace_days`` more, then are dropped.

    The file is replaced atomically (a new file, renamed over the old one) with the same
    owner, group and mode, so a poller reading it meanwhile sees the old or the new set.
    """
    if grace_days < 0:
        raise TokenSecretError("--grace-days must be 0 or more")
    path = path or reply_secret_path(system)
    keys = load_reply_secret(path=path)
    if keys is None or not path.exists():
        raise TokenSecretError(f"{path}: no reply-token key file to rotate; run "
                               "`inboxwatch init` first")
    now = now or datetime.now(UTC)
    until = now + timedelta(days=grace_days)
    kept = [ReplyKey(k.kid, k.secret, min(k.valid_until or until, until))
            for k in keys.keys if k.verifies_at(now)]
    new = ReplyKey(keys.current.kid + 1, secrets.token_bytes(SECRET_BYTES))
    info = path.stat()
    temp = path.with_name(f".{path.name}.{os.getpid()}.new")
    temp.unlink(missing_ok=True)
    _write_new(temp, _format_keys(ReplyKeys((*kept, new))))
    try:
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        if os.geteuid() == 0:
            os.chown(temp, info.st_uid, info.st_gid)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    dropped = len(keys.keys) - len(kept)
    return (f"reply-token secret: new key {new.kid} signs from now on; "
            f"{len(kept)} earlier key(s) verify until {until:%Y-%m-%d %H:%M} UTC"
            + (f"; {dropped} expired key(s) dropped" if dropped else ""))


def _secret_from_keyring() -> ReplyKeys | None:
    try:
        import keyring
        from keyring.errors import KeyringError

        value = keyring.get_password(KEYRING_SERVICE, REPLY_SECRET_KEY)
    except (ImportError, KeyringError, RuntimeError):
        return None
    if not value:
        return None
    try:
        return ReplyKeys((ReplyKey(0, bytes.fromhex(value)),))
    except ValueError:
        raise TokenSecretError("the reply-token secret in the keyring is damaged; delete it "
                               "and run `inboxwatch init`") from None
