"""Regular expressions guarded by literals: searched only when one of their literals is in
the text.

A pattern that does not start with a literal is tried by the regex engine at almost every
position of the text; ``in`` finds a literal many times faster, and most mail holds none of
them. :class:`GuardedPattern` skips the search when the text holds none of its needles (with
the answer the search would have given: no match); :class:`GuardedAlternation` does the same
alternative by alternative. What they find is what the plain pattern finds: the needles are
tested against the patterns in ``tests/test_classify_spam.py`` (every generated match holds
one), which is the equivalence test of this fast path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["GuardedAlternation", "GuardedPattern"]


@dataclass(frozen=True, slots=True)
class GuardedPattern:
    """A regular expression, and literals ("needles") at least one of which is part of
    every match it can make.

    A pattern that does not start with a literal is tried by the regex engine at almost
    every position of the text; ``in`` finds a literal many times faster, and most mail
    holds none of the needles. Then the search is skipped with the answer it would have
    given (no match); otherwise the pattern runs as written, so what it finds is unchanged.
    The needles are tested against the pattern (every generated match holds one) in
    ``tests/test_classify_spam.py``.
    """

    pattern: str
    needles: tuple[str, ...] = ()  # none: always searched
    compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        assert all(self.needles), f"{self.pattern}: an empty needle is in every text"
        object.__setattr__(self, "compiled", re.compile(self.pattern))

    def search(self, text: str) -> re.Match[str] | None:
        if not self.needles:
            return self.compiled.search(text)
        for needle in self.needles:
            if needle in text:
                return self.compiled.search(text)
        return None


@dataclass(frozen=True, slots=True)
class GuardedAlternation:
    """``a|b|...``, each alternative searched on its own: the same match, far faster when
    the alternatives share no first literal.

    Such an alternation is tried by the regex engine at every position where any
    alternative could start (for a dozen words, nearly every letter of the text); an
    alternative alone starts with a literal the engine skips ahead to, or is skipped by
    its needles. The alternation's match is the leftmost, and of those starting at one
    position the first alternative's: the earliest start of the separate searches, the
    earlier alternative on a tie.
    """

    alternatives: tuple[GuardedPattern, ...]

    def search(self, text: str) -> re.Match[str] | None:
        first: re.Match[str] | None = None
        for alternative in self.alternatives:
            found = alternative.search(text)
            if found is not None and (first is None or found.start() < first.start()):
                first = found
        return first
