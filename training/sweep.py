"""Compare training variants of one config (model selection on dev; test and PLOVER reported, not tuned on).

    python training/sweep.py configs/default.yaml --out runs/sweep \
        --variant base= --variant pair=model.markers=markers.typed_pair.v1,training.epochs=4
    python training/sweep.py configs/default.yaml --out runs/seeds --seeds 3     # mean ± sd over 3 seeds

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
    ap.add_argument("--seeds", type=int, default=0, help="add variants seed1..seedN and print mean ± sd")
    args = ap.parse_args()
    args.variant += [f"seed{k}=training.seed={k}" for k in range(1, args.seeds + 1)]
    results = []
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
               "test_none_fpr": m["test"]["none_fpr"] if m["test"] else None,  # may be None (no gold none)
               "best_epoch": res["provenance"]["best_epoch"], "seconds": round(time.time() - t0, 1)}
        results.append(row)
        with open(out / "sweep.jsonl", "a") as fh:
            fh.write(json.dumps(row) + "\n")
        fmt = lambda x: "–" if x is None else f"{x:.3f}"  # noqa: E731
        print(f"| {name} | {fmt(row['dev'])} | {fmt(row['test'])} | {fmt(row['external'])} | "
              f"{fmt(row['test_none_fpr'])} | {row['best_epoch']} | {row['seconds']} |", flush=True)
    if len(results) > 1:
        import statistics as st

        def ms(key: str) -> str:
            vals = [r[key] for r in results if r[key] is not None]
            return f"{st.mean(vals):.3f} ± {st.stdev(vals):.3f}" if len(vals) > 1 else "–"

        print(f"| mean ± sd ({len(results)} runs) | {ms('dev')} | {ms('test')} | {ms('external')} | "
              f"{ms('test_none_fpr')} | | |")


if __name__ == "__main__":
    main()
