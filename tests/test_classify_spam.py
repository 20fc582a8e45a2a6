"""Spam / phishing / marketing scoring: every rule row, the verdicts, learning from
operators, and hostile input in bounded time."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from inboxwatch import classify
from inboxwatch.classify import SPAM_RULES, learn, score_message
from inboxwatch.classify import model as token_model
from inboxwatch.classify.guards import GuardedPattern
from inboxwatch.classify.lexicon import (
    ABUSED_LINK_HOSTS,
    ADVANCE_FEE_MARKS,
    CREDENTIAL_LURES,
    INCOME_PITCH_MARKS,
)
from inboxwatch.classify.model import TokenModel
from inboxwatch.classify.spam import (
    _CLICK_HERE_RE,
    _COIN_RE,
    _FONT_TAG_RES,
    _GUARANTEE_RE,
    _HIDDEN_HTML_RE,
    _INVISIBLE_RE,
    _MONEY_RE,
    _PARTNER_CONSENT_RE,
    _REMOVAL_RE,
    _URGENCY_RE,
    _WINDFALL_RE,
    MessageScan,
    SpamRule,
    _is_abused_host,
)
from inboxwatch.classify.verdict import (
    HAM_CUTOFF,
    SPAM_CUTOFF,
    SPAM_FULL,
    SPAM_THRESHOLD,
    UNSURE_POINTS,
    collect_evidence,
    content_points,
    verdict,
)
from inboxwatch.errors import UsageError
from inboxwatch.ingest import RawMail, ingest
from inboxwatch.parse import ParsedMessage, parse_message
from inboxwatch.route import RoutingContext, analyze, route_message
from inboxwatch_storage.tables import ClassifierFeedback, Message

FIXTURES = Path(__file__).parent / "data" / "classify"
EXAMPLES = Path(__file__).parents[1] / "examples" / "mail"
CLIENT_MAIL = Path(__file__).parent / "data" / "client_mail"
# The legitimate client mail among the examples (the rest: bounces, auto-replies, junk).
LEGITIMATE_EXAMPLES = (*range(1, 16), *range(32, 38), 39, 40, 41)
OWN = ("helpdesk.example.com",)


def _parsed(name: str) -> ParsedMessage:
    return parse_message((FIXTURES / f"{name}.eml").read_bytes())


@pytest.mark.parametrize("rule", SPAM_RULES, ids=lambda r: r.rule)
def test_every_spam_rule_fires_on_its_fixture(rule: SpamRule) -> None:
    evidence = collect_evidence(_parsed(f"spam_{rule.rule}"), OWN)
    fired = {h.rule: h for h in evidence.rule_hits}
    assert rule.rule in fired
    assert fired[rule.rule].score == rule.points
    assert fired[rule.rule].evidence


@pytest.mark.parametrize("rule", SPAM_RULES, ids=lambda r: r.rule)
def test_no_spam_rule_fires_on_plain_human_mail(rule: SpamRule) -> None:
    evidence = collect_evidence(_parsed("plain_human"), OWN)
    assert rule.rule not in [h.rule for h in evidence.rule_hits]


def test_every_spam_rule_has_a_fixture() -> None:
    assert [r.rule for r in SPAM_RULES if not (FIXTURES / f"spam_{r.rule}.eml").exists()] == []


@pytest.mark.parametrize(("date", "rule"), [
    ("Sat, 29 Jun 2002 22:02:47", "date_without_zone"),
    ("Fri, 23 Aug 2002 22:46:34 GMT+1", "date_without_zone"),
    ("Fri, 30 Aug 02 21:48:08 Eastern Daylight Time", "date_without_zone"),
    ("Sun, 25 Aug 2002 19:21:44 01800", "date_without_zone"),
    ("Wed, 25 Sep 2002 23:46:33 -1600", "bad_date"),  # an impossible zone
    ("the day after tomorrow", "bad_date"),  # not a date
    ("Mon, 03 Jun 2024 10:00:00 +0000", None),
    ("Mon, 03 Jun 2024 10:00:00 -0000", None),  # RFC 5322: the zone is not known
    ("Mon, 3 Jun 2024 10:00:00 +0200 (CEST)", None),
    ("3 Jun 2024 10:00:00 GMT", None),
    ("Thu, 9 Apr 2006 23:34:45 JST", None),  # named, as some real servers write
])
def test_a_date_needs_a_possible_time_zone(date: str, rule: str | None) -> None:
    raw = f"From: a@example.net\nSubject: hello\nDate: {date}\n\nhello\n".encode()
    found = {h.rule for h in collect_evidence(parse_message(raw)).rule_hits} & {
        "bad_date", "date_without_zone"}
    assert found == ({rule} if rule else set())


def _advance_fee_marks(text: str) -> list[str]:
    lowered = " ".join(text.lower().split())
    return [mark for mark, pattern in ADVANCE_FEE_MARKS if pattern.search(lowered)]


def test_advance_fee_needs_an_offer_to_the_reader() -> None:
    """A client asking about their own estate names its next of kin, the bank manager, a
    sum in millions and asks for discretion: four marks, and no share offered to anyone."""
    raw = (CLIENT_MAIL / "estate-next-of-kin.eml").read_bytes()
    parsed = parse_message(raw)
    assert len(_advance_fee_marks(parsed.text)) >= 4
    assert "advance_fee" not in {h.rule for h in collect_evidence(parsed, OWN).rule_hits}
    fraud = parse_message(raw.replace(b"would rather not be the executor",
                                      b"needs a foreign partner, who will receive 20% of the sum"))
    assert "advance_fee" in {h.rule for h in collect_evidence(fraud, OWN).rule_hits}


@pytest.mark.parametrize(("subject", "body", "fires"), [
    ("Bitcoin__Transfer__0.7495__BTC", "You are now rich 22271$ on your balance.", True),
    ("Payment", "Your BTC balance: 0.75. Your mining balance is ready to withdraw.", True),
    # a client of an exchange: a withdrawal and a balance are not a windfall
    ("Withdrawal missing", "My withdrawal of 0.5 BTC from my wallet has not arrived, and "
     "your balance page still shows it.", False),
    ("Invoice", "The invoice has been credited to your account.", False),  # no coin named
])
def test_a_crypto_windfall_told_to_the_reader(subject: str, body: str, fires: bool) -> None:
    raw = f"From: a@example.net\nSubject: {subject}\n\n{body}\n".encode()
    found = {h.rule for h in collect_evidence(parse_message(raw)).rule_hits}
    assert ("crypto_windfall" in found) == fires


@pytest.mark.parametrize(("body", "fires"), [
    ("Make money from home! No experience needed, be your own boss.", True),
    ("Last week I made $3500. Are you interested in making some extra money?", True),
    # a client's own life: one mark of the pitch, and no pitch
    ("I work from home on Mondays and the VPN drops every hour.", False),
    ("Our network marketing team cannot open the shared calendar since Friday.", False),
    ("Since the update I cannot make money transfers from the portal.", False),
])
def test_an_income_pitch_needs_two_of_its_marks(body: str, fires: bool) -> None:
    raw = f"From: a@example.net\nSubject: hello\n\n{body}\n".encode()
    found = {h.rule for h in collect_evidence(parse_message(raw)).rule_hits}
    assert ("income_pitch" in found) == fires


def test_phrases_are_found_across_line_breaks() -> None:
    raw = (b"From: a@example.net\nSubject: offer\n\nevery order comes with a money-back\n"
           b"guarantee.\n")
    assert "guarantee_pitch" in {h.rule for h in collect_evidence(parse_message(raw)).rule_hits}


@pytest.mark.parametrize(("name", "fires"), [
    ("TrustWallet", True), ("Trust Wallet", True), ("WellsFargo Alerts", True),
    ("Metamask_TeamSupport316122", True),  # words apart with "_"
    ("Acme Help Desk", True),  # a role in two words: the phisher's "IT Help Desk"
    ("Acme Helpdesk", False),  # a role in one word: many a real team's name
    ("Jane Wells", False),
])
def test_a_brand_is_found_with_or_without_its_space(name: str, fires: bool) -> None:
    raw = f"From: {name} <notice@mailer.example.net>\nSubject: hello\n\nhello\n".encode()
    found = {h.rule for h in collect_evidence(parse_message(raw)).rule_hits}
    assert ("brand_impersonation" in found) == fires


def test_human_mail_is_not_junk() -> None:
    for name in ("plain_human", "auto_submitted_no", "discussion_list"):
        result = score_message(_parsed(name), OWN)
        assert result.category is None, (name, result)
        assert result.score < SPAM_THRESHOLD


def test_content_points_bands() -> None:
    assert content_points(0.0) == -1.0
    assert content_points(HAM_CUTOFF) == 0.0
    unsure = [content_points(HAM_CUTOFF + i * (SPAM_CUTOFF - HAM_CUTOFF) / 50) for i in range(50)]
    assert unsure == sorted(unsure) and max(unsure) <= UNSURE_POINTS < SPAM_THRESHOLD
    assert content_points(SPAM_CUTOFF) == SPAM_THRESHOLD
    assert content_points(SPAM_FULL) == content_points(1.0) == 12.0
    assert content_points(1.0, clue_count=5) == 6.0  # few clues, less confidence


def test_unsure_content_needs_a_rule_to_be_junk() -> None:
    unsure = content_points(SPAM_CUTOFF - 0.01)
    assert unsure < SPAM_THRESHOLD <= unsure + 1.5


@pytest.mark.parametrize("number", LEGITIMATE_EXAMPLES)
def test_legitimate_example_mail_is_not_junk(number: int) -> None:
    """Today's help-desk words ("locked out", "password reset link expired", "access
    denied") read as half spam to a model trained on 2002 mail: unsure, never junk."""
    path = next(EXAMPLES.glob(f"{number:02d}-*.eml"))
    result = score_message(parse_message(path.read_bytes()), OWN)
    assert result.category not in ("spam", "phishing"), (path.name, result.hits)


