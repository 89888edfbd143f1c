"""Scores for labelled ordered pairs (scikit-learn where it has them).

Keys of the dict `compute_metrics` returns (stable; documented in docs/evaluation.md):
``n_pairs``, ``accuracy``, ``macro_f1`` (support/opposition/accusation),
``macro_f1_ci95`` ([low, high], bootstrap over sentences), ``micro_f1`` (without
none), ``per_label`` ({label: {precision, recall, f1, support}}),
``none_fpr`` (share of gold-none pairs predicted as a stance),
``direction_errors`` (predicted label equals the gold label of the reversed
pair, not of this pair), ``polarity_macro_f1`` (positive/negative/neutral),
``confusion`` ({labels, matrix} with gold rows, predicted columns), ``ece``
(expected calibration error of the top label), ``reliability`` (per bin).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from stance.labels import LABELS, POLARITY, STANCE_LABELS


def expected_calibration_error(conf: np.ndarray, correct: np.ndarray, bins: int = 10) -> tuple[float, list[dict[str, float]]]:
    """ECE over equal-width confidence bins, and the per-bin table for a reliability diagram."""
    if len(conf) == 0:
        return 0.0, []
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    table = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if not sel.any():
            continue
        acc, avg = float(correct[sel].mean()), float(conf[sel].mean())
        ece += sel.mean() * abs(acc - avg)
        table.append({"lo": float(lo), "hi": float(hi), "count": int(sel.sum()), "accuracy": acc, "confidence": avg})
    return float(ece), table


def _macro(gold: Sequence[str], pred: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    if len(gold) == 0:
        return 0.0
    return float(f1_score(gold, pred, labels=list(STANCE_LABELS), average="macro", zero_division=0))


def bootstrap_ci(gold: Sequence[str], pred: Sequence[str], groups: Sequence[Any], n: int, seed: int = 0) -> list[float]:
    """95% interval of macro-F1, resampling whole sentences (``groups``) with replacement."""
    if n <= 0 or len(gold) == 0:
        return [float("nan"), float("nan")]
    g = np.asarray(gold, dtype=object)
    p = np.asarray(pred, dtype=object)
    keys = sorted(set(groups), key=str)
    index: dict[Any, list[int]] = {k: [] for k in keys}
    for i, k in enumerate(groups):
        index[k].append(i)
    members = [np.asarray(index[k]) for k in keys]
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(n):
        pick = rng.integers(0, len(members), len(members))
        idx = np.concatenate([members[j] for j in pick])
        scores.append(_macro(g[idx].tolist(), p[idx].tolist()))
    return [float(np.percentile(scores, 2.5)), float(np.percentile(scores, 97.5))]


def compute_metrics(
    gold: Sequence[str],
    pred: Sequence[str],
    probs: np.ndarray | None = None,
    *,
    pair_keys: Sequence[tuple[Any, int, int]] | None = None,
    bootstrap: int = 1000,
    ece_bins: int = 10,
) -> dict[str, Any]:
    """All pair-level metrics.

    Args:
        gold, pred: labels per scored pair.
        probs: (pairs, 4) probabilities in ``LABELS`` order (for ECE); optional.
        pair_keys: (sentence id, source index, target index) per pair, for
            direction errors and the sentence-level bootstrap.
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    if len(gold) != len(pred):
        raise ValueError("gold and pred differ in length")
    n = len(gold)
    out: dict[str, Any] = {"n_pairs": n}
    if n == 0:
        out.update({"accuracy": 0.0, "macro_f1": 0.0, "macro_f1_ci95": [float("nan")] * 2, "micro_f1": 0.0,
                    "per_label": {lab: {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0} for lab in LABELS},
                    "none_fpr": 0.0, "direction_errors": 0, "polarity_macro_f1": 0.0,
                    "confusion": {"labels": list(LABELS), "matrix": [[0] * 4 for _ in LABELS]},
                    "ece": 0.0, "reliability": []})
        return out
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=list(LABELS), zero_division=0)
    out["accuracy"] = float(accuracy_score(gold, pred))
    out["macro_f1"] = _macro(gold, pred)
    groups = [k[0] for k in pair_keys] if pair_keys is not None else list(range(n))
    out["macro_f1_ci95"] = bootstrap_ci(gold, pred, groups, bootstrap)
    mp, mr, mf, _ = precision_recall_fscore_support(gold, pred, labels=list(STANCE_LABELS), average="micro",
                                                    zero_division=0)
    out["micro_f1"] = float(mf)
    out["per_label"] = {lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                        for i, lab in enumerate(LABELS)}
    gold_none = [i for i, g in enumerate(gold) if g == "none"]
    # undefined (None) where the gold holds no none pair, e.g. open-world sets listing only stances
    out["none_fpr"] = float(np.mean([pred[i] != "none" for i in gold_none])) if gold_none else None
    direction = 0
    if pair_keys is not None:
        gold_of = {k: g for k, g in zip(pair_keys, gold, strict=True)}
        for (sid, a, b), g, pr in zip(pair_keys, gold, pred, strict=True):
            rev = gold_of.get((sid, b, a))
            if pr != "none" and pr != g and rev == pr:
                direction += 1
    out["direction_errors"] = direction
    pol_g = [POLARITY[x] for x in gold]
    pol_p = [POLARITY[x] for x in pred]
    # over the polarities the gold holds (open-world data may hold no neutral pairs at all)
    pol_labels = [p for p in ("positive", "negative", "neutral") if p in pol_g]
    _, _, pf, _ = precision_recall_fscore_support(pol_g, pol_p, labels=pol_labels, zero_division=0)
    out["polarity_macro_f1"] = float(np.mean(pf))
    out["confusion"] = {"labels": list(LABELS),
                        "matrix": confusion_matrix(gold, pred, labels=list(LABELS)).tolist()}
    if probs is not None and len(probs):
        conf = probs.max(axis=1)
        correct = np.array([LABELS[int(k)] == g for k, g in zip(probs.argmax(axis=1), gold, strict=True)])
        out["ece"], out["reliability"] = expected_calibration_error(conf, correct, ece_bins)
    else:
        out["ece"], out["reliability"] = None, []
    return out
