"""The parsed message: what the rest of inboxwatch knows about one email, and the limits
that bound how much of a message is read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import datetime

__all__ = [
    "MAX_BODY_CHARS", "MAX_HEADER_CHARS", "MAX_HTML_CHARS", "MAX_MIME_DEPTH", "MAX_PARTS",
    "MAX_REFERENCES", "UNDECLARED_8BIT", "Address", "Link", "ParsedAttachment", "ParsedMessage",
]

MAX_MIME_DEPTH = 40
MAX_PARTS = 500
MAX_HTML_CHARS = 2_000_000
MAX_BODY_CHARS = 1_000_000
MAX_REFERENCES = 200
MAX_HEADER_CHARS = 20_000

# The defect of a text part that says it is 7-bit ASCII (charset us-ascii, or
# Content-Transfer-Encoding 7bit) and carries 8-bit bytes: RFC 2045 forbids it, and no
# mail program writes it.
UNDECLARED_8BIT = "8-bit text in a part declared 7-bit ASCII"


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox from an address header: display name and lower-cased address."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass(frozen=True, slots=True)
class Link:
    """An HTML link as a reader sees it (text) and where it really goes (href)."""

    text: str
    href: str


@dataclass(slots=True)
class ParsedAttachment:
    filename: str  # sanitised: safe to use as a file name anywhere
    original_filename: str  # decoded, unsanitised: for display through the sanitiser only
    content_type: str
    payload: bytes
    inline: bool
    content_id: str | None
    sha256: str = ""
    size: int = 0

    def __post_init__(self) -> None:
        self.size = len(self.payload)
        self.sha256 = hashlib.sha256(self.payload).hexdigest()


@dataclass(slots=True)
class ParsedMessage:
    """Everything the rest of inboxwatch needs to know about one email."""

    raw_sha256: str
    size: int
    message_id: str | None = None
    subject: str = ""
    from_addr: Address | None = None
    sender: Address | None = None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    return_path: str | None = None  # None: absent; "": the null reverse-path <>
    date: datetime | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "text/plain"
    text: str = ""
    html: str | None = None
    links: list[Link] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # content types of every MIME part
    # The field blocks of message/delivery-status parts (RFC 3464), field names lower-cased:
    # the per-message block first, then one per recipient.
    delivery_status: list[dict[str, str]] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    malformed: bool = False
    _index: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> list[object]:
        """Pickled (to and from parser workers) without the header index: it is derived,
        rebuilt on first use, and was most of the cost of unpickling a parsed message."""
        return [None if f.name == "_index" else getattr(self, f.name) for f in fields(self)]

    def __setstate__(self, state: list[object]) -> None:
        for f, value in zip(fields(self), state, strict=True):
            setattr(self, f.name, value)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        values = self.header_all(name)
        return values[0] if values else None

    def header_all(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        # Built once (the rule tables ask for dozens of headers): by parse_message along with
        # ``headers``, else here on first use (after unpickling).
        if self._index is None:
            index: dict[str, list[str]] = {}
            for k, v in self.headers:
                index.setdefault(k.lower(), []).append(v)
            self._index = index
        return list(self._index.get(name.lower(), ()))

    @property
    def recipients(self) -> list[Address]:
        return [*self.to, *self.cc]