@pytest.mark.parametrize("path", sorted(CLIENT_MAIL.glob("*.eml")), ids=lambda p: p.stem)
def test_client_questions_are_not_junk(path: Path) -> None:
    """Questions clients write to a help desk, written for this test and never trained on.
    Their register ("your invoice", "we would like", "best regards") is the corpora's spam's,
    not their ham's (mailing lists): a content model that learns the register calls them
    junk (bench/bench_linear_blend.py measures one that did, for 5 of the first 12; the
    Bayes model with its spam band from 0.6 called exclaim-urgent junk). The 58 more of
    tests/data/helpdesk_mail are a measure, not a guard: bench/bench_eval.py and
    test_eval.py count how many each held-out split calls junk."""
    result = score_message(parse_message(path.read_bytes()), OWN)
    assert result.category is None, (path.name, result.hits)


def test_removal_instructions_of_a_real_list_are_its_business() -> None:
    raw = (FIXTURES / "spam_removal_instructions.eml").read_bytes().replace(
        b"MIME-Version", b"List-Unsubscribe: <mailto:leave@lists.example.org>\r\nMIME-Version")
    rules = [h.rule for h in collect_evidence(parse_message(raw), OWN).rule_hits]
    assert "removal_instructions" not in rules


def test_html_with_a_plain_text_part_is_not_html_only() -> None:
    alternative = (
        b"From: Alice Example <alice@example.org>\r\nTo: support@helpdesk.example.com\r\n"
        b"Subject: Order\r\nDate: Mon, 03 Jun 2024 10:00:00 +0000\r\n"
        b"Message-ID: <alt@mail.example.org>\r\n"
        b"X-Mailer: Microsoft Outlook 16.0\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/alternative; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nWhen does my order ship?\r\n"
        b"--b\r\nContent-Type: text/html\r\n\r\n" + b"<font color=red>x</font>" * 20
        + b"\r\n--b--\r\n")
    rules = [h.rule for h in collect_evidence(parse_message(alternative), OWN).rule_hits]
    assert not {"html_shouts", "forged_outlook_html", "hidden_text"} & set(rules)


