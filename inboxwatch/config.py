"""The TOML configuration contract of docs/product.md, validated strictly.

An unknown key, a wrong type or a missing required key raises :class:`ConfigError` whose
message names the file, the key and what was expected. Secrets are never read from the file:
a mailbox or the SMTP server names ``password_env`` or ``password_command``, or nothing, in
which case :mod:`inboxwatch.secrets` asks the keyring.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from inboxwatch_storage.tables import CATEGORY_VALUES

__all__ = [
    "APP_NAME",
    "Config",
    "ConfigError",
    "DatabaseConfig",
    "MailboxConfig",
    "SmtpConfig",
    "SystemConfig",
    "default_config_path",
    "default_data_dir",
    "data_dir_of",
    "default_db_url",
    "system_config_path",
    "load_config",
]

APP_NAME = "inboxwatch"
SECURITY_VALUES = ("tls", "starttls", "plain")
AUTH_VALUES = ("password", "xoauth2")


class ConfigError(ValueError):
    """A configuration problem, phrased for the person who has to fix the file."""


SYSTEM_CONFIG_PATH = Path("/etc/inboxwatch/inboxwatch.toml")
SYSTEM_DATA_DIR = Path("/var/lib/inboxwatch")


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def data_dir_of(system: SystemConfig | None) -> Path:
    """Where the reply-token keys live: ``system.data_dir``, else the user data directory."""
    if system is not None and system.data_dir:
        return Path(system.data_dir).expanduser()
    return default_data_dir()


def system_config_path() -> Path:
    """The team deployment's config: ``$INBOXWATCH_SYSTEM_CONFIG``, else
    ``/etc/inboxwatch/inboxwatch.toml`` (README "Running it for a team")."""
    return Path(os.environ.get("INBOXWATCH_SYSTEM_CONFIG") or SYSTEM_CONFIG_PATH)


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "inboxwatch.toml"


def default_db_url(system: SystemConfig | None = None) -> str:
    return f"sqlite:///{data_dir_of(system) / 'inboxwatch.db'}"


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    url: str | None = None


@dataclass(frozen=True, slots=True)
class SystemConfig:
    notifications_address: str = "notify@localhost"
    reply_address: str = "updates@localhost"
    general_address: str | None = None
    notice_cc: tuple[str, ...] = ()
    notices: bool = True
    own_domains: tuple[str, ...] = ()
    # Whose Authentication-Results to believe (RFC 8601 authserv-ids); empty: only those of
    # the topmost header, written by the last server the mail came through (ours).
    trusted_authserv_ids: tuple[str, ...] = ()
    notice_skip_categories: tuple[str, ...] = ("auto_reply", "bounce", "spam", "phishing")
    digest_threshold: int = 10
    digest_window_minutes: int = 10
    retention_days: int = 30
    data_dir: str | None = None  # the reply-token keys (and the default store) live here
    activate_clients: bool = True  # Create Case makes a new client an active user
    list_notices: bool = True  # notices for mail a person posted through a mailing list
    notice_subject_template: str | None = None
    notice_body_template: str | None = None

    @property
    def domains(self) -> tuple[str, ...]:
        """The organisation's own mail domains: configured, else those of our addresses."""
        if self.own_domains:
            return tuple(d.lower() for d in self.own_domains)
        found = {a.rsplit("@", 1)[-1].lower() for a in
                 (self.notifications_address, self.reply_address, self.general_address or "")
                 if "@" in a}
        return tuple(sorted(found))


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = None
    password_command: str | None = None
    ca_file: str | None = None
    timeout_seconds: float = 30.0
    auth: str = "password"  # or xoauth2: password_command prints an OAuth 2.0 access token


