"""Controlled comparison of model folders in pairs mode: the model alone and with the co-reference rules.

    python training/compare_models.py [MODEL ...] [--bootstrap 1000] [--data NAME=FILE ...]

MODEL is a folder, "default" (the shipped default model) or "fast" (the shipped
fast model); without arguments: the shipped models and ``runs/reference/model``
(the per-pair reference, ``configs/reference_per_pair.yaml``) when present.
Prints one markdown row per model and rule setting: macro-F1 with its 95%
bootstrap interval on the test split and on PLOVER, and the test split's none
false-positive rate. Dev is printed too, marked as the selection set.
``--data NAME=FILE`` adds a column (e.g. an earlier version of a split).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETS = {"dev (selection)": ROOT / "training/data/splits/dev.jsonl",
        "test": ROOT / "training/data/splits/test.jsonl",
        "PLOVER": ROOT.parent / "shared/benchmarks/plover-gsr/plover_gsr_v1.jsonl"}


def main() -> None:
    from stance.classifier import load
    from stance.data import load_samples
    from stance.evaluate import score_pairs

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--data", action="append", default=[], metavar="NAME=FILE", help="another annotated file to score")
    args = ap.parse_args()
    sets = dict(SETS)
    for spec in args.data:
        name, sep, path = spec.partition("=")
        if not sep or not Path(path).is_file():
            ap.error(f"--data wants NAME=FILE with an existing file, got {spec!r}")
        sets[name] = Path(path)
    models = args.models or ["default", "fast"] + (
        ["runs/reference/model"] if (ROOT / "runs/reference/model/config.json").is_file() else [])
    data = {k: load_samples(v) for k, v in sets.items() if v.is_file()}
    print("| model | markers | rules 11/12 | " + " | ".join(f"{k} macro-F1" for k in data)
          + " | test none FPR |")
    print("|---|---|---|" + "---|" * len(data) + "---|")
    for name in models:
        for rules in (False, True):
            clf = load(None if name == "default" else name, same_entity=rules)
            cells, fpr = [], "–"
            for key, samples in data.items():
                m, _ = score_pairs(clf, samples, bootstrap=args.bootstrap)
                ci = m.get("macro_f1_ci95")
                cells.append(f"{m['macro_f1']:.3f}" + (f" ({ci[0]:.3f}–{ci[1]:.3f})" if ci and args.bootstrap else ""))
                if key == "test":
                    fpr = f"{m['none_fpr']:.3f}"
            print(f"| {name} | `{clf.model.cfg.markers}` | {'on' if rules else 'off'} | " + " | ".join(cells)
                  + f" | {fpr} |", flush=True)


if __name__ == "__main__":
    main()
