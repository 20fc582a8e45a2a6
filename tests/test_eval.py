"""``inboxwatch eval``: the real pipeline over labelled folders, and the corpus bars."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from inboxwatch.classify.weights import THRESHOLDS
from inboxwatch.cli import main
from inboxwatch.evaluate import evaluate
from inboxwatch.route import RoutingContext

FIXTURES = Path(__file__).parent / "data" / "classify"
CORPORA = Path(__file__).parents[2] / "shared" / "corpora"
DATA = Path(__file__).parent / "data"
WRITTEN = Path(__file__).parents[1] / "bench" / "training"  # trained on, as the shipped model


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    """corpus/{bounces,ham,junk}/ made of our own fixtures, plus paperwork to be skipped."""
    root = tmp_path / "corpus"
    layout = {
        "bounces": ["auto_dsn_report", "auto_mailer_daemon_sender", "auto_x_failed_recipients"],
        "ham": ["plain_human", "discussion_list"],
        "junk": ["spam_upstream_spam_flag", "spam_upstream_spam_status"],
    }
    for label, names in layout.items():
        (root / label).mkdir(parents=True)
        for name in names:
            shutil.copy(FIXTURES / f"{name}.eml", root / label / f"{name}.eml")
    (root / "ham" / "LICENSE").write_text("not mail")
    return root


def test_confusion_matrix_counts_categories_by_folder(labelled: Path,
                                                     routing: RoutingContext) -> None:
    report = evaluate([labelled], routing, workers=1)
    rows = {r.label: r for r in report.rows}
    assert set(rows) == {"bounces", "ham", "junk"}
    assert rows["bounces"].categories["bounce"] == 3
    assert rows["ham"].total == 2 and rows["ham"].share(("spam", "phishing")) == 0
    assert rows["junk"].categories["spam"] == 2


def test_forced_label_and_a_single_folder(labelled: Path, routing: RoutingContext) -> None:
    report = evaluate([labelled / "junk"], routing, label="everything", workers=1)
    assert [(r.label, r.total) for r in report.rows] == [("everything", 2)]
    report = evaluate([labelled / "junk"], routing, workers=1)
    assert [r.label for r in report.rows] == ["junk"]


def test_cli_json_and_table(labelled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--json", "--workers", "1", str(labelled)]) == 0
    data = json.loads(capsys.readouterr().out)
    row = next(r for r in data["rows"] if r["label"] == "bounces")
    assert row["categories"]["bounce"] == 3 and row["auto_generated_share"] == 1.0
    assert main(["eval", "--workers", "1", str(labelled)]) == 0
    out = capsys.readouterr().out
    assert "bounces" in out and "junk" in out


def test_held_out_leaves_out_trained_messages_by_their_bytes(
        labelled: Path, routing: RoutingContext, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A folder of one's own called ``spam`` is counted whole; a message the model was
    trained on is left out wherever it is, and the report says how many were."""
    from inboxwatch import evaluate as evaluate_module
    from inboxwatch.classify.model import TokenModel, training_key

    (labelled / "junk").rename(labelled / "spam")  # named like a training folder
    trained = (labelled / "ham" / "plain_human.eml").read_bytes()
    copy = labelled / "spam" / "renamed-copy-of-a-trained-one.eml"
    copy.write_bytes(trained)
    model = TokenModel(1, 1, {}, ("spam", "ham"), frozenset({training_key(trained)}))
    monkeypatch.setattr(evaluate_module, "base_model", lambda: model)
    report = evaluate([labelled], routing, held_out=True, workers=1)
    rows = {r.label: r.total for r in report.rows}
    assert rows == {"bounces": 3, "ham": 1, "spam": 2}
    assert report.left_out == {"ham": 1, "spam": 1}
    assert main(["eval", "--held-out", "--workers", "1", str(labelled)]) == 0
    assert "left out 2 message(s) the classifier was trained on (ham 1, spam 1)" in \
        capsys.readouterr().err
    monkeypatch.setattr(evaluate_module, "base_model", lambda: TokenModel())
    assert main(["eval", "--held-out", "--workers", "1", str(labelled)]) == 2
    assert "does not list the messages it was trained on" in capsys.readouterr().err


def test_the_shipped_model_lists_what_it_was_trained_on() -> None:
    from inboxwatch.classify import base_model

    model = base_model()
    assert len(model.trained) == model.spam_docs + model.ham_docs