def test_bulk_mail_is_marketing_but_a_discussion_list_is_not() -> None:
    newsletter = score_message(_parsed("marketing_newsletter"), OWN)
    assert newsletter.category == "marketing"
    assert {"list_unsubscribe", "one_click_unsubscribe"} <= {h.rule for h in newsletter.hits}
    assert score_message(_parsed("discussion_list"), OWN).category is None


def test_phishing_combination_is_phishing_and_explained() -> None:
    raw = (FIXTURES / "spam_link_text_mismatch.eml").read_bytes().replace(
        b"MIME-Version",
        b"Authentication-Results: mx; spf=fail smtp.mailfrom=x; dmarc=fail header.from=x\r\n"
        b"MIME-Version")
    result = score_message(parse_message(raw), OWN)
    assert result.category == "phishing"
    rules = {h.rule for h in result.hits}
    assert {"link_text_mismatch", "dmarc_fail", "spf_fail", "content_classifier"} <= rules
    assert result.score == pytest.approx(sum(h.score for h in result.hits), abs=0.01)


def test_risky_attachment_with_spoofed_name_is_phishing() -> None:
    raw = (FIXTURES / "spam_double_extension.eml").read_bytes().replace(
        b"From: Alice Example <alice@example.org>",
        b'From: "helpdesk.example.com IT" <it@attacker.example.net>')
    assert score_message(parse_message(raw), OWN).category == "phishing"


