"""Reader and validator for the annotated-sample JSON Lines format.

The format is the data contract of ``shared/spec/codebook.md``: one sentence
per line, its actor mentions, and its non-``none`` ordered pairs. Reading
resolves every actor to exact character offsets and every pair to a pair of
actor indices, so that everything downstream works with offsets only.

Run ``python -m stance.data FILE...`` (or ``stance validate FILE...``) to check
files; each error names the file, line, record, field, what is wrong and what
to do.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stance.errors import DataError, DataFileError
from stance.labels import LABELS


@dataclass(frozen=True)
class Span:
    """An actor mention in a sample: ``text == sample.text[start:end]``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class GoldPair:
    """A labelled ordered pair, as indices into ``Sample.actors``."""

    source: int
    target: int
    label: str


@dataclass(frozen=True)
class Sample:
    """One validated annotated sentence.

    ``pairs`` holds the pairs written in the file (including any written as
    ``none``). Use :meth:`labelled_pairs` for the pairs that are scored: with
    ``closed_world`` true that is every ordered pair of distinct actors.
    """

    id: str
    text: str
    actors: tuple[Span, ...]
    pairs: tuple[GoldPair, ...]
    closed_world: bool = True
    doc_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    #: Non-fatal findings (e.g. an ordered pair written twice with the same label, merged).
    warnings: tuple[str, ...] = field(default=(), compare=False, hash=False)

    def labelled_pairs(self) -> list[GoldPair]:
        """Every scored ordered pair with its gold label (``none`` filled in)."""
        written = {(p.source, p.target): p.label for p in self.pairs}
        if not self.closed_world:
            return [GoldPair(s, t, lab) for (s, t), lab in written.items()]
        n = len(self.actors)
        return [
            GoldPair(s, t, written.get((s, t), "none"))
            for s in range(n)
            for t in range(n)
            if s != t
        ]

    def to_json(self) -> dict[str, Any]:
        """The record in the shared format, actors written with offsets."""
        out: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "actors": [{"text": a.text, "start": a.start, "end": a.end} for a in self.actors],
            "pairs": [
                {
                    "source": self.actors[p.source].text,
                    "target": self.actors[p.target].text,
                    "source_start": self.actors[p.source].start,
                    "target_start": self.actors[p.target].start,
                    "label": p.label,
                }
                for p in self.pairs
            ],
        }
        if not self.closed_world:
            out["closed_world"] = False
        if self.doc_id is not None:
            out["doc_id"] = self.doc_id
        if self.meta:
            out["meta"] = self.meta
        return out


