"""The data contract: every bad case gives an error naming file, line, field and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stance.data import load_samples, parse_record, validate_file
from stance.errors import DataError, DataFileError

GOOD = {"id": "r1", "text": "Russia backs China and Iran.", "actors": ["Russia", "China", "Iran"],
        "pairs": [{"source": "Russia", "target": "China", "label": "support"}]}


def write(tmp_path: Path, *records: object, raw: str | None = None) -> Path:
    p = tmp_path / "data.jsonl"
    lines = [json.dumps(r) for r in records]
    if raw is not None:
        lines.append(raw)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def one_error(tmp_path: Path, *records: object, raw: str | None = None) -> DataError:
    errs = validate_file(write(tmp_path, *records, raw=raw))
    assert len(errs) == 1, errs
    assert errs[0].path and errs[0].path.endswith("data.jsonl")
    return errs[0]


def test_valid_record_resolves_offsets_and_closed_world() -> None:
    s = parse_record(GOOD)
    assert [(a.text, a.start, a.end) for a in s.actors] == [("Russia", 0, 6), ("China", 13, 18), ("Iran", 23, 27)]
    labelled = {(p.source, p.target): p.label for p in s.labelled_pairs()}
    assert len(labelled) == 6 and labelled[(0, 1)] == "support" and labelled[(1, 0)] == "none"


def test_open_world_scores_only_listed_pairs() -> None:
    s = parse_record({**GOOD, "closed_world": False})
    assert [(p.source, p.target, p.label) for p in s.labelled_pairs()] == [(0, 1, "support")]


def test_invalid_json(tmp_path: Path) -> None:
    e = one_error(tmp_path, GOOD, raw='{"id": "x", "text": ')
    assert e.line == 2 and "invalid JSON" in e.problem


def test_duplicate_id(tmp_path: Path) -> None:
    e = one_error(tmp_path, GOOD, GOOD)
    assert e.line == 2 and e.field == "id" and "duplicate id" in e.problem and "line 1" in e.problem


def test_actor_not_in_text(tmp_path: Path) -> None:
    e = one_error(tmp_path, {**GOOD, "actors": ["Russia", "Chinа"]})  # Cyrillic a
    assert e.field == "actors[1]" and "does not occur" in e.problem and e.record_id == "r1"


def test_offsets_do_not_match(tmp_path: Path) -> None:
    e = one_error(tmp_path, {**GOOD, "actors": ["Russia", {"text": "China", "start": 12, "end": 17}], "pairs": []})
    assert e.field == "actors[1]" and "do not match" in e.problem and "13-18" in (e.hint or "")


def test_pair_names_unlisted_actor(tmp_path: Path) -> None:
    e = one_error(tmp_path, {**GOOD, "pairs": [{"source": "Russia", "target": "Chna", "label": "support"}]})
    assert e.field == "pairs[0].target" and "not a listed actor" in e.problem and "China" in (e.hint or "")


def test_self_pair(tmp_path: Path) -> None:
    e = one_error(tmp_path, {**GOOD, "pairs": [{"source": "Iran", "target": "Iran", "label": "support"}]})
    assert e.field == "pairs[0]" and "self pair" in e.problem


def test_unknown_label(tmp_path: Path) -> None:
    e = one_error(tmp_path, {**GOOD, "pairs": [{"source": "Iran", "target": "Russia", "label": "oposition"}]})
    assert e.field == "pairs[0].label" and "opposition" in (e.hint or "")


def test_duplicate_ordered_pair(tmp_path: Path) -> None:
    p = {"source": "Iran", "target": "Russia", "label": "opposition"}
    e = one_error(tmp_path, {**GOOD, "pairs": [p, {**p, "label": "accusation"}]})
    assert e.field == "pairs[1]" and "duplicate ordered pair" in e.problem


def test_same_text_actors_need_start(tmp_path: Path) -> None:
    text = "Iran warned Iraq, and Iran later backed it."
    rec = {"id": "r2", "text": text,
           "actors": [{"text": "Iran", "start": 0, "end": 4}, "Iraq", {"text": "Iran", "start": 22, "end": 26}],
           "pairs": [{"source": "Iran", "target": "Iraq", "label": "opposition"}]}
    e = one_error(tmp_path, rec)
    assert "names 2 listed actors" in e.problem and "source_start" in (e.hint or "")
    rec["pairs"][0]["source_start"] = 0
    assert validate_file(write(tmp_path, rec)) == []


def test_same_actor_listed_twice(tmp_path: Path) -> None:
    e = one_error(tmp_path, {**GOOD, "actors": ["Russia", "Russia"], "pairs": []})
    assert "listed twice" in e.problem


def test_load_samples_collects_all_errors(tmp_path: Path) -> None:
    p = write(tmp_path, GOOD, {**GOOD, "id": "r3", "actors": ["Mars"]}, raw="not json")
    with pytest.raises(DataFileError) as info:
        load_samples(p)
    assert len(info.value.errors) == 2
    assert "data.jsonl:2" in str(info.value) and "data.jsonl:3" in str(info.value)


def test_error_message_is_complete(tmp_path: Path) -> None:
    e = one_error(tmp_path, {**GOOD, "actors": ["Mars"]})
    msg = str(e)
    assert "data.jsonl:1" in msg and "record 'r1'" in msg and "actors[0]" in msg and "exact substrings" in msg


def test_roundtrip_to_json() -> None:
    s = parse_record(GOOD)
    assert parse_record(s.to_json()) == s


def test_project_data_files_are_valid(root: Path) -> None:
    files = [root / "seeds" / "000_04081d6bb6b1917b.gold.jsonl", *sorted((root / "tests" / "data").glob("*.jsonl"))]
    files += sorted((root / "training" / "data" / "splits").glob("*.jsonl"))
    files += sorted((root / "training" / "data" / "pending").glob("h*.jsonl"))  # targeted batch, not yet trained on
    for f in files:
        assert validate_file(f) == [], f


def test_project_corpus_has_no_actor_inside_a_longer_word(root: Path) -> None:
    files = sorted((root / "training" / "data" / "written").glob("*.jsonl"))
    files += sorted((root / "training" / "data" / "pending").glob("h*.jsonl"))
    files += [root / "training" / "data" / "templates.jsonl", root / "seeds" / "000_04081d6bb6b1917b.gold.jsonl"]
    found = [f"{s.id}: {w}" for s in load_samples(*files) for w in s.warnings if "part of the word" in w]
    assert found == []


def test_actor_inside_a_longer_word_is_warned() -> None:
    text = "Kenyan President William Ruto said Kenya would send police to Haiti."
    s = parse_record({"id": "k1", "text": text, "actors": ["Kenya", "Haiti"], "pairs": []})
    assert len(s.warnings) == 1 and "'Kenya' at 0-5 is part of the word 'Kenyan'" in s.warnings[0]
    fixed = parse_record({"id": "k2", "text": text, "pairs": [],
                          "actors": [{"text": "Kenya", "start": 35, "end": 40}, "Haiti"]})
    assert fixed.warnings == ()


def test_same_pair_same_label_twice_is_merged_with_warning(tmp_path: Path) -> None:
    p = {"source": "Iran", "target": "Russia", "label": "opposition"}
    s = parse_record({**GOOD, "pairs": [p, dict(p)]})
    assert len(s.pairs) == 1 and "written twice" in s.warnings[0]