def test_phishing_needs_attention_and_nothing_is_deleted(
        engine: Engine, routing: RoutingContext) -> None:
    raw = (FIXTURES / "spam_own_domain_spoof.eml").read_bytes().replace(
        b"MIME-Version", b"Authentication-Results: mx; dmarc=fail header.from=x\r\nMIME-Version")
    report = ingest(engine, routing, [RawMail(raw)], workers=1)
    with Session(engine) as session:
        message = session.get(Message, report.message_ids[0])
        assert message is not None
        assert (message.category, message.status, message.deleted_at) == \
            ("phishing", "needs_attention", None)
        assert message.spam_score >= SPAM_THRESHOLD
        rules = [h["rule"] for h in message.explanation]
        assert "own_domain_spoof" in rules and "direct_to_system" in rules


def test_upstream_spam_is_spam_with_awaiting_review(
        engine: Engine, routing: RoutingContext) -> None:
    raw = (FIXTURES / "spam_upstream_spam_flag.eml").read_bytes().replace(
        b"MIME-Version", b"X-Spam-Status: Yes, score=12\r\nMIME-Version")
    with Session(engine) as session:
        decision = route_message(session, analyze(raw, routing.settings), routing)
    assert (decision.category, decision.status) == ("spam", "awaiting_review")


# -- the fast paths find exactly what the plain searches found --------------------------

GUARDED = (*CREDENTIAL_LURES, _REMOVAL_RE, *_MONEY_RE.alternatives,
           *_URGENCY_RE.alternatives, _CLICK_HERE_RE, _INVISIBLE_RE, _HIDDEN_HTML_RE,
           *(pattern for _, pattern in ADVANCE_FEE_MARKS), _GUARANTEE_RE, _PARTNER_CONSENT_RE,
           _COIN_RE, _WINDFALL_RE, *(pattern for _, pattern in INCOME_PITCH_MARKS))


@pytest.mark.parametrize("guarded", [g for g in GUARDED if g.needles],
                         ids=lambda g: g.pattern[:30])
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_match_holds_one_of_the_needles(guarded: GuardedPattern,
                                              data: st.DataObject) -> None:
    """Text with none of the needles is not searched: no match may lack them all."""
    text = data.draw(st.from_regex(guarded.compiled, fullmatch=True))
    assert any(needle in text for needle in guarded.needles), text


