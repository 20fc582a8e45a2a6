"""The new text of a reply: what a client wrote, without the quoted history and signature.

A case update made from a reply (automatic, or by an operator) and the notes of a case
created from one hold the new text; the whole message stays one key away (``show``, the TUI
detail pane). The quote is split by **mail-parser-reply** (MIT, maintained), which knows
the reply headers of Gmail, Outlook (desktop and web), Apple Mail and Thunderbird in many
languages, ``>`` quoting and Outlook header blocks. It was chosen on ``bench/
bench_quotes.py``'s labelled set over email-reply-parser (which left the quote in 7 of 115,
German and Outlook-web replies among them) and quotequail (which keeps the attribution line
and signatures). inboxwatch keeps the closing words a person wrote ("Regards, Kim") and drops
only what follows an RFC 3676 signature delimiter (``-- ``) and "Sent from my iPhone" lines.

Bad input loses nothing: when the library fails, or would leave no text at all (a reply that
is all quote), the whole text is kept; so is a reply whose author answered below or between
``>``-quoted lines (bottom-posting, the mailing-list style), where the answers need the
quotes beside them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

__all__ = ["LANGUAGES", "ReplyText", "reply_text"]

log = logging.getLogger(__name__)

LANGUAGES = ("en", "de", "fr", "es", "nl", "it", "sv", "pl", "ja")
MAX_CHARS = 200_000  # longer bodies are split on their start only: bounded time
_SIGNATURE_RE = re.compile(r"^-- ?$")
_MOBILE_RE = re.compile(
    r"^\s*(sent from my (iphone|ipad|android|samsung|mobile)|sent from mail for windows|"
    r"get outlook for (ios|android)|von meinem (iphone|ipad) gesendet|"
    r"envoy[ée] de mon (iphone|ipad)|enviado desde mi (iphone|ipad))\b.*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ReplyText:
    text: str  # the new text (the whole text when nothing was found to strip)
    stripped: bool  # a quote or signature was taken off


_parser = None


# What the library reads: its reply-header patterns cost the square of a line's length
# (200 KB of "On ... wrote:" in one HTML line took 11 minutes), so it sees the first
# LIBRARY_CHARS of the text with each line cut to LIBRARY_LINE_CHARS (a reply header is
# one short line), and the split it finds is mapped back to the text's own lines.
LIBRARY_CHARS = 20_000
LIBRARY_LINE_CHARS = 300


def _split_quote(text: str) -> str | None:
    """The text above the first reply header the library finds, in ``text``'s own lines
    (``text`` itself when it finds none), or None when it fails."""
    global _parser
    lines = text[:LIBRARY_CHARS].split("\n")
    short = "\n".join(line[:LIBRARY_LINE_CHARS] for line in lines)
    try:
        if _parser is None:
            from mailparser_reply import EmailReplyParser

            _parser = EmailReplyParser(languages=list(LANGUAGES))
        replies = _parser.read(short).replies
    except Exception:
        log.warning("quote splitting failed; the whole text is kept", exc_info=True)
        return None
    if not replies:
        return None
    content = str(replies[0].content)
    if not content.strip():
        return None
    if content.strip() == short.strip():
        return text  # no reply header: all of it is new (lines the library saw cut too)
    kept = content.rstrip("\n").count("\n") + 1  # the header starts on the next line
    if kept >= len(lines):
        return text
    return "\n".join(lines[:kept])


_ATTRIBUTION_RE = re.compile(
    r"^.{0,300}(\bwrote|\bschrieb|a écrit|escribió|schreef|ha scritto|skrev|napisał)\s*:\s*$",
    re.IGNORECASE)


def _drop_trailing_quote(text: str) -> str:
    """Cut a block of ``>`` lines that runs to the end, with the attribution line above it
    ("bob@example.com wrote:"): what the library does not recognise as a reply header."""
    lines = text.rstrip().split("\n")
    end = len(lines)
    while end and (lines[end - 1].startswith(">") or not lines[end - 1].strip()):
        end -= 1
    if end == len(lines) or not any(line.startswith(">") for line in lines[end:]):
        return text
    if end and _ATTRIBUTION_RE.match(lines[end - 1]):
        end -= 1
    kept = "\n".join(lines[:end])
    return kept if kept.strip() else text


def _drop_signature(text: str) -> str:
    lines = text.split("\n")
    for i in range(len(lines) - 1, 0, -1):
        if _SIGNATURE_RE.match(lines[i]) and "\n".join(lines[:i]).strip():
            lines = lines[:i]
            break
    while lines and (not lines[-1].strip() or _MOBILE_RE.match(lines[-1])):
        lines.pop()
    return "\n".join(lines)


def _answers_below_a_quote(text: str) -> bool:
    """Whether a person wrote below ``>``-quoted lines (a bottom-posted or interleaved
    reply, the mailing-list style): then every line is kept, the quotes too, because the
    answers only make sense next to them."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.startswith(">")), None)
    if first is None:
        return False
    for line in lines[first + 1:]:
        if _SIGNATURE_RE.match(line):
            return False  # what follows a signature delimiter is not an answer
        if line.strip() and not line.startswith(">") and not _MOBILE_RE.match(line):
            return True
    return False


def reply_text(text: str, html: str | None = None) -> ReplyText:
    """The new text of ``text`` (a message's plain text; ``html`` is not needed: the text
    of an HTML-only message already carries its quote headers)."""
    whole = text.replace("\r\n", "\n").replace("\r", "\n")
    head, tail = whole[:MAX_CHARS], whole[MAX_CHARS:]
    if _answers_below_a_quote(head):
        kept = _drop_signature(whole).strip() or whole.strip()
        return ReplyText(kept, kept != whole.strip())
    split = _split_quote(head)
    new = split if split is not None and split.strip() else head
    if split is not None and tail and new.strip() == head.strip():
        new = head + tail  # no quote in the start: nothing of the rest is lost either
    new = _drop_trailing_quote(_drop_signature(new)).strip()
    if not new:
        return ReplyText(whole.strip(), False)
    return ReplyText(new, new != whole.strip())
