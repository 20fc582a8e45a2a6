"""The layer rule of STYLE.md: storage imports neither inboxwatch nor tui; the domain never
imports textual. Checked on the source (every import statement) and at run time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
FORBIDDEN = {
    "storage": ("inboxwatch", "tui", "textual"),
    "inboxwatch": ("textual", "tui"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_forbidden_imports_in_source(package: str) -> None:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if package == "inboxwatch" and path.parts[-2:] == ("cli", "ui.py"):
            continue  # the one bridge that opens the TUI, imported lazily by the CLI
        for module in imported_modules(path):
            if module.split(".")[0] in FORBIDDEN[package]:
                bad.append(f"{path.relative_to(ROOT)} imports {module}")
    assert bad == []


def test_domain_runs_without_textual_loaded() -> None:
    code = (
        "import sys, inboxwatch.ingest, inboxwatch.route, inboxwatch.parse, storage.queries, "
        "inboxwatch.cli.messages\n"
        "assert 'textual' not in sys.modules, 'textual imported by the domain'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