# As first written; the rewrite makes every branch start with a literal character.
ORIGINAL_REMOVAL = re.compile(
    r"to be removed|remove (me|you|yourself|your (e-?mail|name|address))\b|"
    r"(be|get) (taken|deleted|removed) (off|from) (our|this|the|my) "
    r"((e-?)?mail(ing)?|distribution|contact)? ?(list|database)|"
    r"u(?<!\wu)nsubscribe\b|o(?<!\wo)pt[- ]?out\b|"
    r"(don't|do not|no) want to (hear from|receive)|no longer wish to receive|"
    r"reply with [\"']?remove")
ORIGINAL_URGENCY = re.compile(
    r"act now|order (now|today)|limited (time|offer)|don'?t (delay|wait|miss)|"
    r"guarantee(d)?\b|risk[- ]free|100% (free|satisfied|guaranteed)|while supplies last|"
    r"call (now|today|toll[- ]free)|once in a lifetime|no obligation|"
    r"(offer|this) expires|apply (now|today)|(free|cash) (grant|money|gift|bonus)")
ORIGINAL_MONEY = re.compile(
    r"[$€£]\s?\d[\d,]*(\.\d\d)?|\d(?<!\w\d)[\d,]*(\.\d\d)?\s?(dollars|usd|€|£)\b")
ORIGINAL_FONT_TAGS = re.compile(r"<\s*font\b|c(?<!\wc)olor\s*[=:]|b(?<!\wb)gcolor\s*=")


def _pieces(*patterns: re.Pattern[str]) -> st.SearchStrategy[str]:
    """Text made of matches of ``patterns`` glued to near-misses and noise."""
    noise = st.text(alphabet="abcdglnortu1$ '\"-=:<>\n\u00e9", max_size=6)
    words = st.sampled_from(["be ", "get ", "no ", "do not ", "don't ", "free ", "cash ",
                             "this ", "offer ", "un", "opt", "color", "bgcolor", "<font",
                             "< font", "xcolor:", "abgcolor=", "remove"])
    return st.lists(st.one_of(*(st.from_regex(p, fullmatch=True) for p in patterns),
                              noise, words), max_size=12).map("".join)


def _found(match: re.Match[str] | None) -> tuple[int, int] | None:
    return None if match is None else match.span()


@settings(max_examples=500, deadline=None)
@given(text=_pieces(ORIGINAL_REMOVAL, ORIGINAL_URGENCY))
def test_rewritten_removal_and_urgency_patterns_find_the_same(text: str) -> None:
    assert _found(_REMOVAL_RE.search(text)) == _found(ORIGINAL_REMOVAL.search(text))
    assert _found(_URGENCY_RE.search(text)) == _found(ORIGINAL_URGENCY.search(text))


@settings(max_examples=500, deadline=None)
@given(text=_pieces(ORIGINAL_MONEY))
def test_money_alternatives_searched_apart_find_the_same(text: str) -> None:
    assert _found(_MONEY_RE.search(text)) == _found(ORIGINAL_MONEY.search(text))


@settings(max_examples=500, deadline=None)
@given(text=_pieces(ORIGINAL_FONT_TAGS))
def test_font_markup_counted_by_kind_adds_up_to_one_alternation(text: str) -> None:
    assert sum(len(p.findall(text)) for p in _FONT_TAG_RES) == \
        len(ORIGINAL_FONT_TAGS.findall(text))


@pytest.mark.parametrize("host", [
    "bit.ly", "x.bit.ly", "a.b.bit.ly", "xbit.ly", "bit.ly.evil.example", "t.ly", "at.ly",
    "ly", ".bit.ly", "bit.ly.", "storage.googleapis.com", "googleapis.com",
    "x.firebasestorage.googleapis.com", "github.io", "user.github.io", "", ".",
])
def test_abused_host_lookup_matches_the_suffix_rule(host: str) -> None:
    expected = any(host == h or host.endswith("." + h) for h in ABUSED_LINK_HOSTS)
    assert _is_abused_host(host) == expected


