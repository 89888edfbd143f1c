"""Metrics against small hand-computed cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stance.data import parse_record
from stance.evaluate import score_pairs
from stance.metrics import compute_metrics, expected_calibration_error


def test_hand_computed_case() -> None:
    gold = ["support", "support", "opposition", "accusation", "none", "none"]
    pred = ["support", "none", "accusation", "accusation", "support", "none"]
    m = compute_metrics(gold, pred, bootstrap=0)
    # support P=1/2 R=1/2 F=.5; opposition P=0 R=0 F=0; accusation P=1/2 R=1 F=2/3
    assert m["per_label"]["support"]["f1"] == pytest.approx(0.5)
    assert m["per_label"]["opposition"]["f1"] == 0.0
    assert m["per_label"]["accusation"]["f1"] == pytest.approx(2 / 3)
    assert m["macro_f1"] == pytest.approx((0.5 + 0 + 2 / 3) / 3)
    # micro over stance labels: TP=2, predicted stance=4, gold stance=4 -> P=R=F=.5
    assert m["micro_f1"] == pytest.approx(0.5)
    assert m["accuracy"] == pytest.approx(3 / 6)
    assert m["none_fpr"] == pytest.approx(1 / 2)
    # polarity: gold pos,pos,neg,neg,neu,neu; pred pos,neu,neg,neg,pos,neu
    # positive P=1/2 R=1/2 F=.5; negative F=1; neutral P=1/2 R=1/2 F=.5
    assert m["polarity_macro_f1"] == pytest.approx(2 / 3)
    assert m["confusion"]["matrix"][1] == [1, 1, 0, 0]  # gold support row: none, support, opposition, accusation


def test_direction_errors_counted() -> None:
    keys = [("s", 0, 1), ("s", 1, 0)]
    m = compute_metrics(["support", "none"], ["none", "support"], pair_keys=keys, bootstrap=0)
    assert m["direction_errors"] == 1


def test_only_none_pairs() -> None:
    m = compute_metrics(["none", "none"], ["none", "opposition"], bootstrap=10)
    assert m["macro_f1"] == 0.0 and m["none_fpr"] == 0.5 and m["accuracy"] == 0.5


def test_empty() -> None:
    m = compute_metrics([], [], bootstrap=10)
    assert m["n_pairs"] == 0 and m["macro_f1"] == 0.0


def test_ece_hand_computed() -> None:
    conf = np.array([0.9, 0.9, 0.6, 0.6])
    correct = np.array([1, 0, 1, 1])
    ece, table = expected_calibration_error(conf, correct, bins=10)
    # bin (0.8,0.9]: acc .5 conf .9 -> .4 * 2/4; bin (0.5,0.6]: acc 1 conf .6 -> .4 * 2/4
    assert ece == pytest.approx(0.4)
    assert [b["count"] for b in table] == [2, 2]


def test_bootstrap_interval_contains_point_estimate() -> None:
    rng = np.random.default_rng(0)
    labels = ["none", "support", "opposition", "accusation"]
    gold = list(rng.choice(labels, 300))
    pred = [g if rng.random() < 0.7 else rng.choice(labels) for g in gold]
    m = compute_metrics(gold, pred, pair_keys=[(i // 3, 0, i) for i in range(300)], bootstrap=200)
    lo, hi = m["macro_f1_ci95"]
    assert lo <= m["macro_f1"] <= hi and hi - lo < 0.3


class Oracle:
    """Scores with a fixed table: (text, source, target) -> label."""

    def __init__(self, table):
        self.table = table

    def pair_probs(self, items):
        out = []
        for text, _spans, pairs in items:
            rows = []
            for a, b in pairs:
                lab = self.table.get((text, a, b), "none")
                rows.append([1.0 if x == lab else 0.0 for x in ("none", "support", "opposition", "accusation")])
            out.append(rows)
        return out


def test_score_pairs_honours_closed_world_false() -> None:
    rec = {"id": "o1", "text": "A met B and C.", "actors": ["A", "B", "C"], "closed_world": False,
           "pairs": [{"source": "A", "target": "B", "label": "support"}]}
    s = parse_record(rec)
    # the oracle also predicts A->C support; it is not annotated, so it is not scored
    m, errors = score_pairs(Oracle({(s.text, 0, 1): "support", (s.text, 0, 2): "support"}), [s], bootstrap=0)
    assert m["n_pairs"] == 1 and m["macro_f1"] == pytest.approx(1 / 3) and errors == []
    assert m["none_fpr"] is None  # no gold none pair: undefined, not 0
    m_closed, errors = score_pairs(Oracle({(s.text, 0, 1): "support", (s.text, 0, 2): "support"}),
                                   [parse_record({**rec, "closed_world": True})], bootstrap=0)
    assert m_closed["n_pairs"] == 6 and m_closed["none_fpr"] == pytest.approx(1 / 5) and len(errors) == 1


def test_empty_file_gives_zero_pairs(tmp_path: Path) -> None:
    m, errors = score_pairs(Oracle({}), [], bootstrap=0)
    assert m["n_pairs"] == 0 and errors == []


def test_report_written(tmp_path: Path, tiny_run: Path, root: Path) -> None:
    from stance.report import run_evaluation

    data = str(root / "tests" / "data" / "tiny_dev.jsonl")
    out = run_evaluation([data], model=str(tiny_run / "model"), baselines=["majority", "lexicon", "tfidf"],
                         report=str(tmp_path / "r"), train_files=[str(root / "tests" / "data" / "tiny_train.jsonl")],
                         bootstrap=20)
    assert set(out["data"][data]) == {"model", "baseline:majority", "baseline:lexicon", "baseline:tfidf"}
    saved = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert saved["data"][data]["model"]["n_pairs"] == 10
    assert (tmp_path / "r" / "report.md").read_text().count("| tiny_dev.jsonl |") == 4
    assert list((tmp_path / "r").glob("confusion__*.png")) and list((tmp_path / "r").glob("reliability__*.png"))
    assert (tmp_path / "r" / "errors.jsonl").is_file()


def test_lexicon_baseline_rules() -> None:
    from stance.baselines import LexiconBaseline

    lb = LexiconBaseline()
    text = "Kenya accused Uganda of raids, and Chile was praised by Peru."
    sp = [(0, 5), (14, 20), (35, 40), (56, 60)]
    probs = lb.pair_probs([(text, sp, [(0, 1), (1, 0), (3, 2), (2, 3)])])[0]
    labels = [["none", "support", "opposition", "accusation"][int(np.argmax(p))] for p in probs]
    assert labels == ["accusation", "none", "support", "none"]