@dataclass(frozen=True, slots=True)
class MailboxConfig:
    name: str
    host: str
    username: str
    port: int = 993
    security: str = "tls"
    ca_file: str | None = None
    auth: str = "password"
    password_env: str | None = None
    password_command: str | None = None
    folder: str = "INBOX"
    after_ingest: str = "seen"
    interval_seconds: int = 60
    idle: bool = True
    max_message_bytes: int = 26_214_400
    batch_size: int = 500  # messages a batch; batches also stop at 32 MiB of mail
    timeout_seconds: float = 60.0

    @property
    def move_to(self) -> str | None:
        return self.after_ingest.split(":", 1)[1] if self.after_ingest.startswith("move:") \
            else None


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None = None
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    system: SystemConfig = field(default_factory=SystemConfig)
    smtp: SmtpConfig | None = None
    mailboxes: tuple[MailboxConfig, ...] = ()
    # [keys]: TUI binding id -> key(s), e.g. {"triage.mark" = "M"}; see tui/keymap.py
    keys: dict[str, str] = field(default_factory=dict)

    def mailbox(self, name: str) -> MailboxConfig:
        for mb in self.mailboxes:
            if mb.name == name:
                return mb
        names = ", ".join(m.name for m in self.mailboxes) or "none configured"
        raise ConfigError(f"{self.path}: no mailbox named {name!r} (mailboxes: {names})")


# key -> (expected python types, description, required)
_Spec = dict[str, tuple[tuple[type, ...], str, bool]]
_DATABASE: _Spec = {"url": ((str,), "a database URL string", False)}
_SYSTEM: _Spec = {
    "notifications_address": ((str,), "an email address", False),
    "reply_address": ((str,), "an email address", False),
    "general_address": ((str,), "an email address", False),
    "notice_cc": ((list,), "a list of email addresses", False),
    "notices": ((bool,), "true or false", False),
    "own_domains": ((list,), "a list of domain names", False),
    "trusted_authserv_ids": ((list,), "a list of mail server names", False),
    "notice_skip_categories": ((list,), "a list of categories", False),
    "digest_threshold": ((int,), "a whole number", False),
    "digest_window_minutes": ((int,), "a whole number", False),
    "retention_days": ((int,), "a whole number of days", False),
    "data_dir": ((str,), "a directory path", False),
    "activate_clients": ((bool,), "true or false", False),
    "list_notices": ((bool,), "true or false", False),
    "notice_subject_template": ((str,), "a template string", False),
    "notice_body_template": ((str,), "a template string", False),
}
_SECRET_KEYS: _Spec = {
    "password_env": ((str,), "the name of an environment variable", False),
    "password_command": ((str,), "a shell command that prints the secret", False),
}
_SMTP: _Spec = {
    "host": ((str,), "a host name", True),
    "port": ((int,), "a port number", False),
    "security": ((str,), "one of tls, starttls, plain", False),
    "username": ((str,), "a user name", False),
    "ca_file": ((str,), "a path to a PEM file", False),
    "timeout_seconds": ((int, float), "a number of seconds", False),
    "auth": ((str,), "password or xoauth2", False),
    **_SECRET_KEYS,
}
_MAILBOX: _Spec = {
    "name": ((str,), "a short unique name", True),
    "host": ((str,), "a host name", True),
    "username": ((str,), "a user name", True),
    "port": ((int,), "a port number", False),
    "security": ((str,), "one of tls, starttls, plain", False),
    "ca_file": ((str,), "a path to a PEM file", False),
    "auth": ((str,), "password or xoauth2", False),
    "folder": ((str,), "an IMAP folder name", False),
    "after_ingest": ((str,), "keep, seen or move:<folder>", False),
    "interval_seconds": ((int,), "a whole number of seconds", False),
    "idle": ((bool,), "true or false", False),
    "max_message_bytes": ((int,), "a whole number of bytes", False),
    "batch_size": ((int,), "a whole number", False),
    "timeout_seconds": ((int, float), "a number of seconds", False),
    **_SECRET_KEYS,
}
_FORBIDDEN = ("password", "secret", "token", "oauth_token", "client_secret")


