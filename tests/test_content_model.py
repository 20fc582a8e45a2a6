"""What the content model reads (inboxwatch/classify/model.py) and how sure it may be."""

from __future__ import annotations

import pytest

from inboxwatch.classify.model import KNOWN_HAM_DOCS, TokenModel, message_tokens
from inboxwatch.classify.verdict import KNOWN_SHARE_FULL, SPAM_FULL, content_points
from inboxwatch.parse import parse_message

HTML_MAIL = (
    b"From: Shop <news@shop.example.com>\r\nTo: a@example.org\r\nSubject: offers\r\n"
    b"Message-ID: <1@shop.example.com>\r\nReply-To: <deals@elsewhere.example.net>\r\n"
    b"X-Mailer: Microsoft Outlook Express 6.00.2600.0000\r\nX-MSMail-Priority: Normal\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=windows-1252\r\n\r\n"
    b"<html><body bgcolor=red><table><tr><td><font size=5>Sale</font>"
    b"<img src=http://shop.example.com/a.png><a href=http://shop.example.com/>go</a>"
    b"<span style='display: none'>hidden words</span><form action=x></form>"
    b"</td></tr></table></body></html>\r\n")


def test_headers_and_html_give_tokens_of_how_the_mail_hangs_together() -> None:
    tokens = message_tokens(parse_message(HTML_MAIL))
    assert {"h:msgid_sender_domain", "h:reply_to_elsewhere", "html:tag:form",
            "html:hidden"} <= tokens
    # What dates the corpora rather than junk is no token: the mail program, charset, MIME
    # type, tables, fonts, images and links (in 2002 wanted mail was seldom HTML).
    assert {t for t in tokens if t.startswith("h:")} == {"h:msgid_sender_domain",
                                                          "h:reply_to_elsewhere"}
    assert {t for t in tokens if t.startswith("html:")} == {"html:tag:form", "html:hidden"}
    plain = message_tokens(parse_message(
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nhello there\r\n"))
    assert not {t for t in plain if t.startswith(("h:", "html:"))}  # no Message-ID, no HTML


def _model() -> TokenModel:
    model = TokenModel()
    for _ in range(20):
        model.learn({"free", "money", "gratuit", "argent", "html:tag:form"}, is_spam=True)
        model.learn({"meeting", "printer", "money"}, is_spam=False)
    return model


def test_confidence_comes_from_words_known_in_ham() -> None:
    model = _model()
    english = model.score({"free", "money", "meeting", "html:tag:form"})
    assert english.known_share == 2 / 3  # meeting, money known from ham; free not
    assert {t for t, _ in english.clues} == {"free", "meeting", "html:tag:form"}
    assert english.clue_count == 2  # words only: a form is structure
    french = model.score({"gratuit", "argent", "bonjour", "imprimante", "html:tag:form"})
    assert french.known_share == 0.0
    assert content_points(SPAM_FULL, 20, 1.0) == 12.0
    # half the share: (1/2) ** 1.5 of the points
    assert content_points(SPAM_FULL, 20, KNOWN_SHARE_FULL / 2) == pytest.approx(12.0 * 0.5 ** 1.5)
    assert content_points(SPAM_FULL, 20, 0.0) == 0.0  # nothing it knows: no say for junk
    assert content_points(0.0, 20, 0.0) == -1.0  # ham evidence is never damped


def test_a_word_one_or_two_wanted_mails_held_is_not_yet_known() -> None:
    """A language the ham holds in one or two mails (a single writer) is still foreign."""
    model = _model()
    for n in range(1, KNOWN_HAM_DOCS + 1):
        model.learn({"voor", "geen"} if n < KNOWN_HAM_DOCS else {"voor"}, is_spam=False)
    dutch = model.score({"voor", "geen", "meeting"})
    assert dutch.known_share == 2 / 3  # voor (3 ham) and meeting; geen (2 ham) not
