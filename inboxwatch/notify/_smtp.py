"""One SMTP session to the configured server: tls, starttls or plain; optional login.

The password comes from :func:`inboxwatch.secrets.resolve_secret` (key ``smtp``) and is used
for ``login`` only: error texts produced here never contain it (and callers scrub it again
before storing an error).

``auth = "xoauth2"`` (Microsoft 365, Gmail: both refuse passwords more and more) logs in with
an OAuth 2.0 access token that ``password_command`` prints, as the IMAP side does: SASL
XOAUTH2 where the server offers it, else OAUTHBEARER (RFC 7628). Getting and refreshing the
token is the command's job (e.g. ``oauth2ms``, ``mutt_oauth2.py``), so no token endpoint or
client secret lives in inboxwatch.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from types import TracebackType

from inboxwatch.config import SmtpConfig
from inboxwatch.errors import AuthenticationFailed, ServerUnreachable
from inboxwatch.imap import keep_alive
from inboxwatch.secrets import resolve_secret

__all__ = ["SmtpSession"]


def _oauth_login(smtp: smtplib.SMTP, username: str, token: str) -> None:
    """SASL XOAUTH2, or OAUTHBEARER when that is all the server offers.

    On a refused token the server answers 334 with a JSON error; the client then sends an
    empty line (XOAUTH2) or a single ^A (RFC 7628) and the server ends with 535, which
    smtplib raises as :class:`smtplib.SMTPAuthenticationError`."""
    smtp.ehlo_or_helo_if_needed()
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if "XOAUTH2" in offered:
        mechanism, first, after_error = "XOAUTH2", \
            f"user={username}\x01auth=Bearer {token}\x01\x01", ""
    elif "OAUTHBEARER" in offered:
        mechanism, first, after_error = "OAUTHBEARER", \
            f"n,a={username},\x01auth=Bearer {token}\x01\x01", "\x01"
    else:
        raise smtplib.SMTPNotSupportedError(
            f"the server offers no OAuth login (AUTH {' '.join(offered) or 'none'})")
    answers = iter((first, after_error))
    smtp.auth(mechanism, lambda challenge=None: next(answers, after_error),
              initial_response_ok=True)


class SmtpSession:
    """A connected, authenticated SMTP session; use as a context manager."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None
        self._secret: str | None = None

    @property
    def where(self) -> str:
        return f"smtp {self.config.host}:{self.config.port} ({self.config.security})"

    def __enter__(self) -> SmtpSession:
        cfg = self.config
        if cfg.username:
            # Resolve before connecting: a missing secret is a configuration error, not an
            # outage, and must not be retried against the server.
            self._secret = resolve_secret(key="smtp", password_env=cfg.password_env,
                                          password_command=cfg.password_command)
        context = ssl.create_default_context(cafile=cfg.ca_file) \
            if cfg.security != "plain" else None
        try:
            if cfg.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port,
                                                      timeout=cfg.timeout_seconds,
                                                      context=context)
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds)
                if cfg.security == "starttls":
                    smtp.starttls(context=context)
            self._smtp = smtp
            keep_alive(smtp.sock)
            if cfg.username and self._secret is not None:
                if cfg.auth == "xoauth2":
                    _oauth_login(smtp, cfg.username, self._secret)
                else:
                    smtp.login(cfg.username, self._secret)
        except smtplib.SMTPAuthenticationError as exc:
            self._close()
            raise AuthenticationFailed(f"{self.where}: login as {cfg.username} refused "
                                       f"({exc.smtp_code})") from None
        except smtplib.SMTPNotSupportedError as exc:
            self._close()
            raise AuthenticationFailed(f"{self.where}: cannot log in as {cfg.username}: "
                                       f"{describe(exc)}") from None
        except ssl.SSLError as exc:
            self._close()
            raise ServerUnreachable(f"{self.where}: TLS failed: {exc.reason or exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            self._close()
            raise ServerUnreachable(f"{self.where}: unreachable: {describe(exc)}") from None
        return self

    def send(self, sender: str, recipients: list[str], raw: bytes) -> None:
        """Hand one email to the server; raises smtplib/OS errors for the caller to record."""
        assert self._smtp is not None, "use SmtpSession as a context manager"
        self._smtp.sendmail(sender, recipients, raw)

    def scrub(self, text: str) -> str:
        """``text`` with the password removed, should a server ever echo it."""
        if self._secret:
            text = text.replace(self._secret, "***")
        return text

    def _close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._close()
        self._secret = None


def describe(exc: BaseException) -> str:
    """A one-line description of an SMTP or network error, without internals."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{addr} ({code})" for addr, (code, _) in
                            list(exc.recipients.items())[:5])
        return f"recipients refused: {refused}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"[:300]
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "host name not found"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
