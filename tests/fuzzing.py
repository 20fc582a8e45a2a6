"""Mutations of real mail for the fuzzing harness (tests/test_fuzz.py, bench/fuzz.py).

Each mutator takes a message's bytes and a seeded :class:`random.Random` and returns new
bytes: the damage real mail and hostile senders do. Deterministic for a seed, so a failing
input can be made again from its (source, mutator, seed).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["MUTATORS", "mutate", "mutations", "seed_mail"]

Mutator = Callable[[bytes, random.Random], bytes]


def _split(raw: bytes) -> tuple[bytes, bytes, bytes]:
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, body = raw.partition(sep)
        if found:
            return head, sep, body
    return raw, b"\n\n", b""


def byte_flips(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 16)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def high_bytes_in_headers(raw: bytes, rng: random.Random) -> bytes:
    """8-bit bytes, invalid UTF-8 and surrogate encodings (\\xed\\xa0\\x80) in header values."""
    head, sep, body = _split(raw)
    lines = head.split(b"\n")
    junk = [b"\xd3", b"\xff\xfe", b"\xed\xa0\x80", b"\xc3", b"\x00", b"\xe9t\xe9", b"\x1b[8m"]
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(lines))
        at = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:at] + rng.choice(junk) + lines[i][at:]
    return b"\n".join(lines) + sep + body


def truncate(raw: bytes, rng: random.Random) -> bytes:
    return raw[:rng.randrange(len(raw) + 1)]


def header_flood(raw: bytes, rng: random.Random) -> bytes:
    n = rng.choice((1_000, 5_000, 20_000))
    flood = b"".join(b"X-Flood-%d: %s\r\n" % (i, b"v" * rng.randrange(200)) for i in range(n))
    return flood + raw


def deep_nesting(raw: bytes, rng: random.Random) -> bytes:
    depth = rng.choice((50, 200, 1_000))
    head, sep, body = _split(raw)
    out = body
    for level in range(depth):
        boundary = b"b%d" % level
        out = (b"Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n%s\r\n--%s--\r\n"
               % (boundary, boundary, out, boundary))
    return b"From: deep@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n" + out


def huge_part(raw: bytes, rng: random.Random) -> bytes:
    size = rng.choice((1 << 20, 4 << 20))
    blob = bytes(rng.randrange(256) for _ in range(1024)) * (size // 1024)
    import base64

    encoded = base64.encodebytes(blob)
    return (b"From: big@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n"
            b"Content-Type: text/plain\r\n\r\nsee attached\r\n--B\r\n"
            b"Content-Type: application/octet-stream; name=\"x.bin\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"\r\n--B--\r\n")


def bad_charsets(raw: bytes, rng: random.Random) -> bytes:
    charset = rng.choice((b"x-unknown", b"utf-7", b"utf-16", b"utf-32", b"iso-2022-jp",
                          b"\"\xff\"", b"cp1252'", b"", b"unicode-1-1-utf-7"))
    head, sep, body = _split(raw)
    head = head.replace(b"charset=", b"charset=" + charset + b";x=", 1) \
        if b"charset=" in head else head + b"\r\nContent-Type: text/plain; charset=" + charset
    subject = b"\r\nX-Extra: =?" + charset + b"?b?" + bytes(rng.randrange(256) for _ in
                                                            range(12)) + b"?="
    return head + subject + sep + body + bytes(rng.randrange(256) for _ in range(64))


def link_storm(raw: bytes, rng: random.Random) -> bytes:
    """An HTML body of ``<a href=`` repeated (what made link extraction super-linear)."""
    n = rng.choice((2_000, 8_000, 30_000))
    body = b"<html><body>" + b"<a href=" * n + b"</body></html>"
    return (b"From: links@example.com\r\nSubject: links\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/html; charset=utf-8\r\n\r\n" + body)


MUTATORS: dict[str, Mutator] = {
    "byte_flips": byte_flips, "high_bytes_in_headers": high_bytes_in_headers,
    "truncate": truncate, "header_flood": header_flood, "deep_nesting": deep_nesting,
    "huge_part": huge_part, "bad_charsets": bad_charsets, "link_storm": link_storm,
}
CHEAP = ("byte_flips", "high_bytes_in_headers", "truncate", "bad_charsets")


def mutate(raw: bytes, mutator: str, seed: int) -> bytes:
    return MUTATORS[mutator](raw, random.Random(seed))


def seed_mail(folders: list[Path], limit: int) -> list[tuple[str, bytes]]:
    """Up to ``limit`` messages (name, bytes) from ``folders``, spread over all of them."""
    files = sorted(p for folder in folders if folder.is_dir()
                   for p in folder.rglob("*") if p.is_file() and p.stat().st_size < 2 << 20
                   and not p.name.startswith(("LICENSE", "README", "MANIFEST")))
    step = max(1, len(files) // max(1, limit))
    return [(str(p), p.read_bytes()) for p in files[::step][:limit]]


def mutations(seeds: list[tuple[str, bytes]], count: int, *, mutators: tuple[str, ...],
              seed: int = 0) -> Iterator[tuple[str, str, int, bytes]]:
    """``count`` mutated messages: (source, mutator, seed, bytes)."""
    rng = random.Random(seed)
    for i in range(count):
        name, raw = seeds[i % len(seeds)]
        mutator = mutators[i % len(mutators)]
        s = rng.randrange(1 << 30)
        yield name, mutator, s, mutate(raw, mutator, s)
