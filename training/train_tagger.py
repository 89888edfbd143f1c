"""Train the learned actor tagger (``stance/tagger.py``) on the training split's actor spans.

    python training/train_tagger.py [--epochs 8] [--seed 0] [--output stance/resources/tagger.json.gz]

Only ``training/data/splits/train.jsonl`` is used (never dev, test or the
PLOVER benchmark). Deterministic: the same data and seed give the same file.
Prints the token-level accuracy on the dev split, which is the only check run
here; mention recall/precision come from ``benchmarks/actors.py --tagger learned``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stance.actors import Gazetteer  # noqa: E402
from stance.data import load_samples  # noqa: E402
from stance.tagger import TAGGER_FILE, PerceptronTagger  # noqa: E402

TRAIN = ROOT / "training" / "data" / "splits" / "train.jsonl"
DEV = ROOT / "training" / "data" / "splits" / "dev.jsonl"


def known_words(gaz: Gazetteer) -> set[str]:
    words: set[str] = set()
    for table in (gaz.exact, gaz.lower, gaz.adjectives, gaz.after_det):
        for key in table:
            words.update(w.lower() for w in key if any(ch.isalpha() for ch in w))
    return words


def common_words(data: list[tuple[list[str], list[str]]], min_count: int = 2) -> set[str]:
    """Words written in lower case at least ``min_count`` times in the training text."""
    from collections import Counter

    counts = Counter(w for words, _ in data for w in words if w.isalpha() and w.islower())
    return {w for w, c in counts.items() if c >= min_count}


def sequences(path: Path) -> list[tuple[list[str], list[str]]]:
    out = []
    for s in load_samples(path):
        if s.meta.get("augmented") if isinstance(s.meta, dict) else False:
            continue
        out.append(PerceptronTagger.bio(s.text, [(a.start, a.end) for a in s.actors]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--output", type=Path, default=TAGGER_FILE)
    args = ap.parse_args()
    gaz = Gazetteer.default()
    train = sequences(TRAIN)
    tagger = PerceptronTagger(known=known_words(gaz), common=common_words(train))
    t0 = time.perf_counter()
    tagger.train(train, epochs=args.epochs, seed=args.seed)
    dev = sequences(DEV)
    ok = n = 0
    for words, gold in dev:
        pred = tagger.tag(words)
        ok += sum(p == g for p, g in zip(pred, gold, strict=True))
        n += len(gold)
    meta = {"train": str(TRAIN.relative_to(ROOT)), "train_sha256": hashlib.sha256(TRAIN.read_bytes()).hexdigest(),
            "gazetteer_version": gaz.version, "epochs": args.epochs, "seed": args.seed,
            "train_sentences": len(train), "dev_token_accuracy": round(ok / max(1, n), 4)}
    tagger.save(args.output, meta)
    print(f"trained on {len(train)} sentences in {time.perf_counter() - t0:.1f} s; {len(tagger.weights)} features; "
          f"dev token accuracy {ok / max(1, n):.4f}; wrote {args.output} ({args.output.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
