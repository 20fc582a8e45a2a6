"""A labelled set of client replies: the raw email, and the new text a case update should hold.

Each reply is built the way a real mail client writes one: Gmail, Outlook (desktop and web,
in English and German), Apple Mail and iOS, Thunderbird, in English, German, French,
Spanish and Dutch, as plain text and as HTML, with and without ``-- `` signatures and "Sent
from my iPhone" lines. The new text is written here, so the label is exact by construction:
everything above the quote, less the signature. Used by ``tests/test_quotes.py`` and
``bench/bench_quotes.py`` (exact-new-text accuracy).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

__all__ = ["REPLIES", "LabelledReply"]


@dataclass(frozen=True, slots=True)
class LabelledReply:
    name: str
    raw: bytes
    new_text: str  # what the case update should say
    quoted: str  # a line of the quote: never in the case update


NEW_TEXTS: tuple[tuple[str, str], ...] = (
    ("en", "Thanks, the printer works again."),
    ("en", "Hi,\n\nI tried the new driver but the scanner still fails with error E-204.\n"
           "It happens only on the second floor.\n\nCould you send someone tomorrow?"),
    ("en", "Yes, Thursday at 10:00 suits us. Please ask for Maria at the front desk."),
    ("en", "The VPN drops again since this morning. I attached nothing new; the log is\n"
           "the same as before.\n\nRegards,\nKim"),
    ("en", "Quick question: does the quota increase also apply to the shared drive\n"
           "of the accounting team, or only to mine?"),
    ("de", "Danke, das Problem ist behoben. Der Drucker läuft wieder."),
    ("de", "Hallo,\n\nleider funktioniert der Zugang immer noch nicht. Ich bekomme die\n"
           "Meldung \"Konto gesperrt\".\n\nViele Grüße\nKatrin"),
    ("fr", "Bonjour,\n\nmerci pour votre aide, tout fonctionne maintenant.\n\nCordialement"),
    ("es", "Hola, el portátil sigue sin conectarse a la red Wi-Fi de la oficina."),
    ("nl", "Bedankt, het werkt weer. Jullie mogen het ticket sluiten."),
    ("en", "Please see my answers below the line? No - I will answer here: the\n"
           "monitor arm arrived, but the screws are missing."),
    ("en", "It worked after the restart.\nFrom now on I will restart first, promise."),
)

QUOTED = ("We are looking into the printer on the 2nd floor and will get back to you.\n\n"
          "-- \nThis is an update to case #3. Reply to this email to add to the case.")
SUBJECT = "[Case #3] Printer offline on 2nd floor"
DESK = "Help Desk <updates+101k1x0a9a11d94df3c70a5c2b@helpdesk.example.com>"
DESK_HTML = html.escape(DESK)

SIGNATURES = ("", "\n\n-- \nKim Lee\nClient One Ltd. | +44 20 7946 0000")
MOBILE = ("", "\n\nSent from my iPhone")


def _quote_lines(text: str, prefix: str = "> ") -> str:
    return "\n".join(prefix + line if line else prefix.rstrip() for line in text.splitlines())


# Plain-text styles: (name, language or "*", build(new text with signature) -> body)
PlainStyle = tuple[str, str, Callable[[str], str]]
PLAIN_STYLES: tuple[PlainStyle, ...] = (
    ("gmail", "*", lambda t: f"{t}\n\nOn Tue, Dec 1, 2026 at 9:30 AM {DESK} wrote:\n\n"
                             f"{_quote_lines(QUOTED)}\n"),
    ("gmail_wrapped", "*", lambda t: f"{t}\n\nOn Tue, Dec 1, 2026 at 9:30 AM Help Desk <\n"
                                     "updates+101k1x0a9a11d94df3c70a5c2b@helpdesk.example.com"
                                     f"> wrote:\n\n{_quote_lines(QUOTED)}\n"),
    ("outlook", "*", lambda t: f"{t}\n\n________________________________\nFrom: {DESK}\n"
                               "Sent: Tuesday, December 1, 2026 9:30 AM\n"
                               "To: Kim Lee <kim@client-one.example.com>\n"
                               f"Subject: {SUBJECT}\n\n{QUOTED}\n"),
    ("outlook_original", "*", lambda t: f"{t}\n\n-----Original Message-----\nFrom: {DESK}\n"
                                        "Sent: Tuesday, December 01, 2026 9:30 AM\n"
                                        "To: kim@client-one.example.com\n"
                                        f"Subject: {SUBJECT}\n\n{QUOTED}\n"),
    ("outlook_de", "de", lambda t: f"{t}\n\nVon: {DESK}\n"
                                   "Gesendet: Dienstag, 1. Dezember 2026 09:30\n"
                                   "An: Katrin Bäcker <k.baecker@kunde-de.example.org>\n"
                                   f"Betreff: {SUBJECT}\n\n{QUOTED}\n"),
    ("apple", "*", lambda t: f"{t}\n\n> On 1 Dec 2026, at 09:30, {DESK} wrote:\n> \n"
                             f"{_quote_lines(QUOTED)}\n"),
    ("thunderbird", "*", lambda t: f"{t}\n\nOn 01/12/2026 09:30, Help Desk wrote:\n"
                                   f"{_quote_lines(QUOTED)}\n"),
    ("gmail_de", "de", lambda t: f"{t}\n\nAm Di., 1. Dez. 2026 um 09:30 Uhr schrieb {DESK}:\n\n"
                                 f"{_quote_lines(QUOTED)}\n"),
    ("gmail_fr", "fr", lambda t: f"{t}\n\nLe mar. 1 déc. 2026 à 09:30, {DESK} a écrit :\n\n"
                                 f"{_quote_lines(QUOTED)}\n"),
    ("gmail_es", "es", lambda t: f"{t}\n\nEl mar, 1 dic 2026 a las 9:30, Help Desk (<"
                                 "updates+101k1x0a9a11d94df3c70a5c2b@helpdesk.example.com>) "
                                 f"escribió:\n\n{_quote_lines(QUOTED)}\n"),
    ("gmail_nl", "nl", lambda t: f"{t}\n\nOp di 1 dec. 2026 om 09:30 schreef {DESK}:\n\n"
                                 f"{_quote_lines(QUOTED)}\n"),
    ("no_quote", "*", lambda t: f"{t}\n"),
)

# HTML styles: build(new text as HTML) -> the HTML body
HtmlStyle = tuple[str, Callable[[str], str]]
_Q_HTML = html.escape(QUOTED).replace("\n", "<br>\n")
HTML_STYLES: tuple[HtmlStyle, ...] = (
    ("gmail_html", lambda t: f'<div dir="ltr">{t}</div><br><div class="gmail_quote">'
                             '<div dir="ltr" class="gmail_attr">On Tue, Dec 1, 2026 at 9:30 AM '
                             f'{DESK_HTML} wrote:<br></div><blockquote class="gmail_quote" '
                             'style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
                             f'rgb(204,204,204);padding-left:1ex">{_Q_HTML}</blockquote></div>'),
    ("outlook_html", lambda t: f'<div>{t}</div><hr style="display:inline-block;width:98%" '
                               'tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font '
                               f'face="Calibri"><b>From:</b> {DESK_HTML}<br><b>Sent:</b> '
                               'Tuesday, December 1, 2026 9:30 AM<br><b>To:</b> Kim Lee<br>'
                               f'<b>Subject:</b> {SUBJECT}</font><div>&nbsp;</div></div>'
                               f'<div>{_Q_HTML}</div>'),
    ("apple_html", lambda t: f'<div>{t}</div><div><br><blockquote type="cite"><div>On 1 Dec '
                             f'2026, at 09:30, {DESK_HTML} wrote:</div><br><div>{_Q_HTML}'
                             '</div></blockquote></div>'),
    ("thunderbird_html", lambda t: f'<p>{t}</p><div class="moz-cite-prefix">On 01/12/2026 '
                                   '09:30, Help Desk wrote:<br></div><blockquote type="cite" '
                                   f'cite="mid:x@helpdesk.example.com">{_Q_HTML}</blockquote>'),
)


def _email(name: str, body_text: str | None, body_html: str | None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Kim Lee <kim@client-one.example.com>"
    msg["To"] = DESK
    msg["Subject"] = f"Re: {SUBJECT}"
    msg["Message-ID"] = f"<reply-{name}@client-one.example.com>"
    msg["In-Reply-To"] = "<case-update-101.20261123T101830@helpdesk.example.com>"
    msg["Date"] = "Tue, 01 Dec 2026 10:15:00 +0000"
    if body_html is None:
        msg.set_content(body_text or "")
    else:
        msg.set_content(body_text or "")
        msg.add_alternative(f"<html><body>{body_html}</body></html>", subtype="html")
    return msg.as_bytes(policy=SMTP)


def _html_only(name: str, body_html: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Kim Lee <kim@client-one.example.com>"
    msg["To"] = DESK
    msg["Subject"] = f"Re: {SUBJECT}"
    msg["Message-ID"] = f"<reply-{name}@client-one.example.com>"
    msg["Date"] = "Tue, 01 Dec 2026 10:15:00 +0000"
    msg.set_content(f"<html><body>{body_html}</body></html>", subtype="html")
    return msg.as_bytes(policy=SMTP)


def _build() -> list[LabelledReply]:
    out: list[LabelledReply] = []
    quoted_line = "We are looking into the printer on the 2nd floor"
    for s_index, (style, language, build) in enumerate(PLAIN_STYLES):
        for t_index, (text_language, text) in enumerate(NEW_TEXTS):
            if language != "*" and language != text_language:
                continue
            signature = SIGNATURES[(s_index + t_index) % 2]
            mobile = MOBILE[1] if style == "apple" and not signature else ""
            name = f"{style}-{t_index}"
            body = build(text + signature + mobile)
            out.append(LabelledReply(name, _email(name, body, None), text, quoted_line))
    for s_index, (style, build_html) in enumerate(HTML_STYLES):
        for t_index, (_, text) in enumerate(NEW_TEXTS):
            if (s_index + t_index) % 2:
                continue  # every other text per HTML style
            as_html = html.escape(text).replace("\n", "<br>\n")
            name = f"{style}-{t_index}"
            plain = PLAIN_STYLES[0][2](text)  # the text part a client sends beside the HTML
            raw = _html_only(name, build_html(as_html)) if t_index % 2 else \
                _email(name, plain, build_html(as_html))
            out.append(LabelledReply(name, raw, text, quoted_line))
    return out


REPLIES: tuple[LabelledReply, ...] = tuple(_build())
