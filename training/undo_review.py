"""Diagnostic: a copy of the corpus with the second-pass review's train/dev label decisions undone.

    python training/undo_review.py COPY            # copies data/written and templates.jsonl to COPY
    python training/build_splits.py --data COPY    # the same splits, with the labels before the review

The test file keeps its reviewed labels. Used to check whether the review's labels
explain a score change (docs/evaluation.md, "Choices made on the dev split only").
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from quality import Q, decided_pair, set_pair_label  # noqa: E402

from stance.data import parse_record  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("copy", help="folder to create (must not exist)")
    args = ap.parse_args()
    out = Path(args.copy)
    if out.exists():
        ap.error(f"{out} exists")
    shutil.copytree(HERE / "data" / "written", out / "written")
    shutil.copy2(HERE / "data" / "templates.jsonl", out / "templates.jsonl")
    decisions: dict[str, list[dict]] = {}
    for f in sorted(Q.glob("review_*.jsonl")):
        if f.name != "review_test.jsonl":
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    d = json.loads(line)
                    decisions.setdefault(d["id"], []).append(d)
    undone = 0
    for path in sorted((out / "written").glob("*.jsonl")):
        if path.name == "test.jsonl":
            continue
        lines = []
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            for d in decisions.get(rec["id"], []):
                s = parse_record(rec)
                found = decided_pair(s, d)
                if found is None or found[2] != d["final"]:
                    raise SystemExit(f"{rec['id']} {d['source']} -> {d['target']}: the file does not hold the "
                                     f"decision's final label {d['final']!r}; run training/quality.py apply first")
                set_pair_label(rec, s, found[0], found[1], d["first"])
                undone += 1
            parse_record(rec)
            lines.append(json.dumps(rec, ensure_ascii=False))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{undone} review decisions undone in {out / 'written'}")


if __name__ == "__main__":
    main()
