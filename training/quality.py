"""Blind double annotation: Cohen's kappa between the first pass and a blind second pass.

    python training/quality.py kappa        # writes data/quality/kappa.json and disagreements.jsonl
    python training/quality.py apply        # applies data/quality/adjudicated.jsonl to the written files

The sample (data/quality/blind_input.jsonl: text and actors only) was drawn
with random.Random(20261127) as 10% of all written sentences.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from stance.data import load_samples, parse_record  # noqa: E402

Q = HERE / "data" / "quality"


def first_pass() -> dict:
    return {s.id: s for s in load_samples(*sorted((HERE / "data" / "written").glob("*.jsonl")))}


def kappa() -> None:
    from sklearn.metrics import cohen_kappa_score

    first = first_pass()
    second = load_samples(Q / "blind_second_pass.jsonl")
    a, b, dis = [], [], []
    for s2 in second:
        s1 = first[s2.id]
        g1 = {(p.source, p.target): p.label for p in s1.labelled_pairs()}
        g2 = {(p.source, p.target): p.label for p in s2.labelled_pairs()}
        for key in g1:
            a.append(g1[key])
            b.append(g2[key])
            if g1[key] != g2[key]:
                dis.append({"id": s2.id, "text": s2.text, "source": s2.actors[key[0]].text,
                            "target": s2.actors[key[1]].text, "source_start": s2.actors[key[0]].start,
                            "target_start": s2.actors[key[1]].start, "first": g1[key], "second": g2[key]})
    k = float(cohen_kappa_score(a, b))
    agree = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
    out = {"n_sentences": len(second), "n_pairs": len(a), "kappa": k, "agreement": agree,
           "disagreements": len(dis)}
    (Q / "kappa.json").write_text(json.dumps(out, indent=1) + "\n")
    with open(Q / "disagreements.jsonl", "w", encoding="utf-8") as fh:
        for d in dis:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(json.dumps(out))


def apply() -> None:
    """Rewrite the pairs of adjudicated records in data/written (decisions in adjudicated.jsonl)."""
    decisions: dict[str, list[dict]] = {}
    for line in (Q / "adjudicated.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            decisions.setdefault(d["id"], []).append(d)
    changed = 0
    for path in sorted((HERE / "data" / "written").glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        out = []
        for line in lines:
            rec = json.loads(line)
            for d in decisions.get(rec["id"], []):
                s = parse_record(rec)
                si = next(i for i, x in enumerate(s.actors) if x.start == d["source_start"])
                ti = next(i for i, x in enumerate(s.actors) if x.start == d["target_start"])
                keep = []
                for p in rec["pairs"]:
                    ps = parse_record({**rec, "pairs": [p]}).pairs[0]
                    if (ps.source, ps.target) != (si, ti):
                        keep.append(p)
                if d["final"] != "none":
                    keep.append({"source": s.actors[si].text, "target": s.actors[ti].text,
                                 "source_start": s.actors[si].start, "target_start": s.actors[ti].start,
                                 "label": d["final"]})
                rec["pairs"] = keep
                rec.setdefault("meta", {})["adjudicated"] = True
                changed += 1
            parse_record(rec)
            out.append(json.dumps(rec, ensure_ascii=False))
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"applied {changed} adjudicated pair decisions")


if __name__ == "__main__":
    {"kappa": kappa, "apply": apply}[sys.argv[1]]()
