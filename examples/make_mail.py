"""Write the demo messages in ``examples/mail/``.

The messages are hand-written below as templates; this script only fills in what is tedious
to write by hand (base64 attachments, RFC 2047 encoded words, RFC 2231 parameters, charsets)
and writes the files byte for byte the same on every run (no clock, no randomness, no
compression-library dependence), so ``tests/test_examples.py`` can check the committed files
against it.

    python examples/make_mail.py            # rewrite examples/mail/
    python examples/make_mail.py OUTDIR     # write somewhere else

All names, addresses and hosts are under example.com / example.org / example.net, and all
IP addresses are from the documentation ranges (RFC 5737 / RFC 3849). The attachments are
tiny, valid-looking but harmless files: the ``.exe`` is a DOS stub that does nothing and
the ``.docm`` contains no macro.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The tools and the messages are modules beside this script (examples/ is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parent))

import mail_automated  # noqa: F401  (importing a module registers its messages)
import mail_clients  # noqa: F401
import mail_odd  # noqa: F401
import mail_replies  # noqa: F401
import mail_team  # noqa: F401
from mailkit import MAIL

# --------------------------------------------------------------------------- main


def build() -> dict[str, bytes]:
    """File name -> exact bytes of every demo message."""
    out = {m.name: m.render() for m in MAIL}
    assert len(out) == len(MAIL), "duplicate file name"
    return out


def main(argv: list[str]) -> int:
    outdir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent / "mail"
    outdir.mkdir(parents=True, exist_ok=True)
    for name, data in build().items():
        (outdir / name).write_bytes(data)
    print(f"wrote {len(MAIL)} messages to {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
