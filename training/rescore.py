"""Re-measure finished models with the current library, weights untouched.

    python training/rescore.py MODEL_DIR [MODEL_DIR ...] --why "what changed"

For a change outside the weights that alters `stance.load`'s labels (the co-reference
rules, the gazetteer): each model folder (or a run folder holding ``model/``) is scored
again on the dev, test and external files its provenance names, as `stance.load` runs it
(rules on, stored none margin). Rewrites the folder's metrics.json, adds a ``rescored``
record (script, git commit, reason) to its provenance.json and rewrites the model card,
keeping its hand-written sections. metrics.json and provenance.json are rewritten where
they are: in the run folder, in the model folder (shipped models hold copies), or both. The margin is not refitted (`training/fit_none_margin.py` does that).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rescore(folder: Path, why: str, commit: str | None) -> dict:
    from stance.config import config_from_dict
    from stance.modelcard import write_model_card
    from stance.train import score_sets

    model_dir = folder / "model" if (folder / "model" / "config.json").is_file() else folder
    # a run keeps its records beside model/; a shipped model folder holds copies of them
    holders = [d for d in dict.fromkeys((folder, model_dir)) if (d / "provenance.json").is_file()]
    if not holders:
        raise SystemExit(f"{folder}: no provenance.json; not a run or model folder written by `stance train`")
    prov = json.loads((holders[0] / "provenance.json").read_text(encoding="utf-8"))
    metrics = score_sets(config_from_dict(prov["config"]), model_dir)
    prov["rescored"] = {"by": "training/rescore.py", "git_commit": commit, "why": why}
    for d in holders:
        (d / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        (d / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
    write_model_card(model_dir, prov, metrics)
    return metrics


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", type=Path, help="model folders, or run folders holding model/")
    ap.add_argument("--why", required=True, help="what changed since the model was scored (goes into the card)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from stance.train import git_commit

    commit = git_commit()  # before the first folder's files are rewritten, which would mark the tree dirty
    for folder in args.folders:
        m = rescore(folder, args.why, commit)
        ext = ", ".join(f"{Path(k).name} {v['macro_f1']:.4f}" for k, v in m["external"].items())
        test = f"{m['test']['macro_f1']:.4f} (none FPR {m['test']['none_fpr']:.4f})" if m["test"] else "-"
        print(f"{folder}: dev {m['dev']['macro_f1']:.4f} (none FPR {m['dev']['none_fpr']:.4f}), test {test}, {ext}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
