"""The progress display of long commands (``import``): counts, a bar, rate and time left.

While mail is still being read its total is unknown: the bar pulses and the count grows.
Once reading is done the total is set, and the bar, the percentage, the rate and the time
left (from rich's moving average of the rate) all show.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

__all__ = ["RateColumn", "import_progress"]


class RateColumn(ProgressColumn):
    """Items per second, e.g. ``850 msg/s``."""

    def __init__(self, unit: str = "msg") -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None:
            return Text(f"- {self.unit}/s", style="progress.data.speed")
        shown = f"{speed:,.0f}" if speed >= 10 else f"{speed:.1f}"
        return Text(f"{shown} {self.unit}/s", style="progress.data.speed")


def import_progress(console: Console, *, get_time: Callable[[], float] | None = None,
                    ) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TaskProgressColumn(), RateColumn(), TimeElapsedColumn(),
                    TextColumn("eta"), TimeRemainingColumn(), console=console,
                    transient=True, get_time=get_time)