@pytest.mark.parametrize(("subject", "text"), [
    ("ΟΔΥΣΣΕΥΣ", "ΣΑΣ"), ("Σ", "Σ"), ("ΑΣ", "\u0301Σ"), ("İSTANBUL", "İ"), ("", ""),
    ("Re: ΑΣ.", "'ΣΑ"), ("ǅ" * 3, "ẞ"),
])
def test_lower_cased_subject_and_body_joined_as_lower_casing_them_joined(
        subject: str, text: str) -> None:
    parsed = parse_message(b"From: a@example.org\r\n\r\nx\r\n")
    parsed.subject, parsed.text = subject, text
    assert MessageScan(parsed).with_subject(subject) == f"{subject}\n{text}".lower()


def test_lower_cased_text_is_the_scanned_message_s() -> None:
    parsed = _parsed("plain_human")
    assert "click_here" not in [h.rule for h in collect_evidence(parsed, OWN).rule_hits]
    parsed.text = "Please CLICK HERE to see the invoice."  # a new string: new views
    assert "click_here" in [h.rule for h in collect_evidence(parsed, OWN).rule_hits]
    other = _parsed("plain_human")
    assert "click_here" not in [h.rule for h in collect_evidence(other, OWN).rule_hits]


# As first written, case-insensitive: the rewrite spells the case out.
ORIGINAL_URL = re.compile(r"https?://([^/\s\"'<>?#:]{1,253})", re.IGNORECASE)


@pytest.mark.parametrize("text", [
    "see http://example.org/x", "HTTPS://Example.ORG", "hTtPs://a.b:80/", "httpſ://long-s.example",
    "httpK://x", "http\u212a://x", "ıttp://x", "xhttp://a https://b", "http:/x", "https//x",
    "http://" + "a" * 300, "http://İstanbul.example/", "Http://a\"b", "hTTp://[::1]/",
])
def test_url_hosts_are_found_case_insensitively_as_before(text: str) -> None:
    assert token_model._URL_RE.findall(text) == ORIGINAL_URL.findall(text)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.one_of(
    st.sampled_from(["http://", "HTTPS://", "hTtP://", "https:/", "Ex.Org", "a.B.c", "/", " ",
                     "\"", "?", ":", "#"]),
    st.text(alphabet=st.characters(max_codepoint=127), max_size=5)), max_size=12).map("".join))
