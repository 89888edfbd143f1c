"""From calibrated probabilities to a label: the none margin.

The probabilities a model returns are calibrated (``P(label)``; a 0.8 means 0.8), and they
stay as they are. The label is the arg-max after the log-probability of ``none`` is raised
by ``none_margin``: a stance is named only when it beats ``none`` by a factor ``exp(margin)``.
A margin of 0 is the plain arg-max.

Why: arg-max of calibrated probabilities minimises errors counted one by one, while the
project's targets weigh the rare stance labels (macro-F1 over three of them) and cap the
false stances on gold-``none`` pairs (none false-positive rate). Training fits the margin on
dev (`fit_none_margin`): the best dev macro-F1 among the margins whose dev none FPR is within
``training.max_none_fpr``. It is stored beside the temperature in the model folder and can be
overridden at load time (``stance.load(none_margin=...)``, ``--none-margin``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from stance.labels import LABEL2ID, LABELS, STANCE_LABELS

#: Margins tried by `fit_none_margin` (natural-log units).
MARGIN_GRID: tuple[float, ...] = tuple(round(x, 2) for x in np.arange(-1.0, 3.0001, 0.05))


def decide(probs: Sequence[float], none_margin: float = 0.0) -> str:
    """The label of one pair: arg-max of the probabilities with ``none`` scaled by ``exp(none_margin)``.

    Ties go to the earlier label in ``LABELS`` (``none`` first).
    """
    scores = list(probs)
    scores[0] = scores[0] * math.exp(none_margin)
    return LABELS[int(np.argmax(scores))]


def decide_ids(probs: np.ndarray, none_margin: float = 0.0) -> np.ndarray:
    """`decide` for a (pairs, 4) probability array at once: label ids in ``LABELS`` order."""
    logp = np.log(np.clip(np.asarray(probs, dtype=np.float64), 1e-12, None))
    logp[:, 0] += none_margin
    return logp.argmax(1)


def check_margin(value: Any, where: str) -> float:
    """``value`` as a finite float, else ValueError naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{where}: none_margin must be a finite number, got {value!r}")
    return float(value)


def macro_f1_and_none_fpr(pred: np.ndarray, gold: np.ndarray) -> tuple[float, float | None]:
    """Macro-F1 over the stance labels and the none false-positive rate (None without gold none), from label ids."""
    from sklearn.metrics import f1_score

    ids = [LABEL2ID[lab] for lab in STANCE_LABELS]
    f1 = float(f1_score(gold, pred, labels=ids, average="macro", zero_division=0))
    none = gold == LABEL2ID["none"]
    fpr = float(np.mean(pred[none] != LABEL2ID["none"])) if none.any() else None
    return f1, fpr


def fit_none_margin(probs: np.ndarray, gold: Sequence[int] | np.ndarray, max_none_fpr: float,
                    grid: Sequence[float] = MARGIN_GRID) -> dict[str, Any]:
    """The margin with the best macro-F1 among those whose none FPR is at most ``max_none_fpr``.

    Args:
        probs: (pairs, 4) calibrated probabilities in ``LABELS`` order (dev).
        gold: label ids per pair.
        max_none_fpr: the cap; when no margin of the grid meets it (or the data hold no
            ``none`` pair) the best macro-F1 overall is taken and ``fpr_cap_met`` is False.

    Returns:
        ``none_margin`` and the record of the fit: dev macro-F1 and none FPR at arg-max (margin 0)
        and at the chosen margin. Ties go to the margin closest to 0. Deterministic.
    """
    p = np.asarray(probs, dtype=np.float64)
    g = np.asarray(gold)
    if p.ndim != 2 or p.shape[1] != len(LABELS) or len(p) != len(g):
        raise ValueError(f"probs must be (pairs, {len(LABELS)}) with one gold id per pair; got {p.shape} and {len(g)}")
    if len(g) == 0:
        empty = {"macro_f1": None, "none_fpr": None}
        return {"none_margin": 0.0, "max_none_fpr": max_none_fpr, "fpr_cap_met": False, "n_pairs": 0,
                "dev_at_argmax": empty, "dev_at_margin": dict(empty)}
    rows = [(m, *macro_f1_and_none_fpr(decide_ids(p, m), g)) for m in grid]
    ok = [r for r in rows if r[2] is not None and r[2] <= max_none_fpr]
    pool = ok or rows
    best = max(pool, key=lambda r: (round(r[1], 10), -abs(r[0])))
    f1_0, fpr_0 = macro_f1_and_none_fpr(decide_ids(p), g)
    return {"none_margin": float(best[0]), "max_none_fpr": max_none_fpr, "fpr_cap_met": bool(ok),
            "n_pairs": int(len(g)),
            "dev_at_argmax": {"macro_f1": round(f1_0, 4), "none_fpr": None if fpr_0 is None else round(fpr_0, 4)},
            "dev_at_margin": {"macro_f1": round(best[1], 4),
                              "none_fpr": None if best[2] is None else round(best[2], 4)}}
