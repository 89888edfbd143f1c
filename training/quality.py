"""Blind double annotation: Cohen's kappa between the first pass and a blind second pass.

    python training/quality.py kappa        # writes data/quality/kappa.json and disagreements.jsonl
    python training/quality.py kappa-g      # the same for the eight later writers' files (kappa_g.json, ...)
    python training/quality.py apply        # applies adjudicated.jsonl and review_*.jsonl to the written files

The sample (data/quality/blind_input.jsonl: text and actors only) was drawn
with random.Random(20261127) as 10% of all written sentences, before the
second-pass review. The later sample (blind_input_g.jsonl) holds 15 sentences
with two or more actors from each of g1..g8, drawn with random.Random(20261128)
after their review; two helpers annotated it blind (blind_second_pass_g.jsonl),
so kappa_g.json compares the reviewed labels with a blind pass.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from stance.data import Sample, load_samples, parse_record  # noqa: E402

Q = HERE / "data" / "quality"


def first_pass() -> dict:
    return {s.id: s for s in load_samples(*sorted((HERE / "data" / "written").glob("*.jsonl")))}


def kappa(second_pass: str = "blind_second_pass.jsonl", tag: str = "") -> None:
    from sklearn.metrics import cohen_kappa_score

    first = first_pass()
    second = load_samples(Q / second_pass)
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
    (Q / f"kappa{tag}.json").write_text(json.dumps(out, indent=1) + "\n")
    with open(Q / f"disagreements{tag}.jsonl", "w", encoding="utf-8") as fh:
        for d in dis:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(json.dumps(out))


def decision_files() -> list[Path]:
    """The adjudication of the blind sample, then the reviewers' second passes (REVIEW_BRIEF.md)."""
    return [Q / "adjudicated.jsonl", *sorted(Q.glob("review_*.jsonl"))]


def decided_pair(s: Sample, d: dict) -> tuple[int, int, str] | None:
    """Source index, target index and current label of the pair a decision names (None: no such mentions)."""
    starts = {a.start: i for i, a in enumerate(s.actors)}
    if d["source_start"] not in starts or d["target_start"] not in starts:
        return None
    si, ti = starts[d["source_start"]], starts[d["target_start"]]
    return si, ti, {(p.source, p.target): p.label for p in s.labelled_pairs()}[(si, ti)]


def set_pair_label(rec: dict, s: Sample, si: int, ti: int, label: str) -> None:
    """Give the ordered pair (si, ti) of raw record ``rec`` (parsed as ``s``) this label, in place."""
    keep = []
    for p in rec["pairs"]:
        ps = parse_record({**rec, "pairs": [p]}).pairs[0]
        if (ps.source, ps.target) != (si, ti):
            keep.append(p)
    if label != "none":
        keep.append({"source": s.actors[si].text, "target": s.actors[ti].text,
                     "source_start": s.actors[si].start, "target_start": s.actors[ti].start, "label": label})
    rec["pairs"] = keep


def apply() -> None:
    """Rewrite pair labels in data/written from the decision files (idempotent).

    A decision is applied only where the file's current label is the decision's
    ``first`` (not yet applied) or ``final`` (applied before); any other label
    means the record changed since the decision and is reported as an error.
    """
    decisions: dict[str, list[tuple[str, dict]]] = {}
    decided: dict[tuple[str, int, int], str] = {}
    errors = []
    for dpath in decision_files():
        for n, line in enumerate(dpath.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                d = json.loads(line)
                key = (d["id"], d["source_start"], d["target_start"])
                if key in decided:  # a later pass must not silently overrule an earlier decision
                    errors.append(f"{dpath.name}:{n}: {d['id']} {d['source']} -> {d['target']} "
                                  f"was already decided in {decided[key]}")
                    continue
                decided[key] = f"{dpath.name}:{n}"
                decisions.setdefault(d["id"], []).append((f"{dpath.name}:{n}", d))
    changed, unchanged = 0, 0
    seen = set()
    for path in sorted((HERE / "data" / "written").glob("*.jsonl")):
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            for where, d in decisions.get(rec["id"], []):
                seen.add(rec["id"])
                s = parse_record(rec)
                found = decided_pair(s, d)
                if found is None:
                    errors.append(f"{where}: {rec['id']}: no listed actor starts at "
                                  f"{d['source_start']} / {d['target_start']}")
                    continue
                si, ti, current = found
                if current == d["final"]:
                    unchanged += 1
                    continue
                if current != d.get("first", current):
                    errors.append(f"{where}: {rec['id']} {d['source']} -> {d['target']}: the file says "
                                  f"{current!r}, the decision expected {d['first']!r}")
                    continue
                set_pair_label(rec, s, si, ti, d["final"])
                key = "adjudicated" if where.startswith("adjudicated") else "reviewed"
                rec.setdefault("meta", {})[key] = True
                changed += 1
            parse_record(rec)
            out.append(json.dumps(rec, ensure_ascii=False))
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
    errors += [f"{where}: no record with id {i!r}" for i, ds in decisions.items() if i not in seen
               for where, _ in ds]
    print(f"applied {changed} pair decisions ({unchanged} already in place)")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    {"kappa": kappa, "kappa-g": lambda: kappa("blind_second_pass_g.jsonl", "_g"), "apply": apply}[sys.argv[1]]()
