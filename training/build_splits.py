"""Build train/dev/test splits from the written stories and the template families.

    python training/build_splits.py
    python training/build_splits.py --dev-writers g2,g7 --out DIR   # held-out writers (diagnostic)

- ``data/written/test.jsonl`` (written on its own, never from templates) is the test split.
- The other written files are split by story (``doc_id``), templates by family,
  about 85/15 into train/dev, with a seeded hash so the split is stable.
- Leakage guard: a train/dev sentence whose normalised text, or whose text with
  every actor masked (an actor-substituted near duplicate), equals a test
  sentence's is dropped (reported). So is one whose word set overlaps a test or
  benchmark sentence's by a Jaccard index of 0.4 or more: writers who never saw
  each other's files still wrote the same real news event in near-identical
  words. Benchmark sentences are checked too.
- ``--dev-writers A,B`` (file stems of ``data/written/``, a diagnostic; off by
  default): those writers' files become the written part of dev, whole, and no
  train sentence comes from them. Train sentences whose words overlap a
  held-out writer's sentence by Jaccard 0.4 or more are dropped too, so the
  writers' shared real events do not leak. Dev then measures text by people who
  wrote nothing in train, as the test split does, so the templates all go to
  train. Write such splits elsewhere with ``--out`` (the default is
  ``data/splits``, which the shipped models' cards name).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from stance.data import Sample, load_samples, write_samples  # noqa: E402


def normalise(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def skeleton(s: Sample) -> str:
    """Text with every actor replaced by a placeholder: equal skeletons = substituted near duplicates."""
    text, out, prev = s.text, [], 0
    for a in sorted(s.actors, key=lambda a: a.start):
        if a.start < prev:
            continue
        out.append(text[prev:a.start])
        out.append(" ACTOR ")
        prev = a.end
    out.append(text[prev:])
    return normalise("".join(out))


#: Word-set Jaccard index from which a train/dev sentence counts as a paraphrase of a held-out one.
NEAR_DUPLICATE_JACCARD = 0.4


def words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def near_duplicate(text: str, held_out: list[frozenset[str]]) -> bool:
    w = words(text)
    return any(jaccard(w, h) >= NEAR_DUPLICATE_JACCARD for h in held_out)


def bucket(key: str, seed: int) -> float:
    h = hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()
    return int(h[:8], 16) / 0xFFFFFFFF


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(HERE / "data"))
    ap.add_argument("--dev-share", type=float, default=0.15)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--benchmarks", default=str(HERE.parent.parent / "shared" / "benchmarks"))
    ap.add_argument("--dev-writers", default="", help="comma-separated file stems of data/written/ held out whole as dev")
    ap.add_argument("--out", default=None, help="output folder (default: DATA/splits)")
    args = ap.parse_args()
    data = Path(args.data)
    written = sorted(p for p in (data / "written").glob("*.jsonl") if p.name != "test.jsonl")
    dev_writers = {w for w in args.dev_writers.split(",") if w}
    unknown = dev_writers - {p.stem for p in written}
    if unknown:
        ap.error(f"--dev-writers: no file data/written/NAME.jsonl for {sorted(unknown)}")
    test = load_samples(data / "written" / "test.jsonl")
    pool = load_samples(*(p for p in written if p.stem not in dev_writers))
    writers_dev = load_samples(*(p for p in written if p.stem in dev_writers)) if dev_writers else []
    templates = load_samples(data / "templates.jsonl") if (data / "templates.jsonl").is_file() else []

    test_norm = {normalise(s.text) for s in test}
    test_skel = {skeleton(s) for s in test}
    bench_norm: set[str] = set()
    held_out = [words(s.text) for s in test]
    for p in Path(args.benchmarks).rglob("*.jsonl") if Path(args.benchmarks).is_dir() else []:
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line)["text"]
                bench_norm.add(normalise(text))
                held_out.append(words(text))

    def leaks(s: Sample) -> bool:
        return (normalise(s.text) in test_norm or skeleton(s) in test_skel or normalise(s.text) in bench_norm
                or near_duplicate(s.text, held_out))

    train: list[Sample] = []
    dev: list[Sample] = []
    dropped: list[str] = []
    for s in writers_dev:
        if leaks(s):
            dropped.append(s.id)
        else:
            dev.append(s)
    share = 0.0 if dev_writers else args.dev_share  # held-out writers: they alone are dev
    writer_words = [words(s.text) for s in dev]
    for s in pool + templates:
        written_story = not s.meta.get("family")
        if leaks(s) or (written_story and writer_words and near_duplicate(s.text, writer_words)):
            dropped.append(s.id)
            continue
        key = s.meta.get("family") or s.doc_id or s.id
        (dev if bucket(str(key), args.seed) < share else train).append(s)
    test = [s for s in test if normalise(s.text) not in bench_norm]
    out = Path(args.out) if args.out else data / "splits"
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train", train), ("dev", dev), ("test", test)):
        n = write_samples(rows, out / f"{name}.jsonl")
        print(f"{name}: {n} sentences")
    print(f"dropped {len(dropped)} train/dev sentences overlapping test, benchmarks"
          f"{' or the held-out writers' if dev_writers else ''}: {dropped[:10]}"
          + (" ..." if len(dropped) > 10 else ""))


if __name__ == "__main__":
    main()
