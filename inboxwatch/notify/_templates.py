"""User-editable notice templates, rendered in Jinja2's sandbox.

The defaults ship in ``inboxwatch/notify/templates/``. An admin overrides the New Inbound
Message Notice with ``system.notice_subject_template`` / ``system.notice_body_template`` in
the config (the template text itself, TOML multi-line strings welcome); the digest uses the
shipped templates.

Templates are untrusted: they render in :class:`jinja2.sandbox.SandboxedEnvironment` with
:class:`jinja2.StrictUndefined`, so ``{{ ''.__class__.__mro__ }}`` or a call to an unsafe
method fails instead of reaching Python internals, and a misspelt variable fails instead of
rendering as nothing. :func:`load_notice_templates` compiles *and* trial-renders every
template against a sample message, so syntax errors and sandbox violations surface when the
configuration is loaded, as one line naming the config key, not in the middle of an ingest.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from inboxwatch.config import SystemConfig
from inboxwatch.errors import InboxwatchError
from inboxwatch.sanitize import clean, clean_line

__all__ = [
    "NoticeTemplates",
    "TemplateProblem",
    "load_notice_templates",
    "render_pair",
    "sample_message",
]

MAX_SUBJECT_CHARS = 200
MAX_BODY_CHARS = 200_000


class TemplateProblem(InboxwatchError):
    """A notice template does not compile or breaks the sandbox's rules."""


@dataclass(frozen=True, slots=True)
class NoticeTemplates:
    """Compiled templates: each pair is (subject, body), with where it came from."""

    notice_subject: jinja2.Template
    notice_body: jinja2.Template
    digest_subject: jinja2.Template
    digest_body: jinja2.Template
    sources: tuple[str, str, str, str]


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                                keep_trailing_newline=True, trim_blocks=False)


def _shipped(name: str) -> str:
    return resources.files("inboxwatch.notify").joinpath("templates", name) \
        .read_text(encoding="utf-8")


def _compile(env: SandboxedEnvironment, text: str, source: str) -> jinja2.Template:
    try:
        return env.from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"{source}: template syntax error on line {exc.lineno}: "
                              f"{clean_line(exc.message or 'invalid syntax')}") from None


def render_pair(subject: jinja2.Template, body: jinja2.Template, context: dict[str, Any],
                sources: tuple[str, str]) -> tuple[str, str]:
    """Render a subject (folded to one line) and a body; problems as :class:`TemplateProblem`."""
    out: list[str] = []
    for template, source in ((subject, sources[0]), (body, sources[1])):
        try:
            out.append(template.render(context))
        except SecurityError as exc:
            raise TemplateProblem(f"{source}: not allowed in a template: "
                                  f"{clean_line(str(exc), max_chars=200)}") from None
        except jinja2.UndefinedError as exc:
            raise TemplateProblem(f"{source}: {clean_line(str(exc), max_chars=200)}") from None
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as exc:
            raise TemplateProblem(f"{source}: the template failed to render: "
                                  f"{type(exc).__name__}: "
                                  f"{clean_line(str(exc), max_chars=200)}") from None
    return clean_line(out[0], max_chars=MAX_SUBJECT_CHARS), clean(out[1],
                                                                   max_chars=MAX_BODY_CHARS)


def sample_message() -> dict[str, Any]:
    """The shape of ``message`` in a notice template, with harmless sample values."""
    return {
        "id": 1, "message_id": "<sample@example.com>", "from_addr": "client@example.com",
        "from_name": "A Client", "to": ["helpdesk@example.com"], "cc": [],
        "subject": "Sample subject", "received_at": "2024-01-01 09:00 UTC",
        "disposition": "inbound", "status": "awaiting_review", "reason": "direct_to_system",
        "category": "normal", "attachments": 0, "case_id": None, "excerpt": "Sample body.",
    }


@lru_cache(maxsize=8)
def load_notice_templates(system: SystemConfig) -> NoticeTemplates:
    """Compile and trial-render the notice and digest templates for ``system``."""
    env = _environment()
    subject_src = "system.notice_subject_template" if system.notice_subject_template \
        else "notice_subject.j2 (shipped)"
    body_src = "system.notice_body_template" if system.notice_body_template \
        else "notice_body.j2 (shipped)"
    templates = NoticeTemplates(
        notice_subject=_compile(env, system.notice_subject_template
                                or _shipped("notice_subject.j2"), subject_src),
        notice_body=_compile(env, system.notice_body_template or _shipped("notice_body.j2"),
                             body_src),
        digest_subject=_compile(env, _shipped("digest_subject.j2"), "digest_subject.j2"),
        digest_body=_compile(env, _shipped("digest_body.j2"), "digest_body.j2"),
        sources=(subject_src, body_src, "digest_subject.j2", "digest_body.j2"),
    )
    sample = sample_message()
    render_pair(templates.notice_subject, templates.notice_body, {"message": sample},
                (subject_src, body_src))
    render_pair(templates.digest_subject, templates.digest_body,
                {"messages": [sample], "count": 1, "more": 0, "window_minutes": 10},
                templates.sources[2:])
    return templates
