"""Compute the corpus statistics of the data card and write them into training/data/README.md.

    python training/data_card.py            # rewrite the generated section of the card
    python training/data_card.py --check    # exit 1 if the corpus misses the issue's minimums

Every number in the generated section comes from here, never typed by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from stance.data import Sample, load_samples  # noqa: E402
from stance.labels import LABELS  # noqa: E402

BEGIN, END = "<!-- BEGIN GENERATED -->", "<!-- END GENERATED -->"
HARD_TAGS = ["passive", "embedded_allegation", "denial", "negated_hypothetical", "co_agents", "reported_speech",
             "speaker_stance", "condemn_vs_accuse", "mutual", "one_sided", "long_distance", "repeated_actor"]
MINIMUMS = {"sentences": 4000, "written": 2000, "distinct_actors": 400, "accusation_share": 0.20,
            "three_plus_share": 0.25, "hard_each": 150}


def actor_type(text: str) -> str:
    """Sector of an actor span by the gazetteer: the type of the longest mention found inside it."""
    ms = _extractor().mentions(text)
    if not ms:
        return "unknown"
    m = max(ms, key=lambda m: m.end - m.start)
    return m.type or "unknown"


#: Macro-regions for the card; writers used finer names in meta.region.
MACRO = {
    "west_africa": "Africa", "east_africa": "Africa", "central_africa": "Africa", "southern_africa": "Africa",
    "africa": "Africa", "levant": "Middle East & North Africa", "gulf": "Middle East & North Africa",
    "north_africa": "Middle East & North Africa", "iran_iraq": "Middle East & North Africa",
    "mena": "Middle East & North Africa", "anatolia": "Middle East & North Africa",
    "western_europe": "Europe & Eurasia", "eastern_europe": "Europe & Eurasia", "balkans": "Europe & Eurasia",
    "caucasus": "Europe & Eurasia", "central_asia": "Europe & Eurasia", "northern_europe": "Europe & Eurasia",
    "southern_europe": "Europe & Eurasia", "europe": "Europe & Eurasia",
    "east_asia": "East & Southeast Asia, Pacific", "southeast_asia": "East & Southeast Asia, Pacific",
    "pacific": "East & Southeast Asia, Pacific", "asia_pacific": "East & Southeast Asia, Pacific",
    "south_asia": "South Asia", "north_america": "Americas", "central_america": "Americas",
    "caribbean": "Americas", "south_america": "Americas", "americas": "Americas", "global": "Global institutions",
    "horn_of_africa": "Africa", "sahel": "Africa", "great_lakes": "Africa", "northeast_africa": "Africa",
    "lake_chad": "Africa", "indian_ocean": "Africa", "middle_east": "Middle East & North Africa",
    "arabian_peninsula": "Middle East & North Africa", "mesopotamia": "Middle East & North Africa",
    "turkey": "Middle East & North Africa", "central_europe": "Europe & Eurasia", "nordic": "Europe & Eurasia",
    "baltic": "Europe & Eurasia", "baltics": "Europe & Eurasia", "andean": "Americas", "southern_cone": "Americas",
    "latin_america": "Americas", "south_central_asia": "South Asia",
}


_EX = None


def _extractor():  # type: ignore[no-untyped-def]
    global _EX
    if _EX is None:
        from stance.actors import ActorExtractor

        _EX = ActorExtractor()
    return _EX


def stats(splits: dict[str, list[Sample]]) -> dict:
    allrows = [s for rows in splits.values() for s in rows]
    out: dict = {"per_split": {}, "labels": {}}
    for name, rows in splits.items():
        labels = Counter(p.label for s in rows for p in s.labelled_pairs())
        out["per_split"][name] = {
            "sentences": len(rows),
            "written": sum(1 for s in rows if s.meta.get("source") != "template"),
            "template": sum(1 for s in rows if s.meta.get("source") == "template"),
            "stories_or_families": len({s.meta.get("family") or s.doc_id for s in rows}),
            **{lab: labels.get(lab, 0) for lab in LABELS},
        }
    labels = Counter(p.label for s in allrows for p in s.labelled_pairs())
    stance_pairs = sum(labels[lab] for lab in LABELS if lab != "none")
    actors = Counter(a.text.lower() for s in allrows for a in s.actors)
    lengths = [len(s.text.split()) for s in allrows]
    hard = Counter(t for s in allrows for t in (s.meta.get("hard") or []))
    region = Counter(MACRO.get(s.meta.get("region", ""), s.meta.get("region", "unknown"))
                     if s.meta.get("source") != "template" else "templates (states from every region)"
                     for s in allrows)
    types = Counter(actor_type(a) for a in actors)
    out.update({
        "sentences": len(allrows),
        "written": sum(1 for s in allrows if s.meta.get("source") != "template"),
        "distinct_actors": len(actors),
        "labels": dict(labels),
        "accusation_share": labels["accusation"] / stance_pairs if stance_pairs else 0.0,
        "three_plus_share": sum(1 for s in allrows if len(s.actors) >= 3) / max(1, len(allrows)),
        "length_min": min(lengths), "length_max": max(lengths),
        "length_over_60": sum(1 for n in lengths if n > 60), "length_under_8": sum(1 for n in lengths if n < 8),
        "hard": {t: hard.get(t, 0) for t in HARD_TAGS},
        "regions": dict(region.most_common()),
        "actor_types": dict(types.most_common()),
    })
    return out


def check(st: dict) -> list[str]:
    problems = []
    for key in ("sentences", "written", "distinct_actors"):
        if st[key] < MINIMUMS[key]:
            problems.append(f"{key} {st[key]} < {MINIMUMS[key]}")
    for key in ("accusation_share", "three_plus_share"):
        if st[key] < MINIMUMS[key]:
            problems.append(f"{key} {st[key]:.3f} < {MINIMUMS[key]}")
    for t, n in st["hard"].items():
        if n < MINIMUMS["hard_each"]:
            problems.append(f"hard case {t}: {n} < {MINIMUMS['hard_each']}")
    if st["length_min"] < 8 or st["length_max"] > 60:
        problems.append(f"lengths {st['length_min']}-{st['length_max']} outside 8-60 words")
    return problems


def render(st: dict, quality: dict | None, later: dict | None = None) -> str:
    lines = [BEGIN, "", "_Generated by `python training/data_card.py`; do not edit by hand._", "",
             "### Counts per split (ordered pairs, closed world)", "",
             "| split | sentences | written | template | stories/families | " + " | ".join(LABELS) + " |",
             "|---|---|---|---|---|" + "---|" * len(LABELS)]
    for name, r in st["per_split"].items():
        lines.append(f"| {name} | {r['sentences']} | {r['written']} | {r['template']} | {r['stories_or_families']} | "
                     + " | ".join(str(r[lab]) for lab in LABELS) + " |")
    lines += ["", "### Totals against the corpus requirements", "",
              "| measure | value | minimum |", "|---|---|---|",
              f"| sentences | {st['sentences']} | {MINIMUMS['sentences']} |",
              f"| individually written sentences | {st['written']} | {MINIMUMS['written']} |",
              f"| distinct actor strings | {st['distinct_actors']} | {MINIMUMS['distinct_actors']} |",
              f"| accusation share of non-none pairs | {st['accusation_share']:.3f} | {MINIMUMS['accusation_share']} |",
              f"| sentences with 3+ actors | {st['three_plus_share']:.3f} | {MINIMUMS['three_plus_share']} |",
              f"| sentence length (words) | {st['length_min']}–{st['length_max']} | 8–60 |",
              "", "### Hard cases (sentences tagged in `meta.hard`)", "", "| tag | sentences |", "|---|---|"]
    lines += [f"| {t} | {n} |" for t, n in st["hard"].items()]
    lines += ["", "### Sentences by world region (`meta.region`, grouped)", "", "| region | sentences |", "|---|---|"]
    lines += [f"| {r} | {n} |" for r, n in st["regions"].items()]
    lines += ["", "### Distinct actors by type (gazetteer normalisation of the actor span)", "",
              "| type | actors |", "|---|---|"]
    lines += [f"| {t} | {n} |" for t, n in st["actor_types"].items()]
    if quality:
        lines += ["", "### Blind re-annotation", "",
                  f"{quality['n_sentences']} randomly sampled written sentences ({quality['n_pairs']} ordered pairs) "
                  f"were re-annotated blind by a second annotator. Cohen's kappa over the four labels: "
                  f"**{quality['kappa']:.3f}**; raw agreement {quality['agreement']:.3f}; "
                  f"{quality['disagreements']} disagreeing pairs, adjudicated by the codebook "
                  f"(see `training/data/quality/`)."]
    if later:
        lines += ["", f"Later, {later['n_sentences']} sentences ({later['n_pairs']} ordered pairs) drawn from the eight "
                  "later writers' files (g1–g8, 15 each, after their second-pass review) were annotated blind by two "
                  f"more annotators (`python training/quality.py kappa-g`): Cohen's kappa **{later['kappa']:.3f}**; "
                  f"raw agreement {later['agreement']:.3f}; {later['disagreements']} disagreeing pairs "
                  "(`disagreements_g.jsonl`, not adjudicated). The main kinds are stances carried to a co-referent "
                  "mention (rules 11/12: Tbilisi and Georgia), stances implied by reacting to another's act "
                  "(denouncing arrest warrants as support for the accused), and the reverse support after "
                  "\"thanked\". "
                  "The blind annotators are helpers of the same kind as the writers, so blind spots they share "
                  "would not show as disagreement."]
    problems = check(st)
    lines += ["", "Requirement check: " + ("all minimums met." if not problems else "; ".join(problems)), "", END]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    split_dir = HERE / "data" / "splits"
    splits = {n: load_samples(split_dir / f"{n}.jsonl") for n in ("train", "dev", "test")}
    st = stats(splits)
    qfile = HERE / "data" / "quality" / "kappa.json"
    quality = json.loads(qfile.read_text()) if qfile.is_file() else None
    gfile = qfile.with_name("kappa_g.json")
    later = json.loads(gfile.read_text()) if gfile.is_file() else None
    if args.check:
        problems = check(st)
        print("\n".join(problems) or "all minimums met")
        return 1 if problems else 0
    card = HERE / "data" / "README.md"
    text = card.read_text(encoding="utf-8") if card.is_file() else f"# Data card\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    card.write_text(head + render(st, quality, later) + tail, encoding="utf-8")
    print(json.dumps({k: v for k, v in st.items() if k not in ("regions", "actor_types")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