def load_config(path: Path | str | None) -> Config:
    """Load and validate a config file; ``None`` (no file) gives the defaults."""
    if path is None:
        return Config()
    path = Path(path).expanduser()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (create one with `inboxwatch init`)") from None
    except PermissionError:
        raise ConfigError(f"{path}: cannot read the config file (permission denied): ask an "
                          f"admin to add your account to group {_group_of(path)!r}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file (pass the .toml file "
                          "itself)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror or exc}") \
            from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, path)


def parse_config(data: dict[str, Any], path: Path | None = None) -> Config:
    where = str(path) if path else "config"
    known = {"database", "system", "smtp", "mailbox", "keys"}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"{where}: unknown key {key!r} (expected one of: {', '.join(sorted(known))})"
            )
    database = DatabaseConfig(**_section(data, "database", _DATABASE, where))
    sysvals = _section(data, "system", _SYSTEM, where)
    for key in ("notice_cc", "own_domains", "notice_skip_categories", "trusted_authserv_ids"):
        if key in sysvals:
            sysvals[key] = tuple(_str_list(sysvals[key], f"system.{key}", where))
    _check_values(sysvals, where)
    system = SystemConfig(**sysvals)
    smtp = None
    if "smtp" in data:
        values = _section(data, "smtp", _SMTP, where)
        _check_choice(values, "security", SECURITY_VALUES, "smtp", where)
        _check_choice(values, "auth", AUTH_VALUES, "smtp", where)
        if values.get("auth") == "xoauth2" and not (values.get("password_command")
                                                    and values.get("username")):
            raise ConfigError(f"{where}: smtp.auth = 'xoauth2' needs username and "
                              "password_command (prints the access token)")
        smtp = SmtpConfig(**values)
    raw_mailboxes = data.get("mailbox", [])
    if not isinstance(raw_mailboxes, list):
        raise ConfigError(f"{where}: [[mailbox]] must be an array of tables")
    mailboxes = []
    for i, raw in enumerate(raw_mailboxes):
        name = raw.get("name") if isinstance(raw, dict) else None
        ctx = f"mailbox {name!r}" if isinstance(name, str) and name.strip() \
            else f"mailbox number {i + 1} (no name)"
        values = _table(raw, _MAILBOX, ctx, where)
        _check_choice(values, "security", SECURITY_VALUES, ctx, where)
        _check_choice(values, "auth", AUTH_VALUES, ctx, where)
        after = values.get("after_ingest", "seen")
        if after not in ("keep", "seen") and not (after.startswith("move:") and after[5:]):
            raise ConfigError(
                f"{where}: {ctx}.after_ingest = {after!r}: expected keep, seen or move:<folder>"
            )
        if values.get("auth") == "xoauth2" and not values.get("password_command"):
            raise ConfigError(
                f"{where}: {ctx}.auth = 'xoauth2' needs password_command (prints the token)"
            )
        for key in ("interval_seconds", "max_message_bytes", "batch_size"):
            if key in values and values[key] <= 0:
                raise ConfigError(f"{where}: {ctx}.{key} must be greater than 0")
        mailboxes.append(MailboxConfig(**values))
    names = [m.name for m in mailboxes]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError(f"{where}: mailbox name {sorted(dupes)[0]!r} is used twice")
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        raise ConfigError(f"{where}: [keys] must be a table of binding id = \"key\"")
    for binding_id, key in keys.items():
        if not isinstance(key, str) or not key.strip():
            raise ConfigError(f"{where}: keys.{binding_id} = {key!r}: expected a key name "
                              "such as \"M\" or \"ctrl+k\" (comma-separated for several)")
    return Config(path=path, database=database, system=system, smtp=smtp,
                  mailboxes=tuple(mailboxes), keys=dict(keys))


def _section(data: dict[str, Any], name: str, spec: _Spec, where: str) -> dict[str, Any]:
    if name not in data:
        return {}
    return _table(data[name], spec, name, where)