def test_cli_missing_path_is_one_line_error(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(tmp_path / "nope")]) == 1
    assert "no such file" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(not (CORPORA / "sisimai").is_dir(), reason="../shared/corpora not present")
def test_corpus_bars_on_sisimai(routing: RoutingContext) -> None:
    report = evaluate([CORPORA / "sisimai"], routing)
    machine = [r for r in report.rows if r.label != "not_bounce"]
    recognised = sum(r.categories["bounce"] + r.categories["auto_reply"] for r in machine)
    assert recognised / sum(r.total for r in machine) >= 0.98


@pytest.mark.slow
@pytest.mark.skipif(not (CORPORA / "spamassassin").is_dir(),
                    reason="../shared/corpora not present")
def test_cross_validated_figures_on_the_corpora() -> None:
    """The shipped classifier learned every corpus message and the mail written for it in
    bench/training, so its figures come from 5-fold cross-validation: what each fold's own
    training side makes of it. Guards at the figures measured when this was written (the
    closing note of #18 has the table).
    Each fold also sorts the client mail written for the tests, never trained on (its
    folders' names say neither junk nor ham)."""
    from inboxwatch import crossval

    clients = crossval.load_samples([DATA / "client_mail", DATA / "helpdesk_mail"])
    splits = crossval.run_sides((name, training, [*held_out, *clients]) for name, training,
                                held_out in crossval.k_fold_sides(
                                    crossval.load_samples([CORPORA, WRITTEN]), 5))
    folds = [crossval.summarise(split) for split in splits]

    def pooled(pairs: list[tuple[int, int]]) -> float:
        return sum(p[0] for p in pairs) / sum(p[1] for p in pairs)

    assert all(f.ham[0] <= 0.005 * f.ham[1] for f in folds)  # every fold
    assert all(f.bounces[0] >= 0.98 * f.bounces[1] for f in folds)
    assert pooled([f.junk for f in folds]) >= 0.95  # 660 of 700 when written; 671 now
    assert pooled([f.hard_ham for f in folds]) <= 0.03  # 3 of 125 when written; 0 now
    client_junk = sum(len(split.others_as_junk) for split in splits)
    assert client_junk <= 0.02 * len(clients) * len(splits)  # 7 of 410 when written; 5 of 420


@pytest.mark.slow
@pytest.mark.skipif(not (CORPORA / "spamassassin").is_dir(),
                    reason="../shared/corpora not present")
def test_junk_of_a_source_never_learned_from() -> None:
    """Leave-one-source-out: the phishing and the SpamAssassin spam, each sorted by a
    model and weights made without any of it. Its evidence is mostly in rules the other
    sources never fire, whose priors are read on the fitted scale (classify/weights.py).
    Guards at the figures measured when this was written."""
    from inboxwatch import crossval

    sides = [side for side in crossval.by_source_sides(crossval.load_samples([CORPORA, WRITTEN]))
             if side[0] in ("phishing_pot unseen", "spamassassin/spam unseen")]
    junk = {split.name: crossval.summarise(split).junk for split in crossval.run_sides(sides)}
    caught, total = junk["phishing_pot unseen"]
    assert caught >= 0.95 * total  # 187 of 200 with the written priors; 190 scaled
    caught, total = junk["spamassassin/spam unseen"]
    assert caught >= 0.50 * total  # 213 of 500 with the written priors; 252 scaled


@pytest.mark.slow
@pytest.mark.skipif(not (CORPORA / "phishing_pot").is_dir(),
                    reason="../shared/corpora not present")
def test_corpus_bar_on_phishing_pot(routing: RoutingContext) -> None:
    row = evaluate([CORPORA / "phishing_pot"], routing).row("phishing_pot")
    assert row is not None and row.share(("spam", "phishing")) >= 0.90


def test_cross_validation_holds_every_message_out_once(labelled: Path) -> None:
    from inboxwatch import crossval

    samples = crossval.load_samples([labelled])
    assert sorted({(s.source, s.truth) for s in samples}) == [
        ("bounces", "bounce"), ("ham", "ham"), ("junk", "junk")]
    folds = crossval.k_fold(samples, 2)
    held = sum(sum(c.values()) for split in folds for c in split.categories.values())
    assert held == len(samples) == 7
    assert all(split.threshold in THRESHOLDS for split in folds)
    unseen = crossval.by_source(samples)
    assert [s.name for s in unseen] == ["bounces unseen", "ham unseen", "junk unseen"]
    bounces = crossval.summarise(unseen[0])
    assert bounces.bounces == (3, 3) and bounces.junk == (0, 0)


