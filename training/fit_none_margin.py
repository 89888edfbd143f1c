"""Fit the decision rule's none margin (`stance.decision`) into a finished run, then re-score it.

    python training/fit_none_margin.py RUN_DIR [--max-none-fpr 0.05]

Does what `stance train` now does after calibration when ``training.fit_none_margin`` is
true, for a run trained before that step existed: fits the margin on the run's dev files
with the run's model as `stance.load` gives it (co-reference rules on), stores it in
RUN_DIR/model, and rewrites the run's provenance.json (with a ``decision`` record),
config.resolved.json, metrics.json (dev, test and external re-scored) and model card. The
weights are not touched; the probabilities are unchanged. Deterministic: running it twice
gives the same margin.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from stance.config import config_from_dict
    from stance.train import _evaluate_and_write, fit_decision, git_commit

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="run folder written by `stance train` (holds provenance.json and model/)")
    ap.add_argument("--max-none-fpr", type=float, default=0.05)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run = Path(args.run)
    prov_file = run / "provenance.json"
    if not prov_file.is_file() or not (run / "model").is_dir():
        ap.error(f"{run}: not a run folder (needs provenance.json and model/)")
    prov = json.loads(prov_file.read_text(encoding="utf-8"))
    cfg = config_from_dict(prov["config"])
    cfg = replace(cfg, training=replace(cfg.training, fit_none_margin=True, max_none_fpr=args.max_none_fpr))
    rec = fit_decision(cfg, run / "model")
    rec["fitted_after_training"] = {"by": "training/fit_none_margin.py", "git_commit": git_commit()}
    prov["config"] = cfg.to_dict()
    prov["decision"] = rec
    result = _evaluate_and_write(cfg, run, run / "model", prov, True)
    m = result["metrics"]
    print(f"none margin {rec['none_margin']} (dev none FPR {rec['dev_at_argmax']['none_fpr']} -> "
          f"{rec['dev_at_margin']['none_fpr']}, cap met: {rec['fpr_cap_met']})")
    for name in ("dev", "test"):
        if m.get(name):
            print(f"{name}: macro-F1 {m[name]['macro_f1']:.3f}, none FPR {m[name]['none_fpr']}")
    for ext, em in (m.get("external") or {}).items():
        print(f"external {ext}: macro-F1 {em['macro_f1']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
