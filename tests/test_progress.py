"""The import progress line: a count while reading, then total, percentage, rate and ETA."""

from __future__ import annotations

import io

from rich.console import Console

from inboxwatch.cli._progress import import_progress


def _render(total: int | None, done: int, seconds: float) -> str:
    clock = [0.0]
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160, color_system=None)
    progress = import_progress(console, get_time=lambda: clock[0])
    task = progress.add_task("parsing and routing", total=total)
    steps = 10
    for _ in range(steps):
        clock[0] += seconds / steps
        progress.advance(task, done / steps)
    console.print(progress.get_renderable())
    return out.getvalue()


def test_while_reading_the_count_grows_without_a_total() -> None:
    line = _render(None, 300, 2.0)
    assert "300/?" in line and "150 msg/s" in line


def test_once_read_the_total_rate_and_time_left_show() -> None:
    line = _render(1000, 250, 5.0)
    assert "250/1000" in line and "25%" in line
    assert "50 msg/s" in line
    assert "eta 0:00:15" in line  # 750 left at 50 a second
