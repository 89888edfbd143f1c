"""Evaluation harness: score a model or baseline on annotated files and write reports.

Modes:
- ``pairs``: gold actors are given; every scored ordered pair (all pairs of a
  closed-world record, the listed pairs otherwise) is classified and compared.
- ``e2e``: raw text in; the model finds actors itself. A predicted stance
  matches a gold one when both mentions overlap the gold mentions and the
  labels agree. Precision counts only predicted pairs whose two mentions
  overlap annotated actors (and, for ``closed_world: false``, a listed pair).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from stance.data import Sample, load_samples
from stance.decision import decide
from stance.labels import LABEL2ID, LABELS, STANCE_LABELS
from stance.metrics import compute_metrics


class PairScorer(Protocol):
    def pair_probs(self, items: Any) -> list[list[list[float]]]: ...


def _length_bucket(text: str) -> str:
    n = len(text.split())
    return "<=15 words" if n <= 15 else "16-30 words" if n <= 30 else "31-45 words" if n <= 45 else ">45 words"


def _actor_bucket(n: int) -> str:
    return f"{n} actors" if n < 4 else "4+ actors"


def pair_items(samples: Sequence[Sample]) -> tuple[list[tuple[str, list[tuple[int, int]], list[tuple[int, int]]]],
                                                  list[list[str]]]:
    """Per sample: the `pair_probs` item (text, actor spans, labelled pairs) and the pairs' gold labels."""
    items, golds = [], []
    for s in samples:
        lp = s.labelled_pairs()
        items.append((s.text, [(a.start, a.end) for a in s.actors], [(p.source, p.target) for p in lp]))
        golds.append([p.label for p in lp])
    return items, golds


