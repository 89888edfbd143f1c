"""Command line: thin wrappers over library functions (heavy imports inside commands)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _read_text(path: str) -> str:
    from stance.errors import InputError

    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-8 at byte {exc.start}; save it as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def cmd_predict(args: argparse.Namespace) -> int:
    from stance.classifier import load

    clf = load(args.model, threads=args.threads, int8=args.int8, backend=args.backend,
               extractor=_extractor(args.tagger), same_entity=not args.no_rules, none_margin=args.none_margin)
    for path in args.inputs:
        doc = clf.predict(_read_text(path))
        if args.json:
            print(doc.to_json())
            continue
        print(f"# {path}: {len(doc.sentences)} sentences, {len(doc.actors)} actor mentions, "
              f"{len(doc.pairs)} stances")
        for p in doc.pairs:
            sid = lambda m: f"{m.actor_id or '?'}/{m.type or '?'}"  # noqa: E731
            print(f"[s{p.sentence:02d}] {p.source.text} ({sid(p.source)}) -> {p.target.text} ({sid(p.target)}): "
                  f"{p.label} p={p.probs[p.label]:.2f} sentiment={p.sentiment:+.2f}")
    return 0


def cmd_actors(args: argparse.Namespace) -> int:
    ex = _extractor(args.tagger)
    for path in args.inputs:
        sentences, mentions = ex.extract(_read_text(path))
        for s in sentences:
            ms = [m for m in mentions if s.start <= m.start < s.end]
            print(f"[s{s.index:02d}] " + "; ".join(f"{m.text} ({m.actor_id}/{m.type})" for m in ms))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from stance.data import main as validate_main

    return validate_main(args.files)


def cmd_train(args: argparse.Namespace) -> int:
    from stance.config import load_config
    from stance.train import train

    cfg = load_config(args.config, args.set)
    out = args.output or f"runs/{Path(args.config).stem}"
    result = train(cfg, out, config_file=args.config)
    m = result["metrics"]
    print(f"model written to {out}/model")
    for name in ("dev", "test"):
        if m.get(name):
            fpr = m[name]["none_fpr"]
            print(f"{name}: macro-F1 {m[name]['macro_f1']:.3f}, none FPR " + (f"{fpr:.3f}" if fpr is not None else "–"))
    for ext, em in (m.get("external") or {}).items():
        print(f"external {ext}: macro-F1 {em['macro_f1']:.3f}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from stance.report import run_evaluation

    run_evaluation(args.data, model=args.model, baselines=args.baseline, mode=args.mode, report=args.report,
                   train_files=args.train, bootstrap=args.bootstrap, tagger=args.tagger, backend=args.backend,
                   int8=args.int8, same_entity=not args.no_rules, none_margin=args.none_margin)
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from stance.batch import JobOptions, run_job

    opts = JobOptions(inputs=args.inputs, output=args.output, fmt=args.format, granularity=args.granularity,
                      batch_size=args.batch_size, chunk_size=args.chunk_size, resume=args.resume, lines=args.lines,
                      id_field=args.id_field, text_field=args.text_field, max_chars=args.max_chars,
                      max_sentence_chars=args.max_sentence_chars, engine=args.engine, ray_address=args.ray_address,
                      ray_workers=args.ray_workers, model=args.model, threads=args.threads,
                      progress=not args.no_progress, int8=args.int8, backend=args.backend,
                      tagger=args.tagger, same_entity=not args.no_rules, none_margin=args.none_margin)
    s = run_job(opts)
    rate = s.records / s.seconds if s.seconds else 0.0
    print(f"{s.records} records: {s.ok} classified, {s.failed} failed (see {args.output}/part-*.errors.jsonl); "
          f"{s.rows} rows; {s.chunks_done} chunks written, {s.chunks_skipped} already done; "
          f"{s.seconds:.1f} s ({rate:.1f} docs/s)")
    return 1 if s.failed else 0


def _extractor(tagger: str):  # type: ignore[no-untyped-def]
    from stance.actors import ActorExtractor

    return ActorExtractor.named(tagger)


def _add_tagger(s: argparse.ArgumentParser) -> None:
    s.add_argument("--tagger", choices=["default", "none", "learned", "spacy"], default="default",
                   help="actor tagger beside the gazetteer: learned (corpus-trained, fast), spacy (spaCy NER, "
                        "slow, needs the spacy extra), none (gazetteer only); default: the extractor's default")


def _add_backend_and_tagger(s: argparse.ArgumentParser) -> None:
    s.add_argument("--backend", choices=["torch", "onnx"], default="torch",
                   help="onnx: ONNX Runtime (exported once, cached; needs the onnx extra)")
    s.add_argument("--no-rules", action="store_true",
                   help="the model alone, without the codebook's co-reference rules 11/12 (stance.coref)")
    s.add_argument("--none-margin", type=float, default=None, metavar="M",
                   help="name a stance only when it beats none by a factor exp(M) (stance.decision); "
                        "default: the model's own, fitted on dev; 0: plain arg-max")
    _add_tagger(s)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="stance", description="Directed stance between geopolitical actors in news text.")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("predict", help="print the actor-pair stances of text files ('-' for stdin)")
    s.add_argument("inputs", nargs="+")
    s.add_argument("--model", default=None, help="model folder, fast or accurate (default: the shipped default model)")
    s.add_argument("--json", action="store_true", help="one JSON document per input")
    s.add_argument("--threads", type=int, default=None)
    s.add_argument("--int8", action="store_true", help="int8 encoder (faster; see benchmarks/speed.py)")
    _add_backend_and_tagger(s)
    s.set_defaults(func=cmd_predict)

    s = sub.add_parser("actors", help="print the actor mentions found in text files")
    s.add_argument("inputs", nargs="+")
    _add_tagger(s)
    s.set_defaults(func=cmd_actors)

    s = sub.add_parser("classify", help="batch job over files/folders: streaming, resumable, exactly once")
    s.add_argument("inputs", nargs="+", help=".txt, .jsonl, .csv, .parquet files or folders (recursive)")
    s.add_argument("-o", "--output", required=True, help="output folder (part files, error files, manifest)")
    s.add_argument("--format", choices=["jsonl", "csv", "parquet"], default="jsonl")
    s.add_argument("--granularity", choices=["pair", "document"], default="pair")
    s.add_argument("--batch-size", type=int, default=32)
    s.add_argument("--chunk-size", type=int, default=256, help="records per atomically written part file")
    s.add_argument("--resume", action="store_true", help="continue a stopped job in the same folder")
    s.add_argument("--lines", action="store_true", help=".txt inputs hold one document per line")
    s.add_argument("--id-field", default="id", help="id field/column of .jsonl/.csv/.parquet inputs")
    s.add_argument("--text-field", default="text", help="text field/column of .jsonl/.csv/.parquet inputs")
    s.add_argument("--max-chars", type=int, default=200_000, help="longer documents become error records")
    s.add_argument("--max-sentence-chars", type=int, default=5_000,
                   help="documents with a longer 'sentence' become error records")
    s.add_argument("--engine", choices=["local", "ray"], default="local")
    s.add_argument("--ray-address", default=None, help="join an existing Ray cluster (default: local, 127.0.0.1)")
    s.add_argument("--ray-workers", type=int, default=2)
    s.add_argument("--model", default=None, help="model folder, fast or accurate (default: the shipped default model)")
    s.add_argument("--threads", type=int, default=None)
    s.add_argument("--int8", action="store_true", help="int8 encoder: about 1.5x faster, same macro-F1 (measured)")
    _add_backend_and_tagger(s)
    s.add_argument("--no-progress", action="store_true")
    s.set_defaults(func=cmd_classify)

    s = sub.add_parser("validate", help="check annotated JSONL files against the data contract")
    s.add_argument("files", nargs="+")
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("train", help="train a model from a YAML config")
    s.add_argument("config")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. training.learning_rate=3e-5 (repeatable)")
    s.add_argument("--output", default=None, help="run folder (default runs/<config name>)")
    s.set_defaults(func=cmd_train)

    s = sub.add_parser("evaluate", help="score a model and baselines on annotated files, write a report")
    s.add_argument("data", nargs="+")
    s.add_argument("--model", default=None, help="model folder, fast or accurate (default: the shipped default model)")
    s.add_argument("--baseline", action="append", default=[], choices=["majority", "lexicon", "tfidf"])
    s.add_argument("--mode", choices=["pairs", "e2e"], default="pairs")
    s.add_argument("--report", default=None, help="folder for metrics.json, report.md, plots, errors.jsonl")
    s.add_argument("--train", nargs="*", default=["training/data/splits/train.jsonl"],
                   help="training files for the tfidf/majority baselines")
    s.add_argument("--bootstrap", type=int, default=1000)
    s.add_argument("--int8", action="store_true", help="score the int8 model")
    _add_backend_and_tagger(s)
    s.set_defaults(func=cmd_evaluate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose or args.command == "train" else logging.WARNING,
                        format="%(asctime)s %(name)s %(message)s")
    from stance.errors import StanceError

    try:
        return int(args.func(args) or 0)
    except StanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
