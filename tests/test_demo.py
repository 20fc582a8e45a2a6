"""`inboxwatch demo`: the embedded default works with no server and no config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inboxwatch.cli import main

EXAMPLES = Path(__file__).parent.parent / "examples" / "mail"


def test_demo_builds_its_own_store_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "demo", "--no-tui"]) == 0
    first = json.loads(capsys.readouterr().out)
    n = len(list(EXAMPLES.glob("*.eml")))
    # one mail is delivered twice (47/48-duplicate-*): one item, both copies kept raw
    assert first["import"]["stored"] == n - 1 and first["import"]["duplicates"] == 1
    assert first["db"].endswith("demo.db")
    categories = {m["category"] for m in first["messages"]}
    assert {"normal", "bounce", "auto_reply", "malformed"} <= categories
    assert main(["--json", "demo", "--no-tui"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["import"]["stored"] == 0


def test_demo_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--no-tui"]) == 0
    captured = capsys.readouterr()
    assert "demo store:" in captured.err
    assert "\x1b" not in captured.out
