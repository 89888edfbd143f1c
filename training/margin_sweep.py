"""Macro-F1 and none false-positive rate of a model across none margins (`stance.decision`).

    python training/margin_sweep.py [--model DIR|fast|accurate] [--margins -0.5:2.5:0.25] [--cv 5] [FILE ...]

Scores every annotated pair once (probabilities as `stance.load` gives them, co-reference
rules on) and then relabels them at each margin, so an analyst can see the trade-off between
stances found and false stances before choosing ``--none-margin``. Default files: dev, test
and PLOVER. Choose on dev; the test and PLOVER columns are for reporting, never for choosing.

``--cv N`` also checks the fitting rule on the first file alone: N times, split its sentences
in two random halves, fit the margin (`stance.decision.fit_none_margin`, cap 0.05) on one half
and score the other, both ways round; prints the held-out means at arg-max and at the margin.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILES = ["training/data/splits/dev.jsonl", "training/data/splits/test.jsonl",
         "../shared/benchmarks/plover-gsr/plover_gsr_v1.jsonl"]


def _grid(spec: str) -> list[float]:
    lo, hi, step = (float(x) for x in spec.split(":"))
    return [round(x, 4) for x in np.arange(lo, hi + step / 2, step)]


def main(argv: list[str] | None = None) -> int:
    from stance.classifier import load
    from stance.data import load_samples
    from stance.decision import decide_ids, macro_f1_and_none_fpr
    from stance.evaluate import flat_pair_probs

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", default=FILES)
    ap.add_argument("--model", default=None, help="model folder, fast or accurate (default: the shipped default)")
    ap.add_argument("--margins", default="-0.5:2.5:0.25", help="LOW:HIGH:STEP (natural-log units)")
    ap.add_argument("--cv", type=int, default=0, metavar="N", help="N repeated half-splits of the first file")
    ap.add_argument("--max-none-fpr", type=float, default=0.05, help="the cap of the fitting rule (--cv)")
    args = ap.parse_args(argv)
    clf = load(args.model, none_margin=0.0)
    print(f"model {clf.name}; its stored margin: {getattr(clf.model, 'none_margin', 0.0)}")
    scored = []
    sentence_of = np.zeros(0, dtype=int)
    for f in args.files:
        probs, gold, sentence = flat_pair_probs(clf, load_samples(f))
        scored.append((Path(f).name, probs, gold))
        if len(scored) == 1:
            sentence_of = sentence
    head = " | ".join(f"{name} macro-F1 | {name} none FPR" for name, _, _ in scored)
    print(f"| margin | {head} |\n|---|" + "---|---|" * len(scored))
    for m in _grid(args.margins):
        cells = []
        for _, probs, gold in scored:
            f1, fpr = macro_f1_and_none_fpr(decide_ids(probs, m), gold)
            cells.append(f"{f1:.3f} | " + ("–" if fpr is None else f"{fpr:.3f}"))
        print(f"| {m:+.2f} | " + " | ".join(cells) + " |")
    if args.cv:
        _cross_validate(scored[0], sentence_of, args.cv, args.max_none_fpr)
    return 0


def _cross_validate(scored: tuple[str, np.ndarray, np.ndarray], sentence_of: np.ndarray, n: int,
                    cap: float) -> None:
    from stance.decision import decide_ids, fit_none_margin, macro_f1_and_none_fpr

    name, p, g = scored
    n_sent = int(sentence_of.max()) + 1 if len(sentence_of) else 0
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(n):
        half = np.isin(sentence_of, rng.permutation(n_sent)[: n_sent // 2])
        for fit, held in ((half, ~half), (~half, half)):
            margin = fit_none_margin(p[fit], g[fit], cap)["none_margin"]
            at0 = macro_f1_and_none_fpr(decide_ids(p[held]), g[held])
            rows.append((margin, *at0, *macro_f1_and_none_fpr(decide_ids(p[held], margin), g[held])))
    r = np.array(rows, dtype=float)
    print(f"\n{name}: {len(r)} fits on random halves of its {n_sent} sentences, each scored on the other half")
    print(f"margin fitted: mean {r[:, 0].mean():.2f} (range {r[:, 0].min():.2f} to {r[:, 0].max():.2f})")
    print(f"held-out half at arg-max:    macro-F1 {r[:, 1].mean():.4f}, none FPR {r[:, 2].mean():.4f}")
    diff = r[:, 3] - r[:, 1]
    print(f"held-out half at the margin: macro-F1 {r[:, 3].mean():.4f}, none FPR {r[:, 4].mean():.4f}")
    print(f"macro-F1 change per fit: {diff.min():+.4f} to {diff.max():+.4f}; higher in {int(np.sum(diff > 0))} "
          f"of {len(r)}")


if __name__ == "__main__":
    raise SystemExit(main())
