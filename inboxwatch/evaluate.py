"""``inboxwatch eval``: how the real pipeline sorts labelled mail.

Every file under the given folders is ingested — capture, parse, rule tables, classifier,
routing, store — into a throw-away SQLite store, exactly as ``import`` would, and the
category each message ends up with is counted against its label. The label is the folder
the file is in, relative to the folder given (``spamassassin/ham`` when
``corpora/`` is given, ``ham`` when ``corpora/spamassassin/ham`` is), or the one forced with
``--label``.

With ``held_out=True``, the messages the content classifier was trained on are left out,
recognised by their bytes (the model lists them: :attr:`TokenModel.trained`), not by file or
folder names, so the figures are on mail the model has never seen and a folder of your own
that happens to be called ``spam`` is counted whole. How many were left out, by label, is
part of the report.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from inboxwatch.classify import base_model
from inboxwatch.classify.model import training_key
from inboxwatch.errors import UsageError
from inboxwatch.ingest import RawMail, ingest
from inboxwatch.route import RoutingContext
from inboxwatch.sources import Skipped, iter_mail
from inboxwatch_storage import open_engine
from inboxwatch_storage.tables import CATEGORY_VALUES, Message

__all__ = ["EvalReport", "LabelRow", "evaluate", "label_files"]

JUNK = ("spam", "phishing")
AUTO_GENERATED = ("bounce", "auto_reply")
NOT_MAIL_PREFIXES = ("LICENSE", "README", "MANIFEST")  # corpus paperwork, not messages


@dataclass(slots=True)
class LabelRow:
    """One row of the confusion matrix: a label and the categories its messages got."""

    label: str
    categories: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.categories.values())

    def share(self, categories: tuple[str, ...]) -> float:
        return sum(self.categories[c] for c in categories) / self.total if self.total else 0.0

    def to_json(self) -> dict[str, object]:
        return {"label": self.label, "total": self.total,
                "categories": {c: self.categories[c] for c in CATEGORY_VALUES},
                "junk_share": round(self.share(JUNK), 4),
                "auto_generated_share": round(self.share(AUTO_GENERATED), 4)}


@dataclass(slots=True)
class EvalReport:
    rows: list[LabelRow]
    held_out: bool
    skipped: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    left_out: Counter[str] = field(default_factory=Counter)  # trained-on messages, by label

    @property
    def categories(self) -> tuple[str, ...]:
        return CATEGORY_VALUES

    def row(self, label: str) -> LabelRow | None:
        return next((r for r in self.rows if r.label == label), None)

    def to_json(self) -> dict[str, object]:
        return {"held_out": self.held_out, "categories": list(CATEGORY_VALUES),
                "rows": [r.to_json() for r in self.rows], "skipped": self.skipped,
                "statuses": dict(self.statuses), "left_out": dict(self.left_out)}


def label_files(paths: list[Path], *, label: str | None = None, held_out: bool = False,
                left_out: Counter[str] | None = None
                ) -> Iterator[tuple[str, RawMail] | Skipped]:
    """Each message under ``paths`` with its label (see the module docstring); with
    ``held_out``, the model's training messages are counted in ``left_out`` instead."""
    trained = base_model().trained if held_out else frozenset()
    if held_out and not trained:
        raise UsageError("--held-out: the classifier model does not list the messages it "
                         "was trained on (retrain it with bench/train_classifier.py)")
    for root in paths:
        for item in iter_mail([root]):
            if isinstance(item, Skipped):
                yield item
                continue
            origin = Path((item.origin or "").split("#", 1)[0])
            if origin.name.startswith(NOT_MAIL_PREFIXES) or origin.suffix == ".md":
                continue
            if label is not None:
                item_label = label
            elif root.is_dir():
                parent = origin.parent.relative_to(root).as_posix()
                item_label = root.name if parent == "." else parent
            else:
                item_label = origin.parent.name
            if trained and training_key(item.raw) in trained:
                if left_out is not None:
                    left_out[item_label] += 1
                continue
            yield item_label, item


def evaluate(paths: list[Path], ctx: RoutingContext, *, label: str | None = None,
             held_out: bool = False, workers: int | None = None) -> EvalReport:
    """Run the pipeline over ``paths`` in a temporary store and count categories by label."""
    labels_by_sha: dict[str, list[str]] = {}
    mails: list[RawMail] = []
    skipped: list[str] = []
    left_out: Counter[str] = Counter()
    for entry in label_files(paths, label=label, held_out=held_out, left_out=left_out):
        if isinstance(entry, Skipped):
            skipped.append(f"{entry.path}: {entry.why}")
            continue
        item_label, mail = entry
        sha = hashlib.sha256(mail.raw).hexdigest()
        labels_by_sha.setdefault(sha, []).append(item_label)
        mails.append(mail)
    rows: dict[str, LabelRow] = {}
    statuses: Counter[str] = Counter()
    with tempfile.TemporaryDirectory(prefix="inboxwatch-eval-") as tmp:
        engine = open_engine(f"sqlite:///{Path(tmp) / 'eval.db'}")
        try:
            ingest(engine, ctx, mails, workers=workers)
            with Session(engine) as session:
                stored = session.exec(select(Message.sha256, Message.category, Message.status))
                for sha, category, status in stored:
                    for item_label in labels_by_sha.get(sha, ()):
                        rows.setdefault(item_label, LabelRow(item_label)).categories[
                            category] += 1
                        statuses[status] += 1
        finally:
            engine.dispose()
    return EvalReport(sorted(rows.values(), key=lambda r: r.label), held_out, skipped,
                      statuses, left_out)