def test_links_found_in_lower_cased_ascii_are_those_found_case_insensitively(text: str) -> None:
    lowered = text.lower()
    hosts = [text[m.start(1):m.end(1)] for m in token_model._LOWER_URL_RE.finditer(lowered)]
    assert hosts == ORIGINAL_URL.findall(text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_ascii_word_pattern_finds_the_words_of_the_unicode_one(text: str) -> None:
    assert token_model._ASCII_WORD_RE.findall(text) == token_model._WORD_RE.findall(text)


def test_remembered_word_features_do_not_change_the_tokens(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = ("Dear İstanbul office: invoice 4711 for 300€, id 0a1b2c3d4e5f, see you'll... "
            "Straße ΣΊΣΥΦΟΣ 東京都の天気は晴れです " + "x" * 40 + " a. b- --")
    cold = token_model._word_tokens(text, "s:")
    assert token_model._word_tokens(text, "s:") == cold  # now from what was remembered
    assert {"s:$money", "s:#num", "s:#junk", "s:straße", "s:you'll", "s:σίσυφος"} <= cold
    monkeypatch.setattr(token_model, "MAX_REMEMBERED_WORDS", 3)  # full at every call
    assert token_model._word_tokens(text, "s:") == cold
    assert token_model._word_tokens(text) == {t.removeprefix("s:") for t in cold}


def _reference_score(model: TokenModel, tokens: list[str]) -> tuple[float, object, int]:
    """:meth:`TokenModel.score` as first written, probability by probability."""
    clues = []
    for token in tokens:
        p = model.token_probability(token)
        if p is not None and abs(p - 0.5) >= token_model.MIN_STRENGTH:
            clues.append((abs(p - 0.5), token, p))
    clues.sort(reverse=True)
    chosen = clues[:token_model.MAX_CLUES]
    if not chosen:
        return 0.5, (), 0
    ln_spam = sum(math.log(max(1.0 - p, 1e-200)) for _, _, p in chosen)
    ln_ham = sum(math.log(max(p, 1e-200)) for _, _, p in chosen)
    n = len(chosen)
    spam = 1.0 - token_model._chi2_survival(-2.0 * ln_spam, 2 * n)
    ham = 1.0 - token_model._chi2_survival(-2.0 * ln_ham, 2 * n)
    words = sum(1 for _, t, _ in chosen if not t.startswith(("h:", "html:", "x:")))
    return (spam - ham + 1.0) / 2.0, tuple((t, round(p, 3)) for _, t, p in chosen[:8]), words


@settings(max_examples=200, deadline=None)
@given(counts=st.dictionaries(st.sampled_from("abcdefghij"),
                              st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=10),
       tokens=st.lists(st.sampled_from("abcdefghijk"), max_size=20))
def test_precomputed_clues_score_exactly_as_computed_per_token(
        counts: dict[str, tuple[int, int]], tokens: list[str]) -> None:
    model = TokenModel(40, 60, counts)
    score = model.score(tokens)  # a list: repeated tokens count as often as they occur
    assert (score.indicator, score.clues, score.clue_count) == _reference_score(model, tokens)


def test_the_shipped_model_scores_exactly_as_computed_per_token() -> None:
    model = classify.base_model()
    tokens = sorted(model.counts)[::37]
    score = model.score(frozenset(tokens))
    assert (score.indicator, score.clues, score.clue_count) == _reference_score(model, tokens)


# -- learning from operators -----------------------------------------------------------

LEARNED = (b"From: Offers <offers@deals-example.biz>\r\nTo: support@helpdesk.example.com\r\n"
           b"Subject: Quarterly zorbex membership {n}\r\nMessage-ID: <learn-{n}@deals>\r\n\r\n"
           b"Renew the zorbex platinum membership now and keep the quibbly loyalty points. "
           b"Zorbex platinum members get quibbly vouchers every quarter. {n}\r\n")


def _mail(n: int) -> bytes:
    return LEARNED.replace(b"{n}", str(n).encode())


def test_feedback_changes_the_score_of_a_similar_message(
        engine: Engine, routing: RoutingContext) -> None:
    report = ingest(engine, routing, [RawMail(_mail(i)) for i in range(3)], workers=1)
    similar = analyze(_mail(99), routing.settings)
    assert similar.spam_evidence is not None
    with Session(engine) as session:
        before = verdict(similar.spam_evidence, classify.current_model(session)).score
        for pk in report.message_ids:
            learn(session, pk, "spam")
        session.commit()
        after_model = classify.current_model(session)
        after = verdict(similar.spam_evidence, after_model).score
        assert after > before + 3, (before, after)
        assert after_model is classify.current_model(session)  # cached while unchanged
        # Routing uses the feedback: the similar message is now junk.
        decision = route_message(session, similar, routing)
        assert decision.category == "spam"
        assert decision.spam_score == after

        # "Not spam" on the same messages: the newest verdict counts.
        for pk in report.message_ids:
            learn(session, pk, "ham")
        session.commit()
        assert verdict(similar.spam_evidence, classify.current_model(session)).score < after
    assert classify.base_model().counts.get("zorbex") is None  # the shipped model is untouched


def test_learn_rejects_unknown_labels_and_messages(engine: Engine,
                                                   routing: RoutingContext) -> None:
    report = ingest(engine, routing, [RawMail(_mail(1))], workers=1)
    with Session(engine) as session:
        with pytest.raises(UsageError):
            learn(session, report.message_ids[0], "eggs")
        with pytest.raises(Exception, match="no message"):
            learn(session, 12345, "spam")
        row = learn(session, session.get(Message, report.message_ids[0]), "phishing")
        session.commit()
        assert session.get(ClassifierFeedback, row.id) is not None


# -- hostile input ---------------------------------------------------------------------

def _hostile() -> dict[str, bytes]:
    head = b"From: a@example.org\r\nTo: b@example.org\r\n"
    return {
        "broken_encodings": head + b"Subject: =?utf-8?B?////?= =?x-unknown?Q?=FF=FE?= \xff\xfe\r\n"
                            b"From: =?koi8-r?B?\xe9\xe9?= <x@\xff.example>\r\n\r\nbody \xff\r\n",
        "references_10000": head + b"Subject: re\r\nReferences: " + b" ".join(
            b"<id%d@example.org>" % i for i in range(10_000)) + b"\r\n\r\nhello\r\n",
        "subject_100kb": head + b"Subject: " + b"A" * 100_000 + b"\r\n\r\nhello\r\n",
        "html_nested_10000": head + b"Subject: deep\r\nContent-Type: text/html\r\n\r\n"
                             + b"<div>" * 10_000 + b"<a href='http://1.2.3.4/'>x</a>"
                             + b"</div>" * 10_000 + b"\r\n",
        # deeper than any layout: tree building would take minutes; read as plain text
        "html_nested_400000": head + b"Subject: deeper\r\nContent-Type: text/html\r\n\r\n"
                              + b"<div>" * 400_000 + b"\r\n",
        "long_words": head + b"Subject: x\r\n\r\n" + b"\xe3\x81\x82" * 50_000 + b"\r\n",
    }


@pytest.mark.parametrize("name", list(_hostile()))
def test_hostile_input_is_decided_in_bounded_time(
        name: str, engine: Engine, routing: RoutingContext) -> None:
    raw = _hostile()[name]
    started = time.perf_counter()
    analysis = analyze(raw, routing.settings)
    with Session(engine) as session:
        decision = route_message(session, analysis, routing)
    assert time.perf_counter() - started < 5.0
    assert decision.disposition == "inbound"
    assert decision.explanation  # decided and explained, or flagged malformed


def _linked(sender: str, text: str, href: str, *, newsletter: bool = False) -> ParsedMessage:
    unsubscribe = "List-Unsubscribe: <mailto:leave@news.example>\r\n" if newsletter else ""
    raw = (f"From: Sender <{sender}>\r\nTo: support@helpdesk.example.com\r\n"
           f"Subject: This week\r\nMessage-ID: <t@news.example>\r\n{unsubscribe}"
           "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           f'<p>Read more at <a href="{href}">{text}</a></p>\r\n').encode()
    return parse_message(raw)


@pytest.mark.parametrize(("sender", "href", "newsletter", "fires"), [
    # The sender's own click tracker: it counts the click, then sends the reader on.
    ("news@newsletter.online.example", "http://clickthru.online.example/c?u=1", False, False),
    # A bulk-mail service's tracker, in a newsletter.
    ("news@shop.example", "https://shop.us1.list-manage.com/track/click?u=1", True, False),
    # The same tracker in mail that is no newsletter: no excuse.
    ("news@shop.example", "https://shop.us1.list-manage.com/track/click?u=1", False, True),
    # Anyone else's host: the classic lure.
    ("security@bank.example", "http://login-verify.evil.example/x", True, True),
])
def test_click_tracking_is_not_a_deceptive_link(sender: str, href: str, newsletter: bool,
                                                fires: bool) -> None:
    parsed = _linked(sender, "www.readyhosting.example", href, newsletter=newsletter)
    rules = [h.rule for h in collect_evidence(parsed, OWN).rule_hits]
    assert ("link_text_mismatch" in rules) is fires
