"""Compare training variants of one config (model selection on dev; test and PLOVER reported, not tuned on).

    python training/sweep.py configs/default.yaml --out runs/sweep \
        --variant base= --variant pair=model.markers=markers.typed_pair.v1,training.epochs=4

Each variant is NAME=OVERRIDE[,OVERRIDE...] (dotted ``--set`` overrides). Prints
one table row per variant as soon as it finishes and appends it to
``OUT/sweep.jsonl``. Choose by the dev column only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stance.config import load_config  # noqa: E402
from stance.train import train  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("config")
    ap.add_argument("--out", required=True)
    ap.add_argument("--variant", action="append", default=[])
    ap.add_argument("--set", action="append", default=[], help="override applied to every variant")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print("| variant | dev macro-F1 | test macro-F1 | external macro-F1 | none FPR (test) | best epoch | seconds |")
    print("|---|---|---|---|---|---|---|", flush=True)
    for spec in args.variant:
        name, _, rest = spec.partition("=")
        overrides = list(args.set) + [o for o in rest.split(",") if o]
        cfg = load_config(args.config, overrides)
        t0 = time.time()
        res = train(cfg, out / name)
        m = res["metrics"]
        ext = next(iter(m["external"].values()), None) if m["external"] else None
        row = {"variant": name, "overrides": overrides, "dev": m["dev"]["macro_f1"],
               "test": m["test"]["macro_f1"] if m["test"] else None,
               "external": ext["macro_f1"] if ext else None,
               "test_none_fpr": m["test"]["none_fpr"] if m["test"] else None,
               "best_epoch": res["provenance"]["best_epoch"], "seconds": round(time.time() - t0, 1)}
        with open(out / "sweep.jsonl", "a") as fh:
            fh.write(json.dumps(row) + "\n")
        fmt = lambda x: "–" if x is None else f"{x:.3f}"  # noqa: E731
        print(f"| {name} | {fmt(row['dev'])} | {fmt(row['test'])} | {fmt(row['external'])} | "
              f"{fmt(row['test_none_fpr'])} | {row['best_epoch']} | {row['seconds']} |", flush=True)


if __name__ == "__main__":
    main()
