"""Fill the rule-focused template families of training/templates.yaml.

    python training/make_templates.py --per-text 9 --out training/data/templates.jsonl

Each filled sentence is a closed-world record whose meta names its family
(``meta.family``), so splits keep a family on one side. Seeded: the same
arguments give the same file.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

CAPITALS = {
    "Kenya": "Nairobi", "Uganda": "Kampala", "Ethiopia": "Addis Ababa", "Sudan": "Khartoum", "Nigeria": "Abuja",
    "Egypt": "Cairo", "Iran": "Tehran", "Israel": "Jerusalem", "Turkey": "Ankara", "Russia": "Moscow",
    "Ukraine": "Kyiv", "China": "Beijing", "Japan": "Tokyo", "South Korea": "Seoul", "North Korea": "Pyongyang",
    "India": "New Delhi", "Pakistan": "Islamabad", "France": "Paris", "Germany": "Berlin", "Britain": "London",
    "Poland": "Warsaw", "Brazil": "Brasilia", "Mexico": "Mexico City", "Venezuela": "Caracas", "Cuba": "Havana",
    "Myanmar": "Naypyidaw", "Vietnam": "Hanoi", "Thailand": "Bangkok", "Indonesia": "Jakarta",
    "Saudi Arabia": "Riyadh", "Syria": "Damascus", "Iraq": "Baghdad", "Algeria": "Algiers", "Morocco": "Rabat",
    "Serbia": "Belgrade", "Hungary": "Budapest", "Armenia": "Yerevan", "Azerbaijan": "Baku", "Belarus": "Minsk",
    "Afghanistan": "Kabul", "Bangladesh": "Dhaka", "Colombia": "Bogota", "Argentina": "Buenos Aires",
}


def _split(item: str) -> tuple[str, str]:
    """'the |African Union' -> ('the ', 'African Union')."""
    if "|" in item:
        pre, span = item.split("|", 1)
        return pre, span
    return "", item


def _official(state: tuple[str, str], role: str) -> tuple[str, str]:
    """("the ", "Philippines") + "foreign minister" -> ("the ", "Philippines' foreign minister")."""
    pre, span = state
    poss = f"{span}'" if span.endswith("s") else f"{span}'s"
    return pre, f"{poss} {role}"


def fill(family: dict, text: str, pools: dict, rng: random.Random) -> dict | None:
    slots: dict[str, str] = family["slots"]
    chosen: dict[str, tuple[str, str]] = {}
    used: set[str] = set()
    for name, kind in slots.items():
        if kind == "official_of_A":
            continue
        pool = pools[kind]
        if family.get("repeat", {}).get("A2") == "capital_of_A" and name == "A":
            pool = [s for s in pool if _split(s)[1] in CAPITALS]
        for _ in range(50):
            item = rng.choice(pool)
            if _split(item)[1] not in used:
                break
        used.add(_split(item)[1])
        chosen[name] = _split(item)
    for name, kind in slots.items():
        if kind == "official_of_A":
            chosen[name] = _official(chosen["A"], rng.choice(pools["official_role"]))
    for name, how in (family.get("repeat") or {}).items():
        a_pre, a_span = chosen["A"]
        chosen[name] = ("", CAPITALS[a_span]) if how == "capital_of_A" else (a_pre, a_span)
    # build text with offsets
    out, spans = "", {}
    pos = 0
    for m in re.finditer(r"\{(\w+)\}", text):
        out += text[pos:m.start()]
        pre, span = chosen[m.group(1)]
        if not out.strip() or out.strip() == '"':
            pre = pre[:1].upper() + pre[1:]
        out += pre
        spans[m.group(1)] = (len(out), len(out) + len(span))
        out += span
        pos = m.end()
    out += text[pos:]
    out = out[:1].upper() + out[1:]
    actors = [{"text": out[a:b], "start": a, "end": b} for a, b in spans.values()]
    pairs = [{"source": out[spans[s][0]:spans[s][1]], "target": out[spans[t][0]:spans[t][1]],
              "source_start": spans[s][0], "target_start": spans[t][0], "label": lab}
             for s, t, lab in family["pairs"]]
    if len({(a["start"]) for a in actors}) != len(actors):
        return None
    return {"text": out, "actors": actors, "pairs": pairs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--templates", default=str(HERE / "templates.yaml"))
    ap.add_argument("--per-text", type=int, default=9)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", default=str(HERE / "data" / "templates.jsonl"))
    args = ap.parse_args()
    spec = yaml.safe_load(Path(args.templates).read_text(encoding="utf-8"))
    rng = random.Random(args.seed)
    n = 0
    seen: set[str] = set()
    with open(args.out, "w", encoding="utf-8") as fh:
        for fam in spec["families"]:
            for ti, text in enumerate(fam["texts"]):
                made = 0
                for _ in range(args.per_text * 5):
                    if made >= args.per_text:
                        break
                    rec = fill(fam, text, spec["pools"], rng)
                    if rec is None or rec["text"] in seen:
                        continue
                    seen.add(rec["text"])
                    n += 1
                    made += 1
                    rec = {"id": f"tpl-{n:05d}", "doc_id": f"tpl-{fam['family']}", **rec,
                           "meta": {"family": fam["family"], "template": ti, "hard": fam.get("hard", []),
                                    "source": "template"}}
                    fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {n} template sentences to {args.out}")


if __name__ == "__main__":
    main()
