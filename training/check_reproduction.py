"""Retrain from the default config and compare with the shipped model card's numbers.

    python training/check_reproduction.py [--config configs/default.yaml] [--tolerance 0.02]
    python training/check_reproduction.py --config configs/fast.yaml --shipped stance/resources/model-fast

Exit 0 when dev, test and external macro-F1 of the retrained model are within
``--tolerance`` of the shipped model's recorded metrics
(``stance/resources/model/metrics.json``). Training on the CPU is seeded and
deterministic; differences beyond rounding come from a different machine speed
under ``training.time_budget_s`` (fewer epochs) or different library versions,
both recorded in the run's provenance.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from stance.config import load_config
    from stance.train import train

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default=str(ROOT / "configs" / "default.yaml"))
    ap.add_argument("--tolerance", type=float, default=0.02)
    ap.add_argument("--output", default=None)
    ap.add_argument("--shipped", default=str(ROOT / "stance" / "resources" / "model"),
                    help="shipped model folder whose metrics.json is compared")
    args = ap.parse_args()
    shipped = json.loads((Path(args.shipped) / "metrics.json").read_text())
    out = Path(args.output or tempfile.mkdtemp(prefix="stance-repro-"))
    res = train(load_config(args.config), out, config_file=args.config)
    new = res["metrics"]
    rows = [("dev", shipped["dev"], new["dev"]), ("test", shipped["test"], new["test"])]
    rows += [(f"external {Path(k).name}", v, new["external"].get(k)) for k, v in shipped["external"].items()]
    ok = True
    print("| data | shipped macro-F1 | retrained macro-F1 | difference |\n|---|---|---|---|")
    for name, a, b in rows:
        if a is None or b is None:
            continue
        d = b["macro_f1"] - a["macro_f1"]
        ok &= abs(d) <= args.tolerance
        print(f"| {name} | {a['macro_f1']:.4f} | {b['macro_f1']:.4f} | {d:+.4f} |")
    print(f"run folder: {out}; epochs run {res['provenance']['epochs_run']}, "
          f"stopped by time budget: {res['provenance']['stopped_by_time_budget']}")
    print("reproduced within tolerance" if ok else f"NOT reproduced within {args.tolerance}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
