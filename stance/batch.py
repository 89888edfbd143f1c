"""Batch classification of news archives: streaming, resumable, exactly once.

Records stream from the inputs in a fixed order and are cut into chunks of
``chunk_size`` records. Chunk *k* writes ``part-k.<fmt>`` (result rows),
``part-k.errors.jsonl`` (one error record per failed input record) and, last,
``part-k.done.json``; each file is written to a temporary name and renamed, so
a chunk is complete exactly when its ``done`` file exists. ``--resume`` skips
complete chunks and redoes the rest, so after a crash (even ``kill -9``) the
output holds every input record exactly once: as result rows or as an error
record. ``manifest.json`` pins the job's settings and the model folder's
fingerprint (`stance.model.model_fingerprint`); resuming with different settings
or another model (say, after upgrading stance) is refused, naming what differs.

Memory stays bounded: inputs are read lazily, line by line or row group by row
group, and only one chunk is held at a time.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stance.errors import InputError
from stance.labels import LABELS

TEXT_SUFFIXES = {".txt", ".text"}
TABLE_SUFFIXES = {".jsonl", ".ndjson", ".csv", ".parquet"}


@dataclass(frozen=True)
class Record:
    id: str
    text: str | None
    error: str | None = None


@dataclass
class JobOptions:
    inputs: Sequence[str]
    output: str
    fmt: str = "jsonl"
    granularity: str = "pair"
    batch_size: int = 32
    chunk_size: int = 256
    resume: bool = False
    lines: bool = False
    id_field: str = "id"
    text_field: str = "text"
    max_chars: int = 200_000
    max_sentence_chars: int = 5_000
    max_actors_per_sentence: int = 40
    engine: str = "local"
    ray_address: str | None = None
    ray_workers: int = 2
    model: str | None = None
    threads: int | None = None
    int8: bool = False
    backend: str = "torch"
    tagger: str | None = "default"  # "default": the extractor's default tagger
    same_entity: bool = True  # codebook rules 11/12 after the model (stance.coref)
    none_margin: float | None = None  # decision rule (stance.decision); None: the model's own
    progress: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def pinned(self) -> dict[str, Any]:
        """Settings that must not change between a run and its resume."""
        return {"inputs": [str(Path(p).resolve()) for p in self.inputs], "format": self.fmt,
                "granularity": self.granularity, "chunk_size": self.chunk_size, "lines": self.lines,
                "id_field": self.id_field, "text_field": self.text_field, "model": self.model or "default",
                "max_chars": self.max_chars, "max_sentence_chars": self.max_sentence_chars,
                "int8": self.int8, "backend": self.backend, "tagger": self.tagger,
                "same_entity": self.same_entity, "none_margin": self.none_margin}

    def load_classifier(self, threads: int | None = None) -> Any:
        """The classifier these options describe (model, backend, int8 and actor tagger)."""
        from stance.actors import ActorExtractor
        from stance.classifier import load

        extractor = ActorExtractor.named(self.tagger)
        return load(self.model, batch_size=self.batch_size, threads=threads if threads is not None else self.threads,
                    int8=self.int8, backend=self.backend, extractor=extractor, same_entity=self.same_entity,
                    none_margin=self.none_margin)


# -- reading ---------------------------------------------------------------------------------------------
def _expand(inputs: Sequence[str]) -> Iterator[Path]:
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            yield from sorted(x for x in p.rglob("*") if x.is_file())
        elif p.exists():
            yield p
        else:
            raise InputError(f"input {raw}: no such file or directory")


def _is_binary(path: Path) -> bool:
    with open(path, "rb") as fh:
        return b"\x00" in fh.read(8192)


def iter_records(opts: JobOptions) -> Iterator[Record]:
    """Every input record in a fixed order; unreadable ones come as `Record` with ``error`` set."""
    for path in _expand(opts.inputs):
        suffix = path.suffix.lower()
        if _is_binary(path) and suffix != ".parquet":
            yield Record(str(path), None, "binary file (NUL bytes), not text")
            continue
        if suffix in TEXT_SUFFIXES or (suffix not in TABLE_SUFFIXES):
            yield from _txt_records(path, opts.lines)
        elif suffix in (".jsonl", ".ndjson"):
            yield from _jsonl_records(path, opts)
        elif suffix == ".csv":
            yield from _csv_records(path, opts)
        else:
            yield from _parquet_records(path, opts)


def _txt_records(path: Path, lines: bool) -> Iterator[Record]:
    if not lines:
        try:
            yield Record(str(path), path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            yield Record(str(path), None, f"not valid UTF-8 at byte {exc.start}")
        return
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            rid = f"{path}:{n}"
            try:
                yield Record(rid, raw.decode("utf-8").rstrip("\r\n"))
            except UnicodeDecodeError as exc:
                yield Record(rid, None, f"not valid UTF-8 at byte {exc.start} of the line")


def _field_record(rid_default: str, obj: Any, opts: JobOptions) -> Record:
    if not isinstance(obj, dict):
        return Record(rid_default, None, f"expected a JSON object, got {type(obj).__name__}")
    rid = obj.get(opts.id_field)
    rid = str(rid) if rid not in (None, "") else rid_default
    text = obj.get(opts.text_field)
    if text is None:
        return Record(rid, None, f"missing text field {opts.text_field!r}")
    if not isinstance(text, str):
        return Record(rid, None, f"text field {opts.text_field!r} is {type(text).__name__}, not a string")
    return Record(rid, text)


def _jsonl_records(path: Path, opts: JobOptions) -> Iterator[Record]:
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            rid = f"{path}:{n}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Record(rid, None, f"not valid UTF-8 at byte {exc.start} of the line")
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Record(rid, None, f"malformed JSON: {exc.msg} at column {exc.colno}")
                continue
            yield _field_record(rid, obj, opts)


def _csv_records(path: Path, opts: JobOptions) -> Iterator[Record]:
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", errors="strict", newline="") as fh:
        try:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or opts.text_field not in reader.fieldnames:
                yield Record(str(path), None, f"no column {opts.text_field!r} (columns: {reader.fieldnames})")
                return
            for n, row in enumerate(reader, 2):
                yield _field_record(f"{path}:{n}", row, opts)
        except UnicodeDecodeError as exc:
            yield Record(f"{path}", None, f"not valid UTF-8 at byte {exc.start}; rows after it were not read")


def _parquet_records(path: Path, opts: JobOptions) -> Iterator[Record]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield Record(str(path), None, "reading parquet needs pyarrow: pip install 'stance[parquet]'")
        return
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable parquet is one error record
        yield Record(str(path), None, f"unreadable parquet: {exc}")
        return
    cols = pf.schema_arrow.names
    if opts.text_field not in cols:
        yield Record(str(path), None, f"no column {opts.text_field!r} (columns: {cols})")
        return
    n = 0
    for batch in pf.iter_batches(columns=[c for c in (opts.id_field, opts.text_field) if c in cols]):
        for row in batch.to_pylist():
            n += 1
            yield _field_record(f"{path}:{n}", row, opts)


# -- classifying -----------------------------------------------------------------------------------------
def _check_text(rec: Record, opts: JobOptions, extractor: Any) -> tuple[str | None, Any]:
    """Reason the record cannot be classified (or None), and its extraction."""
    if rec.error:
        return rec.error, None
    text = rec.text or ""
    if not text.strip():
        return "empty text", None
    if len(text) > opts.max_chars:
        return f"text has {len(text)} characters, over the limit of {opts.max_chars} (--max-chars)", None
    sentences, mentions = extractor.extract(text)
    for s in sentences:
        if len(s.text) > opts.max_sentence_chars:
            return (f"sentence {s.index} has {len(s.text)} characters, over the limit of "
                    f"{opts.max_sentence_chars} (--max-sentence-chars); not a news sentence"), None
        n = sum(1 for m in mentions if s.start <= m.start < s.end)
        if n > opts.max_actors_per_sentence:
            return f"sentence {s.index} has {n} actor mentions, over the limit of {opts.max_actors_per_sentence}", None
    return None, (sentences, mentions)


def pair_row(doc_id: str, p: Any) -> dict[str, Any]:
    row = {"doc_id": doc_id, "sentence": p.sentence,
           "source": p.source.text, "source_start": p.source.start, "source_end": p.source.end,
           "source_id": p.source.actor_id, "source_type": p.source.type,
           "target": p.target.text, "target_start": p.target.start, "target_end": p.target.end,
           "target_id": p.target.actor_id, "target_type": p.target.type,
           "label": p.label}
    row.update({f"p_{lab}": round(p.probs[lab], 6) for lab in LABELS})
    row["sentiment"] = round(p.sentiment, 6)
    return row


def classify_records(clf: Any, records: Sequence[Record], opts: JobOptions) -> list[tuple[list[dict], dict | None]]:
    """Per record, in order: its result rows and its error record (None when it was classified)."""
    extractor = clf.extractor
    results: list[tuple[list[dict], dict | None]] = []
    ok: list[tuple[int, Record, Any]] = []
    for k, rec in enumerate(records):
        reason, parsed = _check_text(rec, opts, extractor)
        results.append(([], {"id": rec.id, "reason": reason} if reason else None))
        if not reason:
            ok.append((k, rec, parsed))
    docs = clf.predict_parsed([r.text for _, r, _ in ok], [p for _, _, p in ok]) if ok else []
    for (k, rec, _), doc in zip(ok, docs, strict=True):
        if opts.granularity == "document":
            rows = [{"doc_id": rec.id, "n_sentences": len(doc.sentences), "n_actors": len(doc.actors),
                     "n_stances": len(doc.pairs),
                     "stances": json.dumps([pair_row(rec.id, p) for p in doc.pairs], ensure_ascii=False)}]
        else:
            rows = [pair_row(rec.id, p) for p in doc.pairs]
        results[k] = (rows, None)
    return results


def classify_chunk(clf: Any, records: Sequence[Record], opts: JobOptions) -> tuple[list[dict], list[dict]]:
    """Rows and error records for one chunk of records, in input order."""
    rows: list[dict] = []
    errors: list[dict] = []
    for r, e in classify_records(clf, records, opts):
        rows.extend(r)
        if e is not None:
            errors.append(e)
    return rows, errors


# -- writing ---------------------------------------------------------------------------------------------
PAIR_COLUMNS = ["doc_id", "sentence", "source", "source_start", "source_end", "source_id", "source_type",
                "target", "target_start", "target_end", "target_id", "target_type", "label",
                *(f"p_{lab}" for lab in LABELS), "sentiment"]
DOC_COLUMNS = ["doc_id", "n_sentences", "n_actors", "n_stances", "stances"]


def _atomic_write(path: Path, write: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def write_rows(rows: list[dict], path: Path, fmt: str, columns: list[str]) -> None:
    def jsonl(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def csv_(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=columns)
            w.writeheader()
            w.writerows(rows)

    def parquet(tmp: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(rows) if rows else pa.table({c: pa.array([], pa.string()) for c in columns})
        pq.write_table(table, tmp)

    _atomic_write(path, {"jsonl": jsonl, "csv": csv_, "parquet": parquet}[fmt])


def _chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    buf: list[Record] = []
    for r in records:
        buf.append(r)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def _count(opts: JobOptions) -> int | None:
    """Cheap streaming count of records for the ETA (None when unknown)."""
    try:
        n = 0
        for p in _expand(opts.inputs):
            s = p.suffix.lower()
            if s in (".jsonl", ".ndjson") or (opts.lines and s not in TABLE_SUFFIXES):
                with open(p, "rb") as fh:
                    n += sum(1 for line in fh if line.strip() or opts.lines)
            elif s in (".csv", ".parquet"):
                return None
            else:
                n += 1
        return n
    except OSError:
        return None


@dataclass
class JobSummary:
    records: int = 0
    ok: int = 0
    failed: int = 0
    rows: int = 0
    chunks_done: int = 0
    chunks_skipped: int = 0
    seconds: float = 0.0


def run_job(opts: JobOptions, clf: Any = None) -> JobSummary:
    """Run (or resume) a batch job; returns counts. Never stops on a bad record."""
    from tqdm import tqdm

    if opts.fmt not in ("jsonl", "csv", "parquet"):
        raise InputError(f"--format must be jsonl, csv or parquet, got {opts.fmt!r}")
    if opts.granularity not in ("pair", "document"):
        raise InputError(f"--granularity must be pair or document, got {opts.granularity!r}")
    out = Path(opts.output)
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.json"
    pinned = {**opts.pinned(), "model_sha256": _fingerprint(opts, clf)}
    if manifest.exists():
        old = json.loads(manifest.read_text())
        if not opts.resume:
            raise InputError(f"{out} already holds a job; pass --resume to continue it or choose another -o")
        if old.get("settings") != pinned:
            raise InputError(f"{out}: --resume with different settings than the original job: "
                             + _settings_diff(old.get("settings") or {}, pinned))
    else:
        _atomic_write(manifest, lambda t: t.write_text(json.dumps({"settings": pinned, "version": 1}, indent=1)))
    columns = DOC_COLUMNS if opts.granularity == "document" else PAIR_COLUMNS
    summary = JobSummary()
    t0 = time.time()
    total = _count(opts) if opts.progress else None
    bar = tqdm(total=total, unit="doc", disable=not opts.progress, desc="classify", file=sys.stderr)
    engine = None
    for k, chunk in enumerate(_chunks(iter_records(opts), opts.chunk_size)):
        done = out / f"part-{k:06d}.done.json"
        summary.records += len(chunk)
        if done.exists():
            info = json.loads(done.read_text())
            if info.get("ids") != [r.id for r in chunk]:
                raise InputError(f"{done}: the input records of chunk {k} differ from the original job's; "
                                 "the inputs changed since the job began, so --resume cannot be exact")
            summary.ok += info["ok"]
            summary.failed += info["failed"]
            summary.rows += info["rows"]
            summary.chunks_skipped += 1
            bar.update(len(chunk))
            continue
        if engine is None:
            engine = _make_engine(opts, clf)
        rows, errors = engine(chunk)
        write_rows(rows, out / f"part-{k:06d}.{opts.fmt}", opts.fmt, columns)
        write_rows(errors, out / f"part-{k:06d}.errors.jsonl", "jsonl", ["id", "reason"])
        info = {"chunk": k, "records": len(chunk), "ok": len(chunk) - len(errors), "failed": len(errors),
                "rows": len(rows), "ids": [r.id for r in chunk]}
        _atomic_write(done, lambda t, info=info: t.write_text(json.dumps(info)))
        summary.ok += info["ok"]
        summary.failed += info["failed"]
        summary.rows += info["rows"]
        summary.chunks_done += 1
        bar.update(len(chunk))
    bar.close()
    summary.seconds = time.time() - t0
    return summary


def _fingerprint(opts: JobOptions, clf: Any) -> str:
    """The fingerprint of the model the job runs (`stance.model.model_fingerprint`).

    A given classifier's own (set by `stance.load`), else that of the folder ``opts.model``
    names; a classifier built without `stance.load` has none, which is recorded as such.
    """
    if clf is not None:
        return str(getattr(clf, "fingerprint", None) or "unknown: classifier not built by stance.load")
    from stance.classifier import model_folder
    from stance.model import model_fingerprint

    return model_fingerprint(model_folder(opts.model))


def _settings_diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    """'key: was X, now Y' for each setting that differs (a job from an older version lacks some)."""
    absent = "(not recorded)"
    keys = [k for k in sorted(set(old) | set(new)) if old.get(k, absent) != new.get(k, absent)]
    text = "; ".join(f"{k}: was {old.get(k, absent)!r}, now {new.get(k, absent)!r}" for k in keys)
    if "model_sha256" in keys:
        text += (" (model_sha256 fingerprints the model folder: its weights, config, none margin or tokenizer "
                 "differ, e.g. after upgrading stance; finish the job with the model that began it)")
    return text


def _make_engine(opts: JobOptions, clf: Any) -> Any:
    if opts.engine == "ray":
        from stance.ray_engine import RayEngine

        return RayEngine(opts)
    if opts.engine != "local":
        raise InputError(f"--engine must be local or ray, got {opts.engine!r}")
    if clf is None:
        clf = opts.load_classifier()
    return lambda chunk: classify_chunk(clf, chunk, opts)


def read_output(folder: str | Path) -> tuple[list[dict], list[dict]]:
    """All result rows and error records of a finished job folder (jsonl format)."""
    rows: list[dict] = []
    errors: list[dict] = []
    for p in sorted(Path(folder).glob("part-*.jsonl")):
        target = errors if p.name.endswith(".errors.jsonl") else rows
        target.extend(json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
    return rows, errors


def classify_dataframe(df: Any, text_col: str = "text", id_col: str | None = None, *, model: str | None = None,
                       clf: Any = None, batch_size: int = 32, include_none: bool = False) -> Any:
    """Classify a pandas DataFrame: one row per stance (``include_none`` adds the none pairs too).

    Rows whose text is missing or empty are skipped with a warning row in ``df.attrs["errors"]``.
    """
    import pandas as pd

    from stance.classifier import load

    if text_col not in df.columns:
        raise InputError(f"no column {text_col!r} in the DataFrame (columns: {list(df.columns)})")
    clf = clf or load(model, batch_size=batch_size)
    ids = df[id_col].astype(str).tolist() if id_col else [str(i) for i in df.index]
    texts = df[text_col].tolist()
    good = [(i, t) for i, t in zip(ids, texts, strict=True) if isinstance(t, str) and t.strip()]
    errors = [{"id": i, "reason": "missing or empty text"} for i, t in zip(ids, texts, strict=True)
              if not (isinstance(t, str) and t.strip())]
    docs = clf.predict_batch([t for _, t in good], include_none=include_none) if good else []
    rows = [pair_row(i, p) for (i, _), d in zip(good, docs, strict=True) for p in d.pairs]
    frame = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    frame.attrs["errors"] = errors
    return frame
