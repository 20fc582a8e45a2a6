"""The new text of a reply: exact on the labelled set, and nothing lost on bad input."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from inboxwatch.ingest import RawMail, ingest
from inboxwatch.parse import parse_message
from inboxwatch.quotes import reply_text
from inboxwatch_storage.tables import CaseUpdate
from tests.reply_set import REPLIES, LabelledReply
from tests.test_reply_routing import DATA, Desk, desk  # noqa: F401 - the fixture


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def test_the_labelled_set_is_big_and_varied() -> None:
    assert len(REPLIES) >= 100
    styles = {r.name.split("-")[0] for r in REPLIES}
    assert {"gmail", "outlook", "apple", "thunderbird", "gmail_de", "gmail_fr", "gmail_html",
            "outlook_html", "no_quote"} <= styles


@pytest.mark.parametrize("reply", REPLIES, ids=[r.name for r in REPLIES])
def test_new_text_exactly(reply: LabelledReply) -> None:
    parsed = parse_message(reply.raw)
    got = reply_text(parsed.text, parsed.html)
    assert _normal(got.text) == _normal(reply.new_text)
    assert reply.quoted not in got.text


@pytest.mark.parametrize("text", [
    "",
    "> all of it is quote\n> and nothing else\n",
    "Bob wrote:\n> a question?\n\nMy answer below the quote.\n\n> another question?\n\nTwo.\n",
    "word " * 50_000,
    "On Mon wrote:\n" * 500,
])
def test_bad_input_keeps_every_word(text: str) -> None:
    got = reply_text(text).text
    assert set(text.split()) <= set(got.split())


def test_answers_below_quotes_keep_the_quotes() -> None:
    text = "Bob wrote:\n> Is the printer fixed?\n\nYes, since Monday.\n\n> And the scanner?\n\nNo.\n"
    assert reply_text(text).text == text.strip()


def test_an_auto_case_update_holds_no_quoted_line(desk: Desk) -> None:  # noqa: F811
    raw = (DATA / "proper_reply.eml").read_bytes()
    new = b"photo of the error are attached.\n"
    assert new in raw
    quoted = (b"\nOn Mon, 4 Mar 2024 at 09:00, Help Desk <updates@helpdesk.example.com> wrote:"
              b"\n> A technician comes tomorrow.\n>\n> -- \n> This is an update to case #1.\n")
    report = ingest(desk.engine, desk.ctx, [RawMail(raw=raw.replace(new, new + quoted))],
                    workers=1)
    assert report.case_updates == 1
    with Session(desk.engine) as s:
        update = s.exec(select(CaseUpdate).order_by(col(CaseUpdate.id).desc())).first()
        assert update is not None
        assert update.text.startswith("Thanks, the technician came by.")
        assert "A technician comes tomorrow" not in update.text
        assert not any(line.startswith(">") for line in update.text.splitlines())
