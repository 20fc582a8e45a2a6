"""User-editable notice templates, rendered in Jinja2's sandbox.

The defaults ship in ``inboxwatch/notify/templates/``. An admin overrides the New Inbound
Message Notice with ``system.notice_subject_template`` / ``system.notice_body_template`` in
the config (the template text itself, TOML multi-line strings welcome); the digest uses the
shipped templates.

Templates are untrusted: they render in :class:`jinja2.sandbox.SandboxedEnvironment` with
:class:`jinja2.StrictUndefined`, so ``{{ ''.__class__.__mro__ }}`` or a call to an unsafe
method fails instead of reaching Python internals, and a misspelt variable fails instead of
rendering as nothing. A render is bounded: :data:`RENDER_SECONDS` of time (a loop inside a
loop), its output size, and ``*``/``**`` on big numbers. :func:`load_notice_templates` compiles *and* trial-renders every
template against a sample message, so syntax errors and sandbox violations surface when the
configuration is loaded, as one line naming the config key, not in the middle of an ingest.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from types import FrameType
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


RENDER_SECONDS = 1.0  # a template that needs longer (a loop in a loop) is refused
_MAX_REPEAT = 10_000  # 'x' * n and n ** m stay small


class RenderLimit(Exception):
    """Raised inside a render that ran past :data:`RENDER_SECONDS`."""


class _BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, plus bounds on the operators that make huge values from small text."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*" and (isinstance(left, str | list | tuple) or
                                isinstance(right, str | list | tuple)):
            count = right if isinstance(left, str | list | tuple) else left
            if isinstance(count, int) and count > _MAX_REPEAT:
                raise SecurityError(f"repeating a value {count} times (at most {_MAX_REPEAT})")
        if operator == "**" and isinstance(right, int | float) and abs(right) > 100:
            raise SecurityError(f"an exponent of {right} (at most 100)")
        return super().call_binop(context, operator, left, right)


def _environment() -> SandboxedEnvironment:
    return _BoundedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False,
                               keep_trailing_newline=True, trim_blocks=False)


def _bounded_render(template: jinja2.Template, context: dict[str, Any], max_chars: int,
                    ) -> str:
    """Render ``template`` in at most :data:`RENDER_SECONDS` and ``max_chars`` characters.

    The time is checked on every line the compiled template runs (a trace function on this
    thread, for the template's own code only), so an empty loop inside a loop is stopped as
    surely as one that prints; the output is collected chunk by chunk and cut off at
    ``max_chars`` (a long subject in the mail is cut, never refused), the rest never made."""
    deadline = time.monotonic() + RENDER_SECONDS

    def on_line(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise RenderLimit(f"took more than {RENDER_SECONDS:g} s (a loop too many?)")
        return on_line

    def on_call(frame: FrameType, event: str, arg: Any) -> Any:
        return on_line if frame.f_code.co_filename == "<template>" else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        chunks: list[str] = []
        size = 0
        for chunk in template.generate(context):
            chunks.append(chunk)
            size += len(chunk)
            if size >= max_chars:  # the rest would be cut off anyway: stop making it
                break
        return "".join(chunks)[:max_chars]
    finally:
        sys.settrace(previous)


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
    for template, source, limit in ((subject, sources[0], 10 * MAX_SUBJECT_CHARS),
                                    (body, sources[1], MAX_BODY_CHARS)):
        try:
            out.append(_bounded_render(template, context, limit))
        except RenderLimit as exc:
            raise TemplateProblem(f"{source}: the template {exc}") from None
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