def _table(raw: Any, spec: _Spec, ctx: str, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [{ctx}] must be a table")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _FORBIDDEN:
            raise ConfigError(
                f"{where}: {ctx}.{key}: secrets do not belong in the config file; use "
                "password_env, password_command or the keyring (`inboxwatch secret set`)"
            )
        if key not in spec:
            raise ConfigError(
                f"{where}: unknown key {ctx}.{key} (expected one of: {', '.join(spec)})"
            )
        types, description, _ = spec[key]
        if isinstance(value, bool) and bool not in types:
            raise ConfigError(f"{where}: {ctx}.{key} = {value!r}: expected {description}")
        if not isinstance(value, types):
            raise ConfigError(f"{where}: {ctx}.{key} = {value!r}: expected {description}")
        out[key] = value
    for key, (_, description, required) in spec.items():
        if required and key not in out:
            raise ConfigError(f"{where}: {ctx}.{key} is missing: expected {description}")
    return out


_ADDRESS_RE = re.compile(r"[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
_DOMAIN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


def _check_values(sysvals: dict[str, Any], where: str) -> None:
    """Addresses that are addresses, domains that are domains, categories that exist: a typo
    here would otherwise be found by the first notice that goes nowhere."""
    for key in ("notifications_address", "reply_address", "general_address"):
        if key in sysvals and not _ADDRESS_RE.fullmatch(sysvals[key]):
            raise ConfigError(f"{where}: system.{key} = {sysvals[key]!r}: expected an email "
                              "address such as helpdesk@example.com")
    for address in sysvals.get("notice_cc", ()):
        if not _ADDRESS_RE.fullmatch(address):
            raise ConfigError(f"{where}: system.notice_cc: {address!r} is not an email "
                              "address")
    for domain in sysvals.get("own_domains", ()):
        if not _DOMAIN_RE.fullmatch(domain):
            raise ConfigError(f"{where}: system.own_domains: {domain!r} is not a domain name "
                              "(example.com, without @)")
    for category in sysvals.get("notice_skip_categories", ()):
        if category not in CATEGORY_VALUES:
            raise ConfigError(f"{where}: system.notice_skip_categories: unknown category "
                              f"{category!r} (expected some of: {', '.join(CATEGORY_VALUES)})")
    for key in ("digest_threshold", "digest_window_minutes", "retention_days"):
        if key in sysvals and sysvals[key] < 0:
            raise ConfigError(f"{where}: system.{key} must be 0 or more")


def _check_choice(values: dict[str, Any], key: str, choices: tuple[str, ...], ctx: str,
                  where: str) -> None:
    if key in values and values[key] not in choices:
        raise ConfigError(
            f"{where}: {ctx}.{key} = {values[key]!r}: expected one of {', '.join(choices)}"
        )


def _str_list(value: Any, key: str, where: str) -> list[str]:
    if not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return list(value)


def resolve_config_path(explicit: str | None) -> Path | None:
    """--config, else $INBOXWATCH_CONFIG, else the account's own config file if it exists,
    else the system config if it exists (a team deployment), else None (the defaults).

    ``$INBOXWATCH_SYSTEM_CONFIG`` naming a file that is not there is an error: it was set
    on purpose."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("INBOXWATCH_CONFIG")
    if env:
        return Path(env)
    default = default_config_path()
    if default.exists():
        return default
    system = system_config_path()
    try:
        exists = system.exists()
    except PermissionError:
        raise ConfigError(f"{system}: cannot read the system config (permission denied): "
                          f"ask an admin to add your account to group {_group_of(system)!r} "
                          "(`usermod -aG GROUP LOGIN`, then log in again)") from None
    if os.environ.get("INBOXWATCH_SYSTEM_CONFIG") and not exists:
        raise ConfigError(f"{system}: system config not found (INBOXWATCH_SYSTEM_CONFIG "
                          "names it; create it with `sudo inboxwatch init --system`)")
    return system if exists else None


def _group_of(path: Path) -> str:
    """The group of the nearest existing parent of ``path`` that we can stat."""
    import grp

    for parent in (path, *path.parents):
        try:
            return grp.getgrgid(parent.stat().st_gid).gr_name
        except (OSError, KeyError):
            continue
    return "inboxwatch"
