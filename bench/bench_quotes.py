"""Quote and signature stripping: exact-new-text accuracy of the candidate libraries and of
inboxwatch's own ``reply_text`` on the labelled reply set (tests/reply_set.py), plus how
often a quoted line survives in replies from the corpora.

    python bench/bench_quotes.py            # every candidate, then inboxwatch
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "storage"), str(ROOT / "tui")]

from inboxwatch.parse import parse_message  # noqa: E402
from tests.reply_set import REPLIES  # noqa: E402

LANGUAGES = ["en", "de", "fr", "es", "nl"]


def normal(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def candidates() -> dict[str, Callable[[str, str | None], str]]:
    found: dict[str, Callable[[str, str | None], str]] = {}
    try:
        from email_reply_parser import EmailReplyParser as Zapier

        found["email-reply-parser"] = lambda text, html: Zapier.parse_reply(text)
    except ImportError:
        pass
    try:
        from mailparser_reply import EmailReplyParser

        parser = EmailReplyParser(languages=LANGUAGES)

        def mpr(text: str, html: str | None) -> str:
            replies = parser.read(text).replies
            return replies[0].body if replies else text

        found["mail-parser-reply"] = mpr
    except ImportError:
        pass
    try:
        import quotequail

        def qq(text: str, html: str | None) -> str:
            return "".join(part for new, part in quotequail.quote(text) if new)

        found["quotequail"] = qq
    except ImportError:
        pass
    from inboxwatch.quotes import reply_text

    found["inboxwatch reply_text"] = lambda text, html: reply_text(text, html).text
    return found


def main() -> None:
    parsed = [(r, parse_message(r.raw)) for r in REPLIES]
    print(f"labelled replies: {len(REPLIES)} "
          f"({sum(1 for _, p in parsed if p.html is not None)} with HTML)")
    for name, strip in candidates().items():
        start = time.perf_counter()
        exact, leaked, lost = 0, 0, 0
        misses: Counter[str] = Counter()
        for reply, p in parsed:
            got = normal(strip(p.text.replace("\r\n", "\n"), p.html))
            want = normal(reply.new_text)
            if got == want:
                exact += 1
            else:
                misses[reply.name.split("-")[0]] += 1
            leaked += reply.quoted in got
            lost += any(word not in got for word in want.split()[:3])
        ms = (time.perf_counter() - start) * 1000 / len(parsed)
        print(f"{name:24s} exact {exact}/{len(parsed)} ({100 * exact / len(parsed):.1f} %), "
              f"quote left in {leaked}, new text cut {lost}, {ms:.2f} ms/reply")
        if misses:
            print("    misses by style:", dict(sorted(misses.items())))


CORPUS = ROOT.parent / "shared" / "corpora" / "spamassassin" / "ham"
_ATTRIBUTION = re.compile(r"^.{0,200}\bwrote:\s*$", re.MULTILINE)


def corpus_replies(limit: int = 2500) -> None:
    """Real replies (mailing-list ham with an "... wrote:" line followed by "> " lines).

    Top-posted (new text above the attribution, nothing but quote below it): does the
    quote survive? Answers below or between quotes (bottom-posted or interleaved, the list
    style): is every unquoted line kept?"""
    from inboxwatch.quotes import reply_text

    if not CORPUS.is_dir():
        print(f"(corpus not found at {CORPUS}: real-reply figures skipped)")
        return
    top = top_left = below = below_kept = 0
    for path in sorted(CORPUS.iterdir())[:limit]:
        p = parse_message(path.read_bytes())
        text = p.text.replace("\r\n", "\n")
        found = _ATTRIBUTION.search(text)
        if found is None or "\n>" not in text[found.end():found.end() + 400]:
            continue
        new = reply_text(text).text
        after = re.split(r"(?m)^-- ?$", text[found.end():])[0]  # not the signature
        answer = [line.strip() for line in after.splitlines()
                  if line.strip() and not line.startswith(">")][:5]
        if text[:found.start()].strip() and not answer:
            top += 1
            lines = new.splitlines()
            top_left += any(_ATTRIBUTION.match(a) and b.startswith(">")
                            for a, b in zip(lines, lines[1:], strict=False))
        else:
            below += 1
            below_kept += all(line in new for line in answer)
    print(f"corpus replies (spamassassin ham, first {limit}): top-posted {top}, quote left "
          f"in {top_left}; answers below or between quotes {below}, all kept "
          f"in {below_kept}")


if __name__ == "__main__":
    main()
    corpus_replies()