def test_mail_of_no_figure_is_sorted_never_learned_and_named_when_junk(
        labelled: Path, tmp_path: Path) -> None:
    """A folder whose name says neither junk nor ham (client mail kept to measure the
    classifier by) is never trained on; what of it a split calls junk is named in
    ``others_as_junk``, apart from the ham false positives."""
    from inboxwatch import crossval

    clients = tmp_path / "clients"
    clients.mkdir()
    shutil.copy(FIXTURES / "plain_human.eml", clients / "question.eml")
    shutil.copy(FIXTURES / "spam_upstream_spam_flag.eml", clients / "flagged.eml")
    samples = crossval.load_samples([labelled])
    others = crossval.load_samples([clients])
    assert {s.truth for s in others} == {"other"}
    assert crossval.train([*samples, *others]).counts == crossval.train(samples).counts
    split = crossval.run_sides([("all", samples, [*samples, *others])])[0]
    assert [m.name for m in split.others_as_junk] == ["flagged.eml"]
    assert all(m.source == "ham" for m in split.false_positives)
    assert crossval.summarise(split).ham == (0, 2)


def test_eval_cv_names_mail_of_no_figure_called_junk(
        labelled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (labelled / "clients").mkdir()
    shutil.copy(FIXTURES / "spam_upstream_spam_flag.eml", labelled / "clients" / "flagged.eml")
    assert main(["eval", "--cv", "2", str(labelled)]) == 0
    out = capsys.readouterr().out
    assert "(in no figure): clients/flagged.eml: spam" in out
    assert main(["--json", "eval", "--cv", "2", str(labelled)]) == 0
    splits = json.loads(capsys.readouterr().out)["splits"]
    assert [line for split in splits for line in split["others_as_junk"]] == [
        "clients/flagged.eml: spam at 6.0 (upstream_spam_flag +6.0)"]


def test_folders_are_read_by_their_names() -> None:
    from inboxwatch import crossval

    assert crossval.truth_of("sisimai/not_bounce") == "other"
    assert crossval.truth_of("spamassassin/hard-ham") == "ham"
    assert crossval.truth_of("phishing_pot") == "junk"
    assert crossval.truth_of("sisimai/bounce_rfc3464_dsn") == "bounce"


def test_weights_and_threshold_come_from_the_training_side_only(labelled: Path) -> None:
    """What a fold is sorted with is what fit_weights makes of the other folds alone."""
    from inboxwatch import crossval

    samples = crossval.load_samples([labelled])
    for name, training, held_out in crossval.k_fold_sides(samples, 2):
        split = crossval.run_sides([(name, training, held_out)])[0]
        assert split.threshold == crossval.fit_weights(training).threshold
        assert not {s.key for s in training} & {s.key for s in held_out}


def test_cli_cross_validation(labelled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--json", "--cv", "2", "--by-source", str(labelled)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["splits"]) == 5 and len(data["summary"]) == 5
    assert main(["eval", "--cv", "2", str(labelled)]) == 0
    assert "fold 2/2" in capsys.readouterr().out
    assert main(["eval", "--cv", "1", str(labelled)]) == 2
    assert "2 to 20" in capsys.readouterr().err
    assert main(["eval", "--cv", "2", "--held-out", str(labelled)]) == 2


def test_the_reliability_table_says_how_far_a_probability_holds() -> None:
    from inboxwatch import crossval

    calibrated = [(0.05, False)] * 19 + [(0.05, True)] + [(0.95, True)] * 19 + [(0.95, False)]
    assert crossval.calibration_error(calibrated) == pytest.approx(0.0)
    table = crossval.reliability(calibrated)
    assert [(b.low, b.count, b.observed) for b in table] == [(0.0, 20, 0.05), (0.9, 20, 0.95)]
    overconfident = [(0.99, True)] * 5 + [(0.99, False)] * 5
    assert crossval.calibration_error(overconfident) == pytest.approx(0.49)
    assert crossval.reliability([(1.0, True)])[0].low == 0.9  # 100 % goes in the last bin


def test_cli_cross_validation_reports_calibration(
        labelled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--json", "--cv", "2", str(labelled)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert all("calibration_error" in m for m in data["summary"])
    assert sum(b["messages"] for b in data["reliability"]) == 4  # the junk and the ham
    assert main(["eval", "--cv", "2", str(labelled)]) == 0
    assert "how often it was junk" in capsys.readouterr().out
