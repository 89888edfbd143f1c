"""Where did a model's gain come from? Per-pair changes of model B against model A, split by
how close each scored sentence is to an extra training file (e.g. the pending batch).

    python training/gain_by_neighbour.py MODEL_A MODEL_B --extra FILE [FILE ...]
        [--data NAME=FILE ...]

Both models run as ``stance.load`` runs them (rules on, their own none margins). For every
sentence of every data set the script takes its highest word-set Jaccard with any sentence of
the extra files (the leakage guard's measure, ``training/build_splits.py``) and puts it in a
band. Per band it prints the pairs, the pairs each model gets right, the pairs fixed (wrong under
A, right under B) and broken (the reverse), and macro-F1 over the stance labels for A and B.
A gain carried by sentences near the extra data (same story, same words) is the signature of
learning the writing; a gain spread over far sentences points at the constructions.
Without ``--data``: the dev and test splits and PLOVER.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

SETS = {"dev": ROOT / "training/data/splits/dev.jsonl",
        "test": ROOT / "training/data/splits/test.jsonl",
        "PLOVER": ROOT.parent / "shared/benchmarks/plover-gsr/plover_gsr_v1.jsonl"}
BANDS = ((0.4, "≥ 0.40 (leakage-guard level)"), (0.3, "0.30–0.40"), (0.2, "0.20–0.30"), (0.0, "< 0.20"))


def band_of(score: float) -> str:
    return next(name for low, name in BANDS if score >= low)


def main() -> None:
    import numpy as np
    from build_splits import jaccard, words

    from stance.classifier import load
    from stance.data import load_samples
    from stance.decision import decide_ids, macro_f1_and_none_fpr
    from stance.evaluate import flat_pair_probs

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_a")
    ap.add_argument("model_b")
    ap.add_argument("--extra", nargs="+", required=True, help="the extra training files")
    ap.add_argument("--data", action="append", default=[], metavar="NAME=FILE")
    args = ap.parse_args()
    sets = dict(SETS)
    if args.data:
        sets = {}
        for spec in args.data:
            name, sep, path = spec.partition("=")
            if not sep:
                ap.error(f"--data wants NAME=FILE, got {spec!r}")
            sets[name] = Path(path)
    extra = [words(s.text) for f in args.extra for s in load_samples(f)]
    models = {"A": load(args.model_a), "B": load(args.model_b)}
    print(f"A = {args.model_a} (margin {models['A'].none_margin:.2f}); "
          f"B = {args.model_b} (margin {models['B'].none_margin:.2f}); extra: {len(extra)} sentences")
    for set_name, path in sets.items():
        samples = load_samples(path)
        near = np.array([max((jaccard(w, e) for e in extra), default=0.0)
                         for w in (words(s.text) for s in samples)])  # each sentence's word set built once
        pred, gold, sent = {}, None, None
        for key, clf in models.items():
            probs, gold, sent = flat_pair_probs(clf, samples)
            pred[key] = decide_ids(probs, clf.none_margin)
        assert gold is not None and sent is not None
        bands = np.array([band_of(x) for x in near[sent]])
        print(f"\n### {set_name} ({len(samples)} sentences, {len(gold)} pairs)\n")
        print("| nearest extra sentence (Jaccard) | sentences | pairs | right A | right B | fixed | broken "
              "| macro-F1 A | macro-F1 B |")
        print("|---|---|---|---|---|---|---|---|---|")
        for _, name in (*BANDS, (None, "all")):
            m = np.ones(len(gold), bool) if name == "all" else bands == name
            if not m.any():
                continue
            ra, rb = pred["A"][m] == gold[m], pred["B"][m] == gold[m]
            fa, _ = macro_f1_and_none_fpr(pred["A"][m], gold[m])
            fb, _ = macro_f1_and_none_fpr(pred["B"][m], gold[m])
            n_sent = len(set(sent[m].tolist()))
            print(f"| {name} | {n_sent} | {int(m.sum())} | {int(ra.sum())} | {int(rb.sum())} "
                  f"| {int((~ra & rb).sum())} | {int((ra & ~rb).sum())} | {fa:.3f} | {fb:.3f} |")


if __name__ == "__main__":
    main()
