"""SMTP with an OAuth 2.0 token from ``password_command`` (``smtp.auth = "xoauth2"``), against
a local aiosmtpd server that offers only the OAuth mechanisms and checks what it is sent:
XOAUTH2 where offered, OAUTHBEARER (RFC 7628) where only that is; a refused token is exit 3
with the server's challenge answered as each mechanism says, and no token in any error."""

from __future__ import annotations

import base64
import email
import email.policy
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from inboxwatch.config import Config, ConfigError, SmtpConfig, load_config
from inboxwatch.errors import AuthenticationFailed
from inboxwatch.notify._smtp import SmtpSession
from tests.test_notify import free_port

pytestmark = pytest.mark.smtp

TOKEN = "ya29.test-token-Qx81"
USER = "helpdesk@helpdesk.example.com"


@dataclass
class OAuthServer:
    """Records each AUTH exchange; accepts :data:`TOKEN` for :data:`USER` only."""

    logins: list[tuple[str, str]] = field(default_factory=list)  # (mechanism, initial)
    after_error: list[bytes] = field(default_factory=list)
    delivered: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def _check(self, server: Any, args: list[str], expected: str) -> AuthResult:
        mechanism = args[0].upper()
        initial = base64.b64decode(args[1]).decode() if len(args) > 1 else ""
        with self.lock:
            self.logins.append((mechanism, initial))
        if initial == expected:
            return AuthResult(success=True, auth_data=USER)
        # What Gmail and Microsoft 365 do: a 334 with a JSON error, then 535.
        answer = await server.challenge_auth(b'{"status":"401","schemes":"bearer"}')
        with self.lock:
            self.after_error.append(answer if isinstance(answer, bytes) else b"<missing>")
        return AuthResult(success=False, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.delivered.append(envelope.content)
        return "250 OK"


class XOAuth2Server(OAuthServer):
    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        return await self._check(server, args, f"user={USER}\x01auth=Bearer {TOKEN}\x01\x01")


class OAuthBearerOnlyServer(OAuthServer):
    async def auth_OAUTHBEARER(self, server: Any, args: list[str]) -> AuthResult:
        return await self._check(server, args, f"n,a={USER},\x01auth=Bearer {TOKEN}\x01\x01")


@pytest.fixture(params=[XOAuth2Server, OAuthBearerOnlyServer], ids=["xoauth2", "oauthbearer"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[OAuthServer, int]]:
    handler = request.param()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port,
                            auth_require_tls=False,
                            auth_exclude_mechanism=["LOGIN", "PLAIN"])
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _smtp(port: int, tmp_path: Path, token: str) -> SmtpConfig:
    script = tmp_path / "token"
    script.write_text(f"#!{sys.executable}\nprint({token!r})\n")
    script.chmod(0o700)
    return SmtpConfig(host="127.0.0.1", port=port, security="plain", username=USER,
                      auth="xoauth2", password_command=str(script), timeout_seconds=10)


def test_oauth_token_logs_in_and_sends(server: tuple[OAuthServer, int], tmp_path: Path) -> None:
    handler, port = server
    raw = (b"From: notify@helpdesk.example.com\r\nTo: lead@helpdesk.example.com\r\n"
           b"Subject: hello\r\n\r\nbody\r\n")
    with SmtpSession(_smtp(port, tmp_path, TOKEN)) as session:
        session.send("notify@helpdesk.example.com", ["lead@helpdesk.example.com"], raw)
    expected = "XOAUTH2" if isinstance(handler, XOAuth2Server) else "OAUTHBEARER"
    assert [m for m, _ in handler.logins] == [expected]
    [content] = handler.delivered
    parsed = email.message_from_bytes(content, policy=email.policy.default)
    assert parsed["Subject"] == "hello"


def test_a_refused_token_is_exit_3_and_never_shown(server: tuple[OAuthServer, int],
                                                   tmp_path: Path) -> None:
    handler, port = server
    with pytest.raises(AuthenticationFailed) as refused:
        with SmtpSession(_smtp(port, tmp_path, "expired-token-Zz9")):
            pass
    assert refused.value.exit_code == 3
    assert f"login as {USER} refused (535)" in str(refused.value)
    assert "expired-token-Zz9" not in str(refused.value)
    # the JSON error challenge answered as the mechanism says: empty, or a single ^A
    expected = b"" if isinstance(handler, XOAuth2Server) else b"\x01"
    assert handler.after_error == [expected]
    assert handler.delivered == []


def test_a_server_without_oauth_says_so(tmp_path: Path) -> None:
    class PasswordOnly:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            return "250 OK"

    port = free_port()
    controller = Controller(PasswordOnly(), hostname="127.0.0.1", port=port,
                            auth_require_tls=False)
    controller.start()
    try:
        with pytest.raises(AuthenticationFailed) as refused:
            with SmtpSession(_smtp(port, tmp_path, TOKEN)):
                pass
    finally:
        controller.stop()
    assert "offers no OAuth login (AUTH LOGIN PLAIN)" in str(refused.value)


def test_xoauth2_needs_a_token_command(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[smtp]\nhost = "smtp.office365.com"\nusername = "a@b.example"\n'
                      'auth = "xoauth2"\npassword_env = "X"\n')
    with pytest.raises(ConfigError) as problem:
        load_config(config)
    assert "smtp.auth = 'xoauth2' needs username and password_command" in str(problem.value)
    config.write_text('[smtp]\nhost = "smtp.office365.com"\nusername = "a@b.example"\n'
                      'auth = "xoauth2"\npassword_command = "oauth2ms"\n')
    loaded: Config = load_config(config)
    assert loaded.smtp is not None and loaded.smtp.auth == "xoauth2"
