"""One sanitiser for every string from a message that can reach a terminal.

Mail is hostile input: a subject can carry ``ESC]52`` (clipboard write), ``ESC[2J``, a C1
CSI (0x9b), bidi overrides that reverse what the operator reads, or zero-width characters
that hide a domain. :func:`clean` drops all C0/C1 control characters except newline and
tab, and every Unicode format character (category Cf: bidi controls, zero-width joiners...),
and :func:`clean_line` additionally folds line breaks for one-line fields (headers, names).
Callers still render the result as plain text, never as markup.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean", "clean_line", "shorten"]

_CONTROL_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 except \t \n, DEL, C1
    "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)
_ESC_SEQ_RE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")


def _strip_format(text: str) -> str:
    if text.isascii():
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cs", "Co"))


def clean(text: str | None, *, max_chars: int | None = None) -> str:
    """Text safe to show in a terminal: no control or format characters but ``\\n``/``\\t``."""
    if not text:
        return ""
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars] + "…"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESC_SEQ_RE.sub("", text)  # whole escape sequences, so no payload is left behind
    text = _CONTROL_RE.sub("", text)
    return _strip_format(text)


def clean_line(text: str | None, *, max_chars: int | None = None) -> str:
    """Like :func:`clean`, for one-line fields: line breaks and tabs become spaces."""
    return " ".join(clean(text, max_chars=max_chars).split())


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"
