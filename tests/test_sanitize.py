from __future__ import annotations

import pytest

from inboxwatch.sanitize import clean, clean_line

HOSTILE = [
    "\x1b]52;c;ZXZpbA==\x07clip",  # OSC 52 clipboard write
    "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b[2Jclear", "\x9b31mred", "\u202egnp.exe", "zero\u200bwidth", "bell\x07", "nul\x00",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_control_or_format_characters_survive(text: str) -> None:
    out = clean(text)
    assert not any(ord(c) < 32 and c not in "\n\t" for c in out)
    assert not any(0x7F <= ord(c) <= 0x9F for c in out)
    assert "\u202e" not in out and "\u200b" not in out


def test_escape_payloads_are_removed_whole() -> None:
    assert clean("\x1b]52;c;ZXZpbA==\x07clip") == "clip"
    assert clean("\x1b[2Jclear") == "clear"
    assert clean("\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\") == "link"


def test_text_is_kept() -> None:
    assert clean("Grüße — 会議室\n\tok") == "Grüße — 会議室\n\tok"
    assert clean("Re: [/] invoice [@click=app.quit]") == "Re: [/] invoice [@click=app.quit]"


def test_clean_line_folds_breaks() -> None:
    assert clean_line("a\r\n b\tc\n") == "a b c"
    assert clean_line("x" * 50, max_chars=10) == "x" * 10 + "…"
