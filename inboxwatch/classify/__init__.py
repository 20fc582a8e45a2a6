"""Classification of inbound mail: auto-generated mail, and spam / phishing / marketing.

Public surface:

* :func:`match_auto` and :data:`AUTO_RULES` — the bounce / auto-reply / loop rule table
  (routing step 3); :func:`bounced_message_ids` finds what a bounce reports on.
* :func:`score_message` — the spam verdict of a parsed message with the shipped model
  (routing step 6), and :func:`collect_evidence` / :func:`verdict`, its pure halves.
* :func:`learn` — record an operator's verdict (``spam``, ``phishing`` or ``ham``); the
  classifier takes it into account from then on (:func:`current_model`).

The shipped model (``model.json.gz``) is loaded lazily, once per process, so worker
processes pay for it only when they first classify. Operator feedback is layered on top of
it as extra token counts, rebuilt only when :func:`feedback_version` changes (or a day
passes).

**Lessons last.** A lesson keeps the message's tokens as they were taught, so a purge that
removes the message for good leaves the lesson (its ``message_pk`` becomes NULL). Lessons
have their own cap and decay: the newest :data:`LESSON_CAP` count, those older than
:data:`LESSON_MAX_AGE_DAYS` no longer do (spam campaigns change; a lesson from two years
ago mostly adds noise), and each keeps at most :data:`LESSON_TOKENS` tokens.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from inboxwatch.classify.lists import mailing_list, solicited_bulk
from inboxwatch.classify.model import MODEL_PATH, TokenModel, message_tokens
from inboxwatch.classify.rules import (
    AUTO_RULES,
    AutoMatch,
    AutoRule,
    bounced_message_ids,
    match_auto,
)
from inboxwatch.classify.spam import SPAM_RULES, UPSTREAM_VERDICTS
from inboxwatch.classify.verdict import SpamEvidence, SpamVerdict, collect_evidence, verdict
from inboxwatch.errors import NotFound, UsageError
from inboxwatch.parse import ParsedMessage, parse_message
from inboxwatch_storage.queries import get_blob
from inboxwatch_storage.tables import ClassifierFeedback, Message

__all__ = [
    "AUTO_RULES",
    "FEEDBACK_LABELS",
    "LESSON_CAP",
    "LESSON_MAX_AGE_DAYS",
    "LESSON_TOKENS",
    "SPAM_RULES",
    "UPSTREAM_VERDICTS",
    "AutoMatch",
    "AutoRule",
    "FeedbackVersion",
    "SpamEvidence",
    "SpamVerdict",
    "base_model",
    "bounced_message_ids",
    "collect_evidence",
    "current_model",
    "feedback_version",
    "learn",
    "mailing_list",
    "match_auto",
    "score_message",
    "solicited_bulk",
    "verdict",
]

FEEDBACK_LABELS = ("spam", "phishing", "ham")
LESSON_CAP = 5_000  # the newest lessons that count
LESSON_MAX_AGE_DAYS = 730  # older lessons no longer count
LESSON_TOKENS = 3_000  # tokens kept per lesson

_lock = threading.Lock()
_base: TokenModel | None = None
_with_feedback: tuple[tuple[str, FeedbackVersion], TokenModel] | None = None


@dataclass(frozen=True, slots=True)
class FeedbackVersion:
    """Cheap identity of the feedback table's content: row count and newest row id."""

    rows: int = 0
    newest: int = 0


def base_model() -> TokenModel:
    """The shipped model, loaded once per process."""
    global _base
    with _lock:
        if _base is None:
            _base = TokenModel.load(MODEL_PATH)
        return _base


def score_message(parsed: ParsedMessage, own_domains: tuple[str, ...] = (),
                  model: TokenModel | None = None) -> SpamVerdict:
    """The spam / phishing / marketing verdict of one message, with its evidence."""
    return verdict(collect_evidence(parsed, own_domains), model or base_model())


def feedback_version(session: Session) -> FeedbackVersion:
    rows, newest = session.exec(
        select(func.count(col(ClassifierFeedback.id)), func.max(col(ClassifierFeedback.id)))
    ).one()
    return FeedbackVersion(int(rows or 0), int(newest or 0))


def learn(session: Session, message: int | Message, label: str, *,
          actor_id: int | None = None) -> ClassifierFeedback:
    """Record an operator's verdict on a stored message (given as row or primary key);
    flushes, the caller commits.

    ``spam`` and ``phishing`` teach the classifier the message's tokens as junk, ``ham``
    ("not spam") as wanted mail. The newest verdict on a message is the one that counts.
    The tokens are kept with the lesson: it outlives the message.
    """
    if label not in FEEDBACK_LABELS:
        raise UsageError(f"unknown classifier label {label!r}: use one of "
                         f"{', '.join(FEEDBACK_LABELS)}")
    message_pk = message if isinstance(message, int) else message.id
    stored = session.get(Message, message_pk) if message_pk is not None else None
    if stored is None:
        raise NotFound(f"no message {message_pk}")
    raw = get_blob(session, stored.sha256)
    tokens = sorted(message_tokens(parse_message(raw)))[:LESSON_TOKENS] if raw else []
    row = ClassifierFeedback(message_pk=message_pk, label=label, actor_id=actor_id,
                             tokens=tokens)
    session.add(row)
    session.flush()
    return row


def current_model(session: Session) -> TokenModel:
    """The shipped model plus every operator verdict in the store (cached per version)."""
    global _with_feedback
    version = feedback_version(session)
    if version.rows == 0:
        return base_model()
    key = (f"{session.get_bind().engine.url} {_now():%Y-%m-%d}", version)
    with _lock:
        cached = _with_feedback
    if cached is not None and cached[0] == key:
        return cached[1]
    model = _feedback_model(session)
    with _lock:
        _with_feedback = (key, model)
    return model


def _now() -> datetime:
    return datetime.now(UTC)


def _feedback_model(session: Session) -> TokenModel:
    since = _now() - timedelta(days=LESSON_MAX_AGE_DAYS)
    # Newest first: the newest verdict on a message counts (a purged message's lessons each
    # count), and reading stops at the cap instead of loading every lesson ever taught.
    seen: set[object] = set()
    lessons: list[ClassifierFeedback] = []
    for row in session.exec(select(ClassifierFeedback)
                            .order_by(col(ClassifierFeedback.id).desc())):
        key = row.message_pk if row.message_pk is not None else ("purged", row.id)
        if key in seen:
            continue
        seen.add(key)
        lessons.append(row)
        if len(lessons) == LESSON_CAP:
            break
    extra = TokenModel()
    for row in reversed(lessons):
        at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        if at < since:
            continue
        tokens: list[str] | frozenset[str] = row.tokens
        if not tokens and row.message_pk is not None:  # taught before lessons kept tokens
            message = session.get(Message, row.message_pk)
            raw = get_blob(session, message.sha256) if message is not None else None
            if raw is None:
                continue
            tokens = message_tokens(parse_message(raw))
        if tokens:
            extra.learn(tokens, is_spam=row.label != "ham")
    return base_model().with_counts(extra.spam_docs, extra.ham_docs, extra.counts)