def flat_pair_probs(scorer: PairScorer, samples: Sequence[Sample]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every labelled pair of ``samples`` scored once: (pairs, 4) probabilities, gold label ids, sentence index."""
    items, golds = pair_items(samples)
    probs = [p for per in (scorer.pair_probs(items) if items else []) for p in per]
    gold = np.array([LABEL2ID[g] for per in golds for g in per], dtype=int)
    sentence = np.array([i for i, per in enumerate(golds) for _ in per], dtype=int)
    return np.asarray(probs, dtype=np.float64).reshape(-1, len(LABELS)), gold, sentence


def score_pairs(scorer: PairScorer, samples: Sequence[Sample], *, bootstrap: int = 1000,
                ece_bins: int = 10) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Pairs mode: metrics (with slices) and the list of wrong pairs.

    Labels follow the scorer's decision rule (its ``none_margin``, `stance.decision`; arg-max
    when it has none); ECE measures the probabilities themselves (confidence of their arg-max).
    """
    items, golds = pair_items(samples)
    keys: list[tuple[str, int, int]] = []
    probs_per = scorer.pair_probs(items) if items else []
    margin = getattr(scorer, "none_margin", 0.0)  # the classifier's decision rule; baselines: arg-max
    gold: list[str] = []
    pred: list[str] = []
    probs: list[list[float]] = []
    slices: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    errors: list[dict[str, Any]] = []
    for s, (_, _, pairs), g_list, p_list in zip(samples, items, golds, probs_per, strict=True):
        tags = (s.meta.get("hard") or []) if isinstance(s.meta, dict) else []
        for (a, b), g, pr in zip(pairs, g_list, p_list, strict=True):
            label = decide(pr, margin)
            gold.append(g)
            pred.append(label)
            probs.append(pr)
            keys.append((s.id, a, b))
            for sl in (f"length: {_length_bucket(s.text)}", f"actors: {_actor_bucket(len(s.actors))}",
                       *(f"hard: {t}" for t in tags if isinstance(t, str))):
                slices[sl][0].append(g)
                slices[sl][1].append(label)
            if label != g:
                errors.append({"id": s.id, "source": s.actors[a].text, "target": s.actors[b].text,
                               "source_start": s.actors[a].start, "target_start": s.actors[b].start,
                               "gold": g, "pred": label,
                               "probs": {lab: round(float(x), 4) for lab, x in zip(LABELS, pr, strict=True)},
                               "text": s.text})
    m = compute_metrics(gold, pred, np.asarray(probs) if probs else None, pair_keys=keys,
                        bootstrap=bootstrap, ece_bins=ece_bins)
    m["n_sentences"] = len(samples)
    m["slices"] = {name: {"n_pairs": len(g), **_slice_scores(g, p)} for name, (g, p) in sorted(slices.items())}
    return m, errors


def _slice_scores(gold: list[str], pred: list[str]) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    present = [lab for lab in STANCE_LABELS if lab in gold or lab in pred]
    macro = float(f1_score(gold, pred, labels=present, average="macro", zero_division=0)) if present else 0.0
    return {"macro_f1": macro, "accuracy": float(accuracy_score(gold, pred))}


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score_e2e(clf: Any, samples: Sequence[Sample]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """End-to-end mode: per-label precision/recall/F1 of predicted stances against gold stances."""
    docs = clf.predict_batch([s.text for s in samples]) if samples else []
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    errors = []
    for s, doc in zip(samples, docs, strict=True):
        spans = [(a.start, a.end) for a in s.actors]
        gold = {(p.source, p.target): p.label for p in s.labelled_pairs()}
        matched_gold: set[tuple[int, int]] = set()
        for ps in doc.pairs:
            src = [i for i, sp in enumerate(spans) if _overlap(sp, (ps.source.start, ps.source.end))]
            tgt = [i for i, sp in enumerate(spans) if _overlap(sp, (ps.target.start, ps.target.end))]
            cands = [(a, b) for a in src for b in tgt if a != b and (a, b) in gold]
            if not cands:
                continue  # not between annotated actors (or not a scored pair): not counted
            hit = next((c for c in cands if gold[c] == ps.label and c not in matched_gold), None)
            if hit is not None:
                tp[ps.label] += 1
                matched_gold.add(hit)
            else:
                fp[ps.label] += 1
                errors.append({"id": s.id, "kind": "false_positive", "source": ps.source.text,
                               "target": ps.target.text, "pred": ps.label,
                               "gold": gold[cands[0]], "text": s.text})
        for (a, b), lab in gold.items():
            if lab != "none" and (a, b) not in matched_gold:
                fn[lab] += 1
                errors.append({"id": s.id, "kind": "missed", "source": s.actors[a].text,
                               "target": s.actors[b].text, "gold": lab, "text": s.text})
    per = {}
    for lab in STANCE_LABELS:
        p = tp[lab] / (tp[lab] + fp[lab]) if tp[lab] + fp[lab] else 0.0
        r = tp[lab] / (tp[lab] + fn[lab]) if tp[lab] + fn[lab] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[lab] = {"precision": p, "recall": r, "f1": f, "support": tp[lab] + fn[lab]}
    t, f_, n_ = sum(tp.values()), sum(fp.values()), sum(fn.values())
    micro_p = t / (t + f_) if t + f_ else 0.0
    micro_r = t / (t + n_) if t + n_ else 0.0
    return {
        "n_sentences": len(samples),
        "per_label": per,
        "macro_f1": float(np.mean([per[lab]["f1"] for lab in STANCE_LABELS if per[lab]["support"] or
                                   tp[lab] + fp[lab]] or [0.0])),
        "micro_precision": micro_p, "micro_recall": micro_r,
        "micro_f1": 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0,
        "true_positives": t, "false_positives": f_, "false_negatives": n_,
    }, errors


def evaluate_model(model: Any, files: Sequence[str | Path], *, mode: str = "pairs",
                   bootstrap: int = 1000, same_entity: bool = True) -> dict[str, Any]:
    """Metrics of a model (a folder path or a loaded classifier) on annotated files.

    ``same_entity`` (for a folder path): apply the co-reference rules as `stance.load` does.
    """
    from stance.classifier import StanceClassifier, load

    clf = model if isinstance(model, StanceClassifier) else load(model, same_entity=same_entity)
    samples = load_samples(*files)
    if mode == "e2e":
        return score_e2e(clf, samples)[0]
    return score_pairs(clf, samples, bootstrap=bootstrap)[0]
