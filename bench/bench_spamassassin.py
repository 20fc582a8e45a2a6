"""inboxwatch beside Apache SpamAssassin with Bayes, on the same held-out folds.

    python bench/bench_spamassassin.py ../shared/corpora bench/training [--folds 5] [--jobs 4]

For every split of ``inboxwatch eval --cv K --by-source`` (inboxwatch/crossval.py: k folds
by a hash of each message's bytes, then each junk, ham or bounce folder unseen in turn):

- inboxwatch: the content model and junk threshold learned on the training side, the
  held-out side sorted by routing's own code;
- SpamAssassin (the Debian package: ``spamd``, ``spamc``, ``sa-learn``), local tests only
  (no DNS, no network lists, no Razor or Pyzor), its Bayes database trained with
  ``sa-learn`` on the same training side's junk and ham, auto-learning off, the held-out
  side scored by a ``spamd`` of its own; SpamAssassin's junk is a score of at least its
  ``required_score`` (5.0).

It prints, per split, each one's junk caught, easy ham and hard ham called junk, and for
SpamAssassin the bounces it called spam (it has no bounce category); then each one's
messages a second. Needs ``spamassassin`` and ``spamc`` installed (``apt-get install
spamassassin spamc``); nothing is written outside a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_eval import cell  # the same cells as bench_eval's table
from inboxwatch import crossval
from inboxwatch.crossval import BOUNCE, HAM, JUNK, Sample

LOCAL_CF = """\
use_bayes 1
bayes_auto_learn 0
bayes_path {bayes}
skip_rbl_checks 1
dns_available no
use_razor2 0
use_pyzor 0
required_score 5.0
"""


@dataclass(slots=True)
class Anchor:
    """SpamAssassin's figures on one held-out side: (hits, total) pairs."""

    junk: tuple[int, int]
    ham: tuple[int, int]
    hard_ham: tuple[int, int]
    bounces_as_spam: tuple[int, int]
    seconds: float
    messages: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _path_of(sample: Sample) -> Path:
    return Path(sample.origin.split("#", 1)[0])


def _learn(work: Path, training: list[Sample]) -> Path:
    """A site config whose Bayes database learned the training side's junk and ham."""
    site, bayes = work / "site", work / "bayes"
    site.mkdir()
    bayes.mkdir()
    shutil.copytree("/etc/spamassassin", site, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("local.cf"))
    (site / "local.cf").write_text(LOCAL_CF.format(bayes=bayes / "bayes"))
    for truth, flag in ((JUNK, "--spam"), (HAM, "--ham")):
        listing = work / f"learn-{truth}.txt"
        listing.write_text("".join(f"{_path_of(s)}\n" for s in training if s.truth == truth))
        subprocess.run(["sa-learn", "--siteconfigpath", str(site), "--dbpath", str(bayes),
                        "-L", flag, "-f", str(listing)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return site


def _score_all(site: Path, held_out: list[Sample], jobs: int) -> tuple[list[float], float]:
    """SpamAssassin's score of every held-out message, and the seconds they took."""
    port = _free_port()
    # spamd refuses to run its children as root: as root they run as nobody.
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    spamd = subprocess.Popen(
        ["spamd", "-L", "--siteconfigpath", str(site), "-p", str(port), "-i", "127.0.0.1",
         "-A", "127.0.0.1", *user, "--max-children", str(jobs), "-x", "--syslog", "stderr"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or spamd.poll() is not None:
                    raise SystemExit("spamd did not start") from None
                time.sleep(0.3)

        def score(sample: Sample) -> float:
            raw = _path_of(sample).read_bytes()
            for _ in range(5):
                done = subprocess.run(["spamc", "-p", str(port), "-c", "-x", "-t", "120",
                                       "-s", "10000000"], input=raw, capture_output=True)
                # -x: exit 74 or the like instead of "0/0" when spamd did not answer.
                if done.returncode in (0, 1):
                    return float(done.stdout.decode().split("/", 1)[0])
                time.sleep(1)
            raise SystemExit(f"spamd did not score {sample.origin}: {done.stderr.decode()}")

        started = time.perf_counter()
        with ThreadPoolExecutor(jobs) as pool:
            scores = list(pool.map(score, held_out))
        return scores, time.perf_counter() - started
    finally:
        spamd.terminate()
        spamd.wait()


def anchor(training: list[Sample], held_out: list[Sample], jobs: int) -> Anchor:
    with tempfile.TemporaryDirectory(prefix="iw-sa-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)  # spamd's children run as nobody
        site = _learn(work, training)
        for path in work.rglob("*"):
            path.chmod(0o777 if path.is_dir() else 0o666)
        scores, seconds = _score_all(site, held_out, jobs)

    def pair(keep: object) -> tuple[int, int]:
        chosen = [score for s, score in zip(held_out, scores, strict=True) if keep(s)]
        return sum(score >= 5.0 for score in chosen), len(chosen)

    return Anchor(pair(lambda s: s.truth == JUNK),
                  pair(lambda s: s.truth == HAM and not crossval.is_hard_ham(s.source)),
                  pair(lambda s: s.truth == HAM and crossval.is_hard_ham(s.source)),
                  pair(lambda s: s.truth == BOUNCE), seconds, len(held_out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="+")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=max(2, (os.cpu_count() or 2) * 2))
    args = parser.parse_args()
    if not (shutil.which("spamd") and shutil.which("spamc") and shutil.which("sa-learn")):
        print("needs spamd, spamc and sa-learn: apt-get install spamassassin spamc",
              file=sys.stderr)
        return 2

    started = time.perf_counter()
    samples = crossval.load_samples(args.corpus)
    analysed = time.perf_counter() - started
    sides = [*crossval.k_fold_sides(samples, args.folds), *crossval.by_source_sides(samples)]
    print(f"{len(samples)} messages, {len(sides)} splits\n")
    print(f"{'held out':<46} {'':>4}  {'junk caught':>16}  {'ham as junk':>16}  "
          f"{'hard ham as junk':>16}  {'bounces':>16}")
    ours_seconds = sa_seconds = 0.0
    ours_messages = sa_messages = 0
    for side in sides:
        name, training, held_out = side
        split = crossval.run_sides([side])[0]
        ours_seconds += split.sort_seconds
        ours_messages += len(held_out)
        m = crossval.summarise(split)
        sa = anchor(training, held_out, args.jobs)
        sa_seconds += sa.seconds
        sa_messages += sa.messages
        print(f"{name:<46} {'iw':>4}  {cell(m.junk)}  {cell(m.ham)}  {cell(m.hard_ham)}  "
              f"{cell(m.bounces)} caught")
        print(f"{'':<46} {'SA':>4}  {cell(sa.junk)}  {cell(sa.ham)}  {cell(sa.hard_ham)}  "
              f"{cell(sa.bounces_as_spam)} as spam", flush=True)
    print(f"\ninboxwatch: {ours_messages / ours_seconds:,.0f} msg/s (sorting the held-out "
          f"sides, one process; training and parsing not counted); parsing and the rule "
          f"tables: {len(samples) / analysed:,.0f} msg/s ({os.cpu_count()} processes)")
    print(f"SpamAssassin: {sa_messages / sa_seconds:,.1f} msg/s (spamc, {args.jobs} at a time;"
          f" training not counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
