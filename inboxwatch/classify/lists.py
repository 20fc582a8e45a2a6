"""Mailing lists and solicited bulk mail: what a list header says, and whether to believe it.

A post to a mailing list (``List-Id``, ``List-Post``, ``Precedence: list``) is a person's
mail sent through a list: it is *not* auto-generated, so it keeps its category and gets a
notice like any other inbound message (``system.list_notices = false`` turns its notices
off). The explanation names the list.

A newsletter with ``List-Unsubscribe`` whose ``Authentication-Results`` show a DKIM signature
that verifies (or an SPF pass) for its own From domain is **solicited bulk**: someone signed
up for it. A junk verdict on it becomes ``marketing``, never ``spam``; phishing stays phishing,
and so does spam an upstream filter already called spam (the domain's own pass proves only
that the domain sent it; the upstream filter knows the sender's reputation).
"""

from __future__ import annotations

import re

from inboxwatch.parse import ParsedMessage

__all__ = ["aligned", "mailing_list", "solicited_bulk", "trusted_auth_results"]

_LIST_ID_RE = re.compile(r"<([^<>\s]{1,200})>")
_DKIM_PASS_RE = re.compile(r"\bdkim\s*=\s*pass\b[^;]*?\bheader\.[di]\s*=\s*@?([A-Za-z0-9.-]{1,253})",
                           re.IGNORECASE)
_SPF_PASS_RE = re.compile(r"\bspf\s*=\s*pass\b[^;]*?\bsmtp\.mailfrom\s*=\s*"
                          r"(?:[^@;\s]{0,64}@)?([A-Za-z0-9.-]{1,253})", re.IGNORECASE)


def mailing_list(parsed: ParsedMessage) -> str | None:
    """The list a message was posted to (its List-Id, else List-Post, else "a list" for
    ``Precedence: list``), or None."""
    list_id = (parsed.header("List-Id") or "")[:500]
    if list_id:
        found = _LIST_ID_RE.search(list_id)
        return found.group(1) if found else " ".join(list_id.split())[:200]
    post = (parsed.header("List-Post") or "")[:500]
    if post:
        return " ".join(post.split())[:200]
    if (parsed.header("Precedence") or "").strip().lower().startswith("list"):
        return "a list (Precedence: list)"
    return None


def aligned(domain: str, from_domain: str) -> bool:
    """Whether an authenticated ``domain`` speaks for ``from_domain`` (the same domain, or
    one inside the other: DMARC's relaxed alignment without a public-suffix list)."""
    a, b = domain.lower().strip("."), from_domain.lower().strip(".")
    if not a or not b or "." not in a:
        return False
    return a == b or b.endswith("." + a) or a.endswith("." + b)


def trusted_auth_results(parsed: ParsedMessage, trusted_ids: tuple[str, ...] = ()
                         ) -> tuple[list[tuple[str, str]], list[str]]:
    """(authserv-id, header) of the Authentication-Results to believe, and the authserv-ids
    of those not believed. RFC 8601 §5: believe only one's own boundary. Those are the ones
    whose authserv-id is configured (``system.trusted_authserv_ids``), or, with none
    configured, those with the authserv-id of the topmost header, which the last server on
    the way (ours) wrote; a header added before the mail reached us proves nothing."""
    headers = parsed.header_all("Authentication-Results")[:10]
    ids = [h.split(";", 1)[0].strip().lower()[:200] for h in headers]
    trusted = {i.lower() for i in trusted_ids} if trusted_ids else set(ids[:1])
    believed = [(i, h) for i, h in zip(ids, headers, strict=True) if i in trusted]
    return believed, list(dict.fromkeys(i for i in ids if i not in trusted))


def solicited_bulk(parsed: ParsedMessage, trusted_ids: tuple[str, ...] = ()) -> str | None:
    """Evidence that ``parsed`` is a newsletter its reader asked for, or None (only the
    Authentication-Results of :func:`trusted_auth_results` count)."""
    if not parsed.header_all("List-Unsubscribe"):
        return None
    from_domain = parsed.from_addr.email.rpartition("@")[2] if parsed.from_addr else ""
    if not from_domain:
        return None
    for _, value in trusted_auth_results(parsed, trusted_ids)[0][:5]:
        text = value[:4000]
        for how, pattern in (("DKIM", _DKIM_PASS_RE), ("SPF", _SPF_PASS_RE)):
            for domain in pattern.findall(text):
                if aligned(domain, from_domain):
                    return (f"List-Unsubscribe and a {how} pass for {domain.lower()}, the "
                            f"sender's domain: a newsletter its reader signed up for")
    return None
