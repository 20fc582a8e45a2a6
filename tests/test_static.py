"""The standards of the code base, checked with the tests: ruff clean, mypy clean (the
domain, the store and the TUI). Both run from this interpreter's environment, so they never
skip because a virtual environment's scripts are not on PATH."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # runs inboxwatch or tools in other processes


ROOT = Path(__file__).parent.parent


def test_ruff_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--quiet", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_clean_on_domain_storage_and_tui() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