def _did_you_mean(value: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(value, list(options), n=1)
    return f"did you mean {close[0]!r}?" if close else None


class _RecordParser:
    """Turns one decoded JSON object into a `Sample` or raises `DataError`."""

    def __init__(self, path: str | None, line: int | None) -> None:
        self.path = path
        self.line = line
        self.record_id: str | None = None
        self.warnings: list[str] = []

    def error(self, problem: str, field: str | None = None, hint: str | None = None) -> DataError:
        return DataError(
            problem, path=self.path, line=self.line, record_id=self.record_id, field=field, hint=hint
        )

    def parse(self, obj: Any) -> Sample:
        if not isinstance(obj, dict):
            raise self.error(
                f"a record must be a JSON object, got {type(obj).__name__}",
                hint="write one object per line",
            )
        rid = obj.get("id")
        if not isinstance(rid, str) or not rid.strip():
            raise self.error("missing or empty 'id'", field="id", hint="give each record a unique string id")
        self.record_id = rid
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise self.error("missing or empty 'text'", field="text", hint="'text' is the sentence, a non-empty string")
        actors = self._actors(obj.get("actors"), text)
        pairs = self._pairs(obj.get("pairs", []), actors)
        closed = obj.get("closed_world", True)
        if not isinstance(closed, bool):
            raise self.error(
                f"'closed_world' must be true or false, got {closed!r}", field="closed_world"
            )
        doc_id = obj.get("doc_id")
        if doc_id is not None and not isinstance(doc_id, str):
            raise self.error(f"'doc_id' must be a string, got {doc_id!r}", field="doc_id")
        meta = obj.get("meta", {})
        if not isinstance(meta, dict):
            raise self.error(f"'meta' must be an object, got {type(meta).__name__}", field="meta")
        return Sample(rid, text, actors, pairs, closed, doc_id, meta, tuple(self.warnings))

    def _actors(self, raw: Any, text: str) -> tuple[Span, ...]:
        if not isinstance(raw, list):
            raise self.error("'actors' must be a list", field="actors")
        spans: list[Span] = []
        for i, item in enumerate(raw):
            fld = f"actors[{i}]"
            if isinstance(item, str):
                if not item.strip():
                    raise self.error("empty actor", field=fld)
                start = text.find(item)
                if start < 0:
                    raise self.error(
                        f"actor {item!r} does not occur in text",
                        field=fld,
                        hint="actors must be exact substrings of 'text' (case and punctuation included)",
                    )
                span = Span(item, start, start + len(item))
            elif isinstance(item, dict):
                a_text, o_start, o_end = item.get("text"), item.get("start"), item.get("end")
                if not isinstance(a_text, str) or not a_text.strip():
                    raise self.error("actor object needs a non-empty 'text'", field=f"{fld}.text")
                if not isinstance(o_start, int) or not isinstance(o_end, int) or isinstance(o_start, bool):
                    raise self.error(
                        "actor object needs integer 'start' and 'end'", field=fld,
                        hint="character offsets into 'text', end exclusive",
                    )
                if not (0 <= o_start < o_end <= len(text)) or text[o_start:o_end] != a_text:
                    found = text[o_start:o_end] if 0 <= o_start < o_end <= len(text) else None
                    at = text.find(a_text)
                    hint = f"{a_text!r} first occurs at {at}-{at + len(a_text)}" if at >= 0 else None
                    raise self.error(
                        f"offsets {o_start}-{o_end} do not match actor {a_text!r} (text there: {found!r})",
                        field=fld,
                        hint=hint,
                    )
                span = Span(a_text, o_start, o_end)
            else:
                raise self.error(
                    f"an actor must be a string or an object, got {type(item).__name__}", field=fld
                )
            if (span.start > 0 and text[span.start - 1].isalnum()) or (
                span.end < len(text) and text[span.end].isalnum()
            ):
                lo, hi = span.start, span.end
                while lo > 0 and text[lo - 1].isalnum():
                    lo -= 1
                while hi < len(text) and text[hi].isalnum():
                    hi += 1
                whole = text[lo:hi]
                self.warnings.append(
                    f"{fld}: actor {span.text!r} at {span.start}-{span.end} is part of the word {whole!r}; "
                    "a string actor means its first occurrence, so give an object with offsets"
                )
            if span in spans:
                raise self.error(
                    f"actor {span.text!r} at {span.start}-{span.end} is listed twice",
                    field=fld,
                    hint="for a second mention with the same text, give an object with its own offsets",
                )
            spans.append(span)
        return tuple(spans)

    def _resolve(self, pair: dict[str, Any], role: str, actors: tuple[Span, ...], fld: str) -> int:
        name = pair.get(role)
        if not isinstance(name, str):
            raise self.error(f"pair needs a string {role!r}", field=f"{fld}.{role}")
        candidates = [i for i, a in enumerate(actors) if a.text == name]
        start = pair.get(f"{role}_start")
        if start is not None:
            if not isinstance(start, int) or isinstance(start, bool):
                raise self.error(f"'{role}_start' must be an integer", field=f"{fld}.{role}_start")
            candidates = [i for i in candidates if actors[i].start == start]
            if not candidates:
                raise self.error(
                    f"no listed actor {name!r} starts at {start}",
                    field=f"{fld}.{role}_start",
                    hint=f"'{role}_start' must equal the start offset of a listed actor",
                )
        if not candidates:
            raise self.error(
                f"{role} {name!r} is not a listed actor",
                field=f"{fld}.{role}",
                hint=_did_you_mean(name, [a.text for a in actors])
                or "add it to 'actors' or fix the spelling",
            )
        if len(candidates) > 1:
            raise self.error(
                f"{role} {name!r} names {len(candidates)} listed actors",
                field=f"{fld}.{role}",
                hint=f"add '{role}_start' with the offset of the one meant",
            )
        return candidates[0]

    def _pairs(self, raw: Any, actors: tuple[Span, ...]) -> tuple[GoldPair, ...]:
        if not isinstance(raw, list):
            raise self.error("'pairs' must be a list", field="pairs")
        out: list[GoldPair] = []
        seen: dict[tuple[int, int], str] = {}
        for i, item in enumerate(raw):
            fld = f"pairs[{i}]"
            if not isinstance(item, dict):
                raise self.error("a pair must be an object", field=fld)
            s = self._resolve(item, "source", actors, fld)
            t = self._resolve(item, "target", actors, fld)
            if s == t:
                raise self.error(
                    f"self pair: source and target are the same mention {actors[s].text!r}",
                    field=fld,
                    hint="a pair relates two different mentions",
                )
            label = item.get("label")
            if label not in LABELS:
                raise self.error(
                    f"unknown label {label!r}",
                    field=f"{fld}.label",
                    hint=(_did_you_mean(str(label), LABELS) or "")
                    + f" labels are: {', '.join(LABELS)}",
                )
            if (s, t) in seen:
                if seen[(s, t)] == label:  # same pair, same label (e.g. two source events): merge, warn
                    self.warnings.append(f"{fld}: ordered pair {actors[s].text!r} -> {actors[t].text!r} "
                                         f"written twice with label {label!r}; merged")
                    continue
                raise self.error(
                    f"duplicate ordered pair {actors[s].text!r} -> {actors[t].text!r} "
                    f"with conflicting labels {seen[(s, t)]!r} and {label!r}",
                    field=fld,
                    hint="write each ordered pair once, with one label",
                )
            seen[(s, t)] = label
            out.append(GoldPair(s, t, label))
        return tuple(out)


def parse_record(obj: Any, *, path: str | None = None, line: int | None = None) -> Sample:
    """Validate one decoded record.

    Raises:
        DataError: naming the field and what is wrong.
    """
    return _RecordParser(path, line).parse(obj)


def iter_records(path: str | Path) -> Iterator[Sample | DataError]:
    """Yield each line of a JSONL file as a `Sample`, or the `DataError` it raised.

    Blank lines are skipped. Duplicate ids within the file are errors.
    """
    p = str(path)
    seen: dict[str, int] = {}
    try:
        fh = open(path, encoding="utf-8")
    except OSError as exc:
        yield DataError(f"cannot open file: {exc.strerror}", path=p)
        return
    with fh:
        lineno = 0
        while True:
            lineno += 1
            try:
                raw = fh.readline()
            except UnicodeDecodeError as exc:
                yield DataError(f"not valid UTF-8 ({exc.reason})", path=p, line=lineno,
                                hint="save the file as UTF-8")
                return
            if not raw:
                return
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                yield DataError(
                    f"invalid JSON: {exc.msg} at column {exc.colno}",
                    path=p,
                    line=lineno,
                    hint="each line must be one complete JSON object",
                )
                continue
            try:
                sample = parse_record(obj, path=p, line=lineno)
            except DataError as err:
                yield err
                continue
            if sample.id in seen:
                yield DataError(
                    f"duplicate id (first used on line {seen[sample.id]})",
                    path=p,
                    line=lineno,
                    record_id=sample.id,
                    field="id",
                    hint="ids must be unique within a file",
                )
                continue
            seen[sample.id] = lineno
            yield sample


def validate_file(path: str | Path) -> list[DataError]:
    """Every contract violation in a file (empty list: the file is valid)."""
    return [r for r in iter_records(path) if isinstance(r, DataError)]


def load_samples(*paths: str | Path) -> list[Sample]:
    """Read and validate one or more files; ids must be unique across them.

    Raises:
        DataFileError: listing every invalid record of every file.
    """
    samples: list[Sample] = []
    errors: list[DataError] = []
    seen: dict[str, str] = {}
    for path in paths:
        for rec in iter_records(path):
            if isinstance(rec, DataError):
                errors.append(rec)
            elif rec.id in seen and seen[rec.id] != str(path):
                errors.append(DataError(f"duplicate id (also in {seen[rec.id]})", path=str(path),
                                        record_id=rec.id, field="id"))
            else:
                seen[rec.id] = str(path)
                samples.append(rec)
    if errors:
        raise DataFileError(errors)
    return samples


def write_samples(samples: Iterable[Sample], path: str | Path) -> int:
    """Write samples in the shared format (actors with offsets); returns the count."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for s in samples:
            fh.write(json.dumps(s.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    """``python -m stance.data FILE...``: print every error; exit 1 if any."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m stance.data FILE.jsonl [FILE.jsonl ...]", file=sys.stderr)
        return 2
    bad = 0
    for path in args:
        n_ok = 0
        for rec in iter_records(path):
            if isinstance(rec, DataError):
                bad += 1
                print(f"ERROR {rec}")
            else:
                n_ok += 1
                for w in rec.warnings:
                    print(f"WARNING {path}, record {rec.id!r}, {w}")
        print(f"{path}: {n_ok} valid record(s)")
    print(f"{bad} error(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
