"""The layers of ARCHITECTURE.md, as import-linter contracts (``[tool.importlinter]`` in
pyproject.toml): the TUI over the domain over the store, the mail's path and the operator's
path one way, the domain and the store without Textual, no import cycles. Also checked at
run time: the domain's commands load no Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # runs inboxwatch or tools in other processes


ROOT = Path(__file__).parent.parent


def test_import_contracts_are_kept() -> None:
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys; from importlinter.cli import lint_imports; "
         "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_import_contracts_catch_a_store_importing_the_domain(tmp_path: Path) -> None:
    """The contracts are not vacuous: a copy of the tree whose store imports the domain
    breaks the layers contract."""
    import shutil

    copy = tmp_path / "tree"
    for name in ("inboxwatch", "storage", "tui"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    with (copy / "storage" / "inboxwatch_storage" / "activity.py").open("a") as f:
        f.write("\nimport inboxwatch.route  # noqa\n")
    result = subprocess.run(
        [sys.executable, "-c",
         "import sys; sys.path[:0] = ['.', 'storage', 'tui']; "
         "from importlinter.cli import lint_imports; "
         "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
        cwd=copy, capture_output=True, text=True)
    assert result.returncode != 0
    assert "The TUI over the domain over the store BROKEN" in result.stdout


def test_domain_runs_without_textual_loaded() -> None:
    code = (
        "import sys, inboxwatch.ingest, inboxwatch.route, inboxwatch.parse, "
        "inboxwatch_storage.queries, inboxwatch.cli.messages\n"
        "assert 'textual' not in sys.modules, 'textual imported by the domain'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
