"""The decision rule: labels from calibrated probabilities with a none margin fitted on dev."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from stance.decision import decide, fit_none_margin
from stance.errors import InputError, ModelLoadError


def test_decide_is_argmax_at_zero_and_raises_none_by_exp_margin() -> None:
    probs = [0.30, 0.45, 0.15, 0.10]
    assert decide(probs) == "support"
    # none wins once 0.30 * exp(m) >= 0.45, i.e. m >= log 1.5
    assert decide(probs, math.log(1.5) - 0.01) == "support"
    assert decide(probs, math.log(1.5) + 0.01) == "none"
    assert decide([0.25, 0.25, 0.25, 0.25]) == "none"  # ties go to none
    assert decide([0.6, 0.1, 0.2, 0.1], -1.0) == "none"  # 0.6 * e^-1 = 0.22 > 0.2
    assert decide([0.6, 0.1, 0.25, 0.05], -1.0) == "opposition"


def _synthetic(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gold none pairs whose probabilities lean toward a stance 20% of the time."""
    rng = np.random.default_rng(seed)
    n_none, n_stance = 2000, 600
    gold = np.concatenate([np.zeros(n_none, int), rng.integers(1, 4, n_stance)])
    probs = np.full((len(gold), 4), 0.05)
    for i, g in enumerate(gold):
        if g == 0:
            lean = rng.integers(1, 4)
            probs[i, 0], probs[i, lean] = (0.40, 0.45) if rng.random() < 0.2 else (0.8, 0.05)
        else:
            probs[i, g] = rng.uniform(0.5, 0.9)
            probs[i, 0] = rng.uniform(0.05, 0.4)
    return probs / probs.sum(1, keepdims=True), gold


def test_fit_respects_the_fpr_cap_and_records_both_operating_points() -> None:
    probs, gold = _synthetic()
    rec = fit_none_margin(probs, gold, max_none_fpr=0.05)
    assert rec["fpr_cap_met"] and rec["n_pairs"] == len(gold)
    assert rec["dev_at_argmax"]["none_fpr"] > 0.15  # the leaning none pairs are false stances at arg-max
    assert rec["dev_at_margin"]["none_fpr"] <= 0.05
    assert rec["none_margin"] > 0
    labels = np.array([decide(p, rec["none_margin"]) for p in probs])
    assert math.isclose(float(np.mean(labels[gold == 0] != "none")), rec["dev_at_margin"]["none_fpr"], abs_tol=1e-4)
    # a looser cap never gives a lower macro-F1
    loose = fit_none_margin(probs, gold, max_none_fpr=1.0)
    assert loose["dev_at_margin"]["macro_f1"] >= rec["dev_at_margin"]["macro_f1"]
    assert fit_none_margin(probs, gold, max_none_fpr=0.05) == rec  # deterministic


def test_unreachable_cap_takes_the_best_macro_f1_and_says_so() -> None:
    probs, gold = _synthetic()
    rec = fit_none_margin(probs, gold, max_none_fpr=0.05, grid=(-1.0, -0.5, 0.0))
    assert not rec["fpr_cap_met"]
    assert rec["dev_at_margin"]["macro_f1"] >= rec["dev_at_argmax"]["macro_f1"]
    with pytest.raises(ValueError, match="probs must be"):
        fit_none_margin(probs[:, :3], gold, 0.05)


def test_margin_is_stored_loaded_overridable_and_validated(tiny_run: Path, tmp_path: Path) -> None:
    import shutil

    import stance
    from stance.model import write_none_margin

    folder = tmp_path / "m"
    shutil.copytree(tiny_run / "model", folder)
    text, actors = "Kenya criticised Uganda.", ["Kenya", "Uganda"]
    write_none_margin(folder, 50.0)
    clf = stance.load(folder)
    assert clf.none_margin == 50.0
    assert all(p.label == "none" for p in clf.predict_pairs(text, actors))
    plain = stance.load(folder, none_margin=-50.0)  # the caller's margin wins: never none
    assert all(p.label != "none" for p in plain.predict_pairs(text, actors))
    assert [p.probs for p in plain.predict_pairs(text, actors)] == [p.probs for p in clf.predict_pairs(text, actors)]
    with pytest.raises(InputError, match="none_margin"):
        stance.load(folder, none_margin=float("nan"))
    cfg = json.loads((folder / "config.json").read_text())
    cfg["stance"]["none_margin"] = "high"
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelLoadError, match="none_margin"):
        stance.load(folder)


def test_training_fits_the_margin_on_dev_and_the_harness_uses_it(tiny_run: Path, root: Path) -> None:
    import stance
    from stance.data import load_samples
    from stance.evaluate import score_pairs

    prov = json.loads((tiny_run / "provenance.json").read_text())
    rec = prov["decision"]
    assert rec["max_none_fpr"] == 0.05 and rec["n_pairs"] > 0
    clf = stance.load(tiny_run / "model")
    assert clf.none_margin == rec["none_margin"]
    dev = load_samples(root / "tests" / "data" / "tiny_dev.jsonl")
    m, _ = score_pairs(clf, dev, bootstrap=0)
    assert math.isclose(m["macro_f1"], rec["dev_at_margin"]["macro_f1"], abs_tol=1e-4)
    m0, _ = score_pairs(stance.load(tiny_run / "model", none_margin=0.0), dev, bootstrap=0)
    assert math.isclose(m0["macro_f1"], rec["dev_at_argmax"]["macro_f1"], abs_tol=1e-4)
    card = (tiny_run / "model" / "README.md").read_text()
    assert f"none margin {rec['none_margin']}" in card


def test_fit_on_no_pairs_keeps_arg_max() -> None:
    from stance.modelcard import _decision_line

    rec = fit_none_margin(np.zeros((0, 4)), [], 0.05)
    assert rec["none_margin"] == 0.0 and not rec["fpr_cap_met"]
    assert "none margin 0.0" in _decision_line({"decision": rec})


def test_margin_sweep_rows_match_the_harness(tiny_run: Path, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    import stance
    from stance.data import load_samples
    from stance.evaluate import score_pairs

    sys.path.insert(0, str(root / "training"))
    from margin_sweep import main

    dev = root / "tests" / "data" / "tiny_dev.jsonl"
    assert main([str(dev), "--model", str(tiny_run / "model"), "--margins", "0:1:0.5", "--cv", "2"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| +")]
    assert [r.split("|")[1].strip() for r in rows] == ["+0.00", "+0.50", "+1.00"]
    for row, margin in zip(rows, (0.0, 0.5, 1.0), strict=True):
        m, _ = score_pairs(stance.load(tiny_run / "model", none_margin=margin), load_samples(dev), bootstrap=0)
        f1, fpr = row.split("|")[2].strip(), row.split("|")[3].strip()
        assert f1 == f"{m['macro_f1']:.3f}" and fpr == f"{m['none_fpr']:.3f}"
    assert "4 fits on random halves" in out
