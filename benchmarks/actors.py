"""Actor extraction: mention precision/recall against gold actors, id accuracy, and speed.

    python benchmarks/actors.py [--tagger none|learned|spacy] [FILE.jsonl ...]

Defaults: the seed gold, the project's test split and the PLOVER set. A
predicted mention matches a gold actor when their character spans overlap.
Id accuracy is measured where the gold gives codes (``meta.actor_codes``:
"ISO/SECTOR" per actor, null when unknown; for the test split, a coded sample
kept beside it in ``training/data/quality/test_actor_codes.jsonl``). Speed is sentences per second for
extraction alone (sentence splitting + matching + document resolution) on the
files' sentences, single process.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stance.actors import ActorExtractor  # noqa: E402
from stance.data import load_samples  # noqa: E402
from stance.types import Mention  # noqa: E402

DEFAULT = [ROOT / "seeds" / "000_04081d6bb6b1917b.gold.jsonl", ROOT / "training" / "data" / "splits" / "test.jsonl",
           ROOT.parent / "shared" / "benchmarks" / "plover-gsr" / "plover_gsr_v1.jsonl"]


def overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


CODES = ROOT / "training" / "data" / "quality" / "test_actor_codes.jsonl"


def side_codes(path: Path = CODES) -> dict[str, list[str | None]]:
    """Gold actor codes kept beside a split (id -> code per actor), e.g. for a sample of the test split."""
    import json

    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: r["actor_codes"] for r in rows}


def evaluate(path: Path, ex: ActorExtractor) -> dict[str, float]:
    samples = load_samples(path)
    extra_codes = side_codes()
    tp_gold = n_gold = tp_pred = n_pred = id_ok = id_n = 0
    misses = []
    # sentences of one document (doc_id) are extracted together, so document-level links apply
    docs: dict[str, list] = {}
    for s in samples:
        docs.setdefault(s.doc_id or s.id, []).append(s)
    predicted: dict[str, list] = {}
    for group in docs.values():
        text, starts = "", []
        for s in group:
            starts.append(len(text))
            text += s.text + "\n"
        found = ex.mentions(text)
        for s, off in zip(group, starts, strict=True):
            predicted[s.id] = [Mention(m.text, m.start - off, m.end - off, m.actor_id, m.type) for m in found
                               if off <= m.start and m.end <= off + len(s.text)]
    for s in samples:
        pred = predicted[s.id]
        gold = [(a.start, a.end) for a in s.actors]
        n_gold += len(gold)
        n_pred += len(pred)
        codes = (s.meta.get("actor_codes") if isinstance(s.meta, dict) else None) or extra_codes.get(s.id)
        if codes is not None and len(codes) != len(gold):
            raise SystemExit(f"{s.id}: {len(codes)} actor codes for {len(gold)} actors")
        for gi, g in enumerate(gold):
            hits = [m for m in pred if overlap(g, (m.start, m.end))]
            if hits:
                tp_gold += 1
            else:
                misses.append(s.actors[gi].text)
            if codes and codes[gi] and codes[gi].split("/")[1] in ("GOV", "MIL"):
                id_n += 1
                if hits and f"{hits[0].actor_id}/{hits[0].type}" == codes[gi]:
                    id_ok += 1
        tp_pred += sum(1 for m in pred if any(overlap(g, (m.start, m.end)) for g in gold))
    return {"sentences": len(samples), "gold": n_gold, "recall": tp_gold / max(1, n_gold),
            "precision_vs_listed": tp_pred / max(1, n_pred), "id_accuracy": (id_ok / id_n) if id_n else float("nan"),
            "id_n": id_n, "misses": misses[:12]}


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--tagger", choices=["none", "learned", "spacy"], default="none")
    args = ap.parse_args()
    files = args.files or [p for p in DEFAULT if p.is_file()]
    ex = ActorExtractor(tagger=None if args.tagger == "none" else args.tagger)
    print(f"tagger: {args.tagger}\n")
    print("| data | sentences | gold actors | recall | precision* | id accuracy (state GOV/MIL) |")
    print("|---|---|---|---|---|---|")
    texts: list[str] = []
    for f in files:
        r = evaluate(f, ex)
        texts += [s.text for s in load_samples(f)]
        print(f"| {f.name} | {r['sentences']} | {r['gold']} | {r['recall']:.3f} | {r['precision_vs_listed']:.3f} | "
              f"{r['id_accuracy']:.3f} (n={r['id_n']}) |")
        print(f"  first misses: {r['misses']}", file=sys.stderr)
    print("\n*precision counts predicted mentions overlapping a listed actor; gold lists are not exhaustive "
          "(PLOVER lists only the coded pair's actors), so this is a lower bound.")
    ex.mentions("warm up")
    reps = max(1, 3000 // max(1, len(texts)))
    t0 = time.perf_counter()
    for _ in range(reps):
        for t in texts:
            ex.extract(t)
    dt = time.perf_counter() - t0
    print(f"\nextraction speed: {reps * len(texts) / dt:.0f} sentences/s "
          f"({reps * len(texts)} sentences, {dt:.2f} s, one process)")


if __name__ == "__main__":
    main()
