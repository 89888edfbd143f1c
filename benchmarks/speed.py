"""Speed and memory of the inference paths, in one run on the same input.

    python benchmarks/speed.py [--data training/data/splits/test.jsonl] [--threads 2]
                               [--reference runs/reference/model] [--model DIR]

Rows (each measured in its own subprocess, so peak RSS is per path):
- naive: a plain forward per ordered pair (batch 1, fp32, typed markers);
- reference: the per-pair model path (`markers.typed_pair.v1`, batched, fp32);
- fast: the shipped model's path (one encoder pass per sentence), torch fp32;
- fast-int8: the same with the encoder's linear layers in torch dynamic int8;
- fast-onnx / fast-onnx-int8: the same model on ONNX Runtime, fp32 and per-channel int8
  (exported once and cached before timing; skipped when onnxruntime is not installed).
"pairs/s" uses the gold actors (pairs given); "sentences/s e2e" starts from raw
text (sentence splitting, actor extraction with the default tagger, classification).
The naive and reference rows use the model given by ``--reference`` (a trained
per-pair model) or else an untrained per-pair model of the same size: speed does
not depend on the weights' values.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _items(path: str, limit: int):
    from stance.data import load_samples

    samples = load_samples(path)[:limit]
    items = []
    for s in samples:
        n = len(s.actors)
        items.append((s.text, [(a.start, a.end) for a in s.actors],
                      [(i, j) for i in range(n) for j in range(n) if i != j]))
    return samples, items


def run_one(kind: str, data: str, limit: int, threads: int, model: str | None, reference: str | None) -> dict:
    import torch

    torch.set_num_threads(threads)
    import stance
    from stance.config import ModelConfig
    from stance.model import build_model, save_model

    samples, items = _items(data, limit)
    n_pairs = sum(len(p) for _, _, p in items)
    out: dict = {"path": kind, "sentences": len(items), "pairs": n_pairs}
    if kind in ("naive", "reference"):
        if reference is None:
            tmp = Path(tempfile.mkdtemp())
            m, tok = build_model(ModelConfig(markers="markers.typed_pair.v1"), seed=0)
            save_model(m, tok, tmp / "m")
            reference = str(tmp / "m")
        clf = stance.load(reference, threads=threads)
    else:
        clf = stance.load(model, threads=threads, int8=kind.endswith("int8"),
                          backend="onnx" if "onnx" in kind else "torch")
    clf.pair_probs(items[:4])  # warm-up
    t0 = time.perf_counter()
    if kind == "naive":
        from stance.markers import MarkerEncoder

        enc = MarkerEncoder(clf.tokenizer, "markers.typed_pair.v1", 512)
        with torch.inference_mode():
            for text, spans, pairs in items:
                for p in pairs:
                    (u,) = enc.encode(text, spans, [p])
                    ids = torch.tensor([u.input_ids])
                    clf.model(ids, torch.ones_like(ids), torch.tensor([0]), torch.tensor([u.positions[0][0]]),
                              torch.tensor([u.positions[0][1]]))
    else:
        clf.pair_probs(items)
    dt = time.perf_counter() - t0
    out["pairs_per_s"] = n_pairs / dt
    if kind.startswith("fast"):
        texts = [s.text for s in samples]
        clf.predict_batch(texts[:4])
        t0 = time.perf_counter()
        clf.predict_batch(texts)
        out["e2e_sentences_per_s"] = len(texts) / (time.perf_counter() - t0)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(ROOT / "training" / "data" / "splits" / "test.jsonl"))
    ap.add_argument("--limit", type=int, default=200, help="sentences (naive runs on a quarter of them)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", default=None, help="model folder for the fast paths (default: shipped)")
    ap.add_argument("--reference", default=None, help="trained per-pair model folder for the naive/reference rows")
    ap.add_argument("--paths", default=None, help="comma-separated subset of the rows (default: all)")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        limit = max(10, args.limit // 4) if args.one == "naive" else args.limit
        print(json.dumps(run_one(args.one, args.data, limit, args.threads, args.model, args.reference)))
        return
    rows = []
    kinds = ["naive", "reference", "fast", "fast-int8"]
    try:
        import onnxruntime  # noqa: F401

        kinds += ["fast-onnx", "fast-onnx-int8"]
    except ImportError:
        print("onnxruntime not installed: no ONNX rows (pip install -e '.[onnx]')", file=sys.stderr)
    if args.paths:
        kinds = [k for k in kinds if k in args.paths.split(",")]
    for kind in kinds:
        cmd = [sys.executable, __file__, "--one", kind, "--data", args.data, "--limit", str(args.limit),
               "--threads", str(args.threads)] + (["--model", args.model] if args.model else []) + \
              (["--reference", args.reference] if args.reference else [])
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            print(res.stderr[-2000:], file=sys.stderr)
            continue
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
    print(f"threads={args.threads}, data={Path(args.data).name}, model={args.model or 'default'}, "
          f"reference={args.reference or 'untrained per-pair'}")
    print("| path | sentences | pairs | pairs/s (actors given) | sentences/s e2e (raw text) | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        e2e = f"{r['e2e_sentences_per_s']:.0f}" if "e2e_sentences_per_s" in r else "–"
        print(f"| {r['path']} | {r['sentences']} | {r['pairs']} | {r['pairs_per_s']:.0f} | {e2e} | {r['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
