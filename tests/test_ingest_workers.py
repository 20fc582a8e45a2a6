"""The parser worker processes never outlive the process that owns them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def test_workers_die_with_a_killed_importer(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    body = "word " * 4000
    for i in range(3000):
        (mail / f"{i}.eml").write_text(
            f"From: a{i}@example.com\nSubject: message {i}\nMessage-ID: <{i}@example.com>\n\n"
            f"{body}\n")
    code = "import sys; from inboxwatch.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "--db", f"sqlite:///{tmp_path / 's.db'}", "import",
         str(mail), "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = [c for c in _children(proc.pid)
                   if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
    assert proc.poll() is None, "the import ended before its workers could be observed"
    assert len(workers) >= 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{w}") for w in workers):
        time.sleep(0.2)
    assert not [w for w in workers if os.path.exists(f"/proc/{w}")]
