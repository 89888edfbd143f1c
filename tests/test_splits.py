"""Leakage checks on the shipped corpus splits."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from stance.data import load_samples

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "training"))
from build_splits import normalise, skeleton  # noqa: E402

SPLITS = ROOT / "training" / "data" / "splits"


@pytest.fixture(scope="module")
def splits():
    return {n: load_samples(SPLITS / f"{n}.jsonl") for n in ("train", "dev", "test")}


def test_no_normalised_text_crosses_splits(splits) -> None:
    seen: dict[str, str] = {}
    for name, rows in splits.items():
        for s in rows:
            key = normalise(s.text)
            assert seen.get(key, name) == name, f"{s.id} ({name}) also in {seen[key]}"
            seen[key] = name


def test_no_actor_substituted_near_duplicate_of_test(splits) -> None:
    test_skel = {skeleton(s): s.id for s in splits["test"]}
    for name in ("train", "dev"):
        for s in splits[name]:
            assert skeleton(s) not in test_skel, f"{s.id} ({name}) ~ {test_skel[skeleton(s)]}"


def test_stories_and_families_stay_on_one_side(splits) -> None:
    def groups(rows):
        return {s.meta.get("family") or s.doc_id for s in rows}

    assert not groups(splits["train"]) & groups(splits["dev"])
    assert not groups(splits["test"]) & (groups(splits["train"]) | groups(splits["dev"]))


def test_test_split_is_written_not_templated(splits) -> None:
    assert all(s.meta.get("source") != "template" and s.meta.get("split") == "test" for s in splits["test"])


def test_no_benchmark_sentence_in_any_split(splits) -> None:
    bench = ROOT.parent / "shared" / "benchmarks"
    files = list(bench.rglob("*.jsonl"))
    if not files:
        pytest.skip("shared/benchmarks not present")
    texts = {normalise(json.loads(line)["text"]) for f in files for line in f.read_text().splitlines() if line.strip()}
    skel = set()
    for f in files:
        for line in f.read_text().splitlines():
            if line.strip():
                from stance.data import parse_record
                skel.add(skeleton(parse_record(json.loads(line))))
    for name, rows in splits.items():
        for s in rows:
            assert normalise(s.text) not in texts, f"{s.id} ({name}) is a benchmark sentence"
            assert skeleton(s) not in skel, f"{s.id} ({name}) is an actor-substituted benchmark sentence"


def test_every_label_decision_is_applied_to_the_written_files() -> None:
    """adjudicated.jsonl and review_*.jsonl (python training/quality.py apply) are in the corpus."""
    from quality import decided_pair, decision_files

    written = {s.id: s for s in load_samples(*sorted((ROOT / "training" / "data" / "written").glob("*.jsonl")))}
    n = 0
    for path in decision_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            found = decided_pair(written[d["id"]], d)
            assert found is not None and found[2] == d["final"], f"{path.name}: {d['id']} {d['source']} -> {d['target']}"
            n += 1
    assert n >= 71


def test_no_train_or_dev_sentence_paraphrases_a_test_sentence(splits) -> None:
    from build_splits import NEAR_DUPLICATE_JACCARD, jaccard, words

    test_words = [(s.id, words(s.text)) for s in splits["test"]]
    for name in ("train", "dev"):
        for s in splits[name]:
            w = words(s.text)
            close = [tid for tid, t in test_words if jaccard(w, t) >= NEAR_DUPLICATE_JACCARD]
            assert not close, f"{s.id} ({name}) paraphrases {close}"


def test_undo_review_restores_every_first_label_and_only_those(tmp_path: Path, monkeypatch) -> None:
    import undo_review
    from quality import Q, decided_pair

    copy = tmp_path / "copy"
    monkeypatch.setattr(sys, "argv", ["undo_review.py", str(copy)])
    undo_review.main()
    samples = {s.id: s for s in load_samples(*sorted((copy / "written").glob("*.jsonl")))}
    current = {s.id: s for s in load_samples(*sorted((ROOT / "training/data/written").glob("*.jsonl")))}
    n = 0
    touched: set[tuple[str, int, int]] = set()
    for f in sorted(Q.glob("review_*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            found = decided_pair(samples[d["id"]], d)
            assert found is not None
            want = d["final"] if f.name == "review_test.jsonl" else d["first"]  # the test file keeps its review
            assert found[2] == want, (d["id"], d["source"], d["target"])
            touched.add((d["id"], found[0], found[1]))
            n += f.name != "review_test.jsonl"
    assert n > 400
    for sid, s in current.items():  # every other pair is as in the corpus
        mine = {(p.source, p.target): p.label for p in s.labelled_pairs()}
        theirs = {(p.source, p.target): p.label for p in samples[sid].labelled_pairs()}
        assert {k: v for k, v in mine.items() if (sid, *k) not in touched} == \
            {k: v for k, v in theirs.items() if (sid, *k) not in touched}


def test_held_out_writers_make_the_whole_dev_split_and_never_reach_train(tmp_path: Path, monkeypatch) -> None:
    import build_splits

    def line(i: str, text: str) -> str:
        return json.dumps({"id": i, "doc_id": i.split("-")[0] + "-d" + i[-1], "text": text,
                           "actors": ["Kenya", "Uganda"],
                           "pairs": [{"source": "Kenya", "target": "Uganda", "label": "support"}]})

    written = tmp_path / "data" / "written"
    written.mkdir(parents=True)
    (written / "a.jsonl").write_text("\n".join([
        line("a-1", "Kenya praised Uganda for reopening the border crossing at Busia on Monday."),
        line("a-2", "Kenya backed Uganda in talks over the disputed island in Lake Victoria."),
        # the same event in nearly the same words as b-1: a held-out writer's text must not leak into train
        line("a-3", "Kenya on Tuesday welcomed Uganda's decision to lift the ban on poultry imports from Nairobi."),
    ]) + "\n")
    (written / "b.jsonl").write_text("\n".join([
        line("b-1", "Kenya welcomed Uganda's decision on Tuesday to lift the ban on poultry imports from Nairobi."),
        line("b-2", "Kenya thanked Uganda for hosting the regional summit on refugee flows."),
    ]) + "\n")
    (written / "test.jsonl").write_text(line("test-1", "Kenya supported Uganda's bid to chair the East African "
                                             "Community this year.") + "\n")
    out = tmp_path / "out"
    monkeypatch.setattr(sys, "argv", ["build_splits.py", "--data", str(tmp_path / "data"), "--dev-writers", "b",
                                      "--out", str(out), "--benchmarks", str(tmp_path / "none")])
    build_splits.main()
    ids = {name: [s.id for s in load_samples(out / f"{name}.jsonl")] for name in ("train", "dev", "test")}
    assert ids == {"train": ["a-1", "a-2"], "dev": ["b-1", "b-2"], "test": ["test-1"]}

    monkeypatch.setattr(sys, "argv", ["build_splits.py", "--data", str(tmp_path / "data"), "--dev-writers", "c",
                                      "--out", str(out)])
    with pytest.raises(SystemExit):
        build_splits.main()
