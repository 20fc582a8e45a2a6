"""Message read models turned into rich :class:`~rich.text.Text`, never markup.

Every string that came from a message passes through :mod:`inboxwatch.sanitize` here, and
only here, before it reaches a widget: the widgets receive ``Text`` objects whose content is
literal, so a subject like ``Re: [/] invoice`` or ``[@click=app.quit]`` is shown as typed.
Pure functions, testable without running the app.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text

from inboxwatch.cases import CaseDetail
from inboxwatch.messages import MessageDetail, MessageHistory
from inboxwatch.parse import ParsedMessage
from inboxwatch.sanitize import clean, clean_line, shorten
from inboxwatch_storage.queries import MessageRow

__all__ = [
    "case_text",
    "history_text",
    "BODY_DISPLAY_LIMIT",
    "CATEGORY_BADGES",
    "RAW_DISPLAY_LIMIT",
    "STATUS_LABELS",
    "detail_text",
    "headers_text",
    "human_size",
    "raw_text",
    "row_cells",
]

# status -> (short label, style)
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "awaiting_review": ("Awaiting", "bold yellow"),
    "needs_attention": ("Attention", "bold red"),
    "closed": ("Closed", "green"),
}
# category -> (badge, style)
CATEGORY_BADGES: dict[str, tuple[str, str]] = {
    "normal": ("normal", "dim"),
    "malformed": ("MALFORMED", "bold magenta"),
    "bounce": ("bounce", "cyan"),
    "auto_reply": ("auto", "cyan"),
    "spam": ("SPAM", "bold red"),
    "phishing": ("PHISH", "bold white on red"),
    "marketing": ("mktg", "blue"),
}
REASON_LABELS: dict[str, str] = {
    "direct_to_system": "direct",
    "unknown_sender": "unknown",
    "not_on_case": "not on case",
    "unrelated_to_case": "unrelated",
    "malformed": "malformed",
    "auto_generated": "auto",
    "reply_to_answer": "answer reply",
    "": "-",
}
BODY_DISPLAY_LIMIT = 200_000  # characters of body shown; the rest is cut and said so
RAW_DISPLAY_LIMIT = 1_000_000  # bytes of raw source shown
SUBJECT_CELL = 70
SENDER_CELL = 32


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _when(ts: datetime, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    ts = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    if ts.date() == now.date():
        return ts.strftime("%H:%M")
    if ts.year == now.year:
        return ts.strftime("%d %b")
    return ts.strftime("%Y-%m-%d")


def row_cells(row: MessageRow, *, selected: bool = False, now: datetime | None = None,
              owner: str = "", cursor: bool = False) -> tuple[Text, ...]:
    """The cells of one list row: mark, status, category, reason, sender, owner, subject,
    when, attachments, case. The mark column says tagged (●) and cursor (▶) in a glyph,
    not only in colour, so both read on a monochrome terminal or under NO_COLOR."""
    label, style = STATUS_LABELS.get(row.status, (clean_line(row.status), ""))
    badge, badge_style = CATEGORY_BADGES.get(row.category, (clean_line(row.category), ""))
    sender = clean_line(row.from_name or row.from_addr, max_chars=200) or "(no sender)"
    subject = clean_line(row.subject, max_chars=500) or "(no subject)"
    if row.disposition == "case_update":
        label, style = "Update", "dim"
    return (
        Text("●" if selected else ("▶" if cursor else " "), style="bold cyan"),
        Text(label, style=style),
        Text(badge, style=badge_style),
        Text(REASON_LABELS.get(row.reason, clean_line(row.reason))),
        Text(shorten(sender, SENDER_CELL)),
        Text(clean_line(owner, max_chars=40)),
        Text(shorten(subject, SUBJECT_CELL)),
        Text(_when(row.received_at, now)),
        Text(str(row.attachments) if row.attachments else ""),
        Text(f"#{row.case_id}" if row.case_id else ""),
    )


def _field(out: Text, name: str, value: str, style: str = "") -> None:
    out.append(f"{name:>11}: ", style="bold")
    out.append(clean_line(value, max_chars=2000), style=style)
    out.append("\n")


def detail_text(detail: MessageDetail) -> Text:
    """The detail pane: warnings, summary headers, verdicts, explanation, links, attachments
    and the body as text (cut at :data:`BODY_DISPLAY_LIMIT`, saying so)."""
    out = Text()
    for warning in detail.warnings:
        out.append(f"⚠ {clean_line(warning)}\n", style="bold white on dark_red")
    if detail.category in ("phishing", "spam") or detail.reason == "unknown_sender":
        out.append("⚠ Do not open links or attachments from this message.\n",
                   style="bold white on dark_red")
    if detail.deleted:
        out.append("This message is deleted (restorable until purged).\n", style="bold yellow")
    for name, value in detail.summary_fields():
        _field(out, name, value)
    if detail.auth_results:
        verdicts = ", ".join(f"{clean_line(k)}={clean_line(v)}"
                             for k, v in sorted(detail.auth_results.items()))
        _field(out, "Auth", verdicts)
    else:
        _field(out, "Auth", "no SPF/DKIM/DMARC verdicts in the message")
    out.append("\nWhy it is here\n", style="bold underline")
    for hit in detail.explanation or []:
        score = f" ({hit.score:+.1f})" if hit.score else ""
        out.append(f"  {clean_line(hit.step)}/{clean_line(hit.rule)}{score}: ", style="bold")
        out.append(clean_line(hit.evidence, max_chars=500) + "\n")
    if not detail.explanation:
        out.append("  (no rule hits recorded)\n", style="dim")
    if detail.links:
        out.append(f"\nLinks ({len(detail.links)}) - targets, not opened\n",
                   style="bold underline")
        for link in detail.links[:200]:
            text = clean_line(link.get("text", ""), max_chars=120)
            href = clean_line(link.get("href", ""), max_chars=300)
            out.append(f"  {href}")
            if text and text != href:
                out.append(f"  (shown as: {text})", style="dim")
            out.append("\n")
        if len(detail.links) > 200:
            out.append(f"  … and {len(detail.links) - 200} more\n", style="dim")
    if detail.attachments:
        out.append(f"\nAttachments ({len(detail.attachments)}) - press a to save, never "
                   "opened\n", style="bold underline")
        for att in detail.attachments:
            out.append(f"  {clean_line(att.filename, max_chars=255)}", style="bold")
            shown = clean_line(att.original_filename, max_chars=255)
            if shown and shown != att.filename:
                out.append(f" (named {shown!r})", style="dim")
            out.append(f"  {clean_line(att.content_type)}  {human_size(att.size)}  "
                       f"sha256 {att.sha256}\n")
    out.append("\n")
    body = detail.body_text or ""
    if not body.strip():
        out.append("(no text body)\n", style="dim")
    else:
        shown_body = clean(body[:BODY_DISPLAY_LIMIT])
        out.append(shown_body)
        if len(body) > BODY_DISPLAY_LIMIT:
            out.append(f"\n\n[body cut: showing {BODY_DISPLAY_LIMIT:,} of {len(body):,} "
                       "characters; the full message is in the store]\n", style="bold yellow")
    return out


def headers_text(parsed: ParsedMessage) -> Text:
    """Every header of the raw message, one per line, sanitised and folded."""
    out = Text()
    for name, value in parsed.headers:
        out.append(f"{clean_line(name, max_chars=200)}: ", style="bold")
        out.append(clean_line(value, max_chars=5000) + "\n")
    if not parsed.headers:
        out.append("(no headers could be read)\n", style="dim")
    return out


def raw_text(raw: bytes) -> Text:
    """The raw source as text: decoded leniently, cut at :data:`RAW_DISPLAY_LIMIT`, sanitised."""
    shown = raw[:RAW_DISPLAY_LIMIT].decode("utf-8", "replace")
    out = Text(clean(shown))
    if len(raw) > RAW_DISPLAY_LIMIT:
        out.append(f"\n[raw source cut: showing {RAW_DISPLAY_LIMIT:,} of {len(raw):,} bytes]\n",
                   style="bold yellow")
    return out


def history_text(history: MessageHistory, staff: dict[int, str] | None = None) -> Text:
    """A message's history: how it was routed, every action on it, every email about it;
    ``staff`` (user id -> login) names owners."""
    out = Text()
    out.append("How it was routed\n", style="bold underline")
    for hit in history.explanation:
        out.append(f"  {clean_line(hit.step)}/{clean_line(hit.rule)}: ", style="bold")
        out.append(clean_line(hit.evidence, max_chars=500) + "\n")
    if not history.explanation:
        out.append("  (no explanation recorded)\n", style="dim")
    out.append("\nWhat people did\n", style="bold underline")
    for entry in history.audit:
        out.append(f"  {entry.at:%Y-%m-%d %H:%M}  {clean_line(entry.actor)}  ", style="bold")
        out.append(clean_line(entry.action.replace("_", " ")))
        def shown(key: str, value: object) -> object:
            if key == "owner" and isinstance(value, int):
                return (staff or {}).get(value, f"user {value}")
            return value

        changes = [f"{k} {shown(k, entry.before.get(k))} → {shown(k, entry.after.get(k))}"
                   for k in ("status", "category", "case_id", "deleted", "owner")
                   if k in entry.after and entry.before.get(k) != entry.after.get(k)]
        if changes:
            out.append(": " + clean_line("; ".join(changes)))
        if entry.detail:
            out.append(f" ({clean_line(entry.detail, max_chars=300)})", style="dim")
        out.append("\n")
    if not history.audit:
        out.append("  (nobody has acted on it yet)\n", style="dim")
    out.append("\nEmails about it\n", style="bold underline")
    for n in history.notices:
        when = f"sent {n.sent_at:%Y-%m-%d %H:%M}" if n.sent_at else n.status.upper()
        out.append(f"  {n.created_at:%Y-%m-%d %H:%M}  {clean_line(n.kind)} to "
                   f"{clean_line(', '.join(n.recipients), max_chars=300)}: {when}")
        if n.last_error:
            out.append(f" ({clean_line(n.last_error, max_chars=200)})", style="dim")
        out.append("\n")
    if not history.notices:
        out.append("  (none)\n", style="dim")
    return out


def case_text(detail: CaseDetail) -> Text:
    """A case: title, client, status, notes, files, participants, updates (oldest first)."""
    case = detail.case
    out = Text()
    out.append(f"Case #{case.number}: {clean_line(case.title)}\n", style="bold")
    client = f"{case.client_name} <{case.client_email}>" if case.client_email \
        else case.client_name
    _field(out, "Client", client)
    out.append("\n")
    _field(out, "Status", case.status)
    out.append("\n")
    _field(out, "Created", f"{case.created_at:%Y-%m-%d %H:%M}")
    out.append("\n")
    _field(out, "Participants", ", ".join(detail.participants) or "-")
    out.append("\n")
    _field(out, "Files", ", ".join(f"{f.name} ({human_size(f.size)})"
                                   for f in detail.files) or "-")
    out.append("\n\nNotes\n", style="bold underline")
    out.append(clean(case.notes, max_chars=20_000) or "(none)")
    out.append("\n")
    for u in detail.updates:
        out.append(f"\nUpdate {u.id}, {u.created_at:%Y-%m-%d %H:%M}, by "
                   f"{clean_line(u.author)}{' (emailed)' if u.emailed else ''}\n",
                   style="bold underline")
        out.append(clean(u.text, max_chars=20_000) + "\n")
    return out
