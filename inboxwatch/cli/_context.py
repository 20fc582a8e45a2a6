"""What every command needs: the configuration, the store and the consoles, made lazily."""

from __future__ import annotations

import json as jsonlib
import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rich.console import Console
from sqlalchemy import Engine
from sqlmodel import Session

from inboxwatch.config import Config, default_db_url, load_config, resolve_config_path

if TYPE_CHECKING:
    from inboxwatch.roles import Actor
    from inboxwatch.route import RoutingContext

__all__ = ["Context"]


@dataclass
class Context:
    config_path: str | None = None
    db_url: str | None = None
    json: bool = False
    as_email: str | None = None  # --as: act as this user (admins only)
    console: Console = field(default_factory=lambda: Console(highlight=False, markup=False,
                                                             emoji=False))
    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False, soft_wrap=True,
                                                         markup=False, emoji=False))

    @cached_property
    def config(self) -> Config:
        return load_config(resolve_config_path(self.config_path))

    @property
    def database_url(self) -> str:
        return (self.db_url or os.environ.get("INBOXWATCH_DB") or self.config.database.url
                or default_db_url(self.config.system))

    @cached_property
    def engine(self) -> Engine:
        from inboxwatch_storage import open_engine

        return open_engine(self.database_url)

    def actor(self, session: Session) -> Actor:
        """Who runs this command: the user whose login is the process's OS login, or the
        user named by ``--as`` (admins only); exit 5 for an unknown or inactive login."""
        from inboxwatch.users import resolve_actor

        return resolve_actor(session, as_email=self.as_email)

    def service_actor(self, what: str, engine: Engine | None = None) -> Actor:
        """The actor of a service command (poll, run, import, outbox send, db upgrade): the
        store's owner or an admin, else exit 5 (:mod:`inboxwatch.deployment`)."""
        from inboxwatch.deployment import service_actor

        return service_actor(engine or self.engine, as_email=self.as_email, what=what)

    def owner_or_actor(self, session: Session) -> Actor:
        """The system for the store's owner (a cron job of the service account), else the
        user who runs the command."""
        from inboxwatch.deployment import owns_store
        from inboxwatch.roles import SYSTEM_ACTOR

        if self.as_email is None and owns_store(self.engine):
            return SYSTEM_ACTOR
        return self.actor(session)

    def routing_context(self) -> RoutingContext:
        """Routing settings from the config, the reply-token secret, and notices (checked
        here, so a bad template or address fails before any mail is processed)."""
        from inboxwatch.notify import check_notice_settings
        from inboxwatch.route import RoutingContext
        from inboxwatch.tokens import load_reply_secret

        system = self.config.system
        check_notice_settings(system)
        return RoutingContext(
            reply_address=system.reply_address,
            notifications_address=system.notifications_address,
            own_domains=system.domains,
            reply_secret=load_reply_secret(system=system),
            trusted_authserv_ids=system.trusted_authserv_ids,
            system=system,
        )

    def close(self) -> None:
        """Release the store's connections (the engine is made only if a command used it)."""
        engine = self.__dict__.pop("engine", None)
        if engine is not None:
            engine.dispose()

    def emit_json(self, data: Any) -> None:
        sys.stdout.write(jsonlib.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
