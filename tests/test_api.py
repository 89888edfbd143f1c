"""Public API contract on a tiny trained model."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import stance
from stance.errors import InputError, ModelLoadError
from stance.labels import LABELS

TEXT = "Kenya accused Uganda of shelling its border posts, while Chile praised Peru."


def test_predict_pairs_returns_every_ordered_pair(tiny_clf) -> None:
    out = tiny_clf.predict_pairs(TEXT, ["Kenya", "Uganda", {"text": "Peru", "start": 71, "end": 75}])
    assert [(p.source.text, p.target.text) for p in out] == [
        ("Kenya", "Uganda"), ("Kenya", "Peru"), ("Uganda", "Kenya"), ("Uganda", "Peru"), ("Peru", "Kenya"),
        ("Peru", "Uganda")]
    for p in out:
        assert set(p.probs) == set(LABELS) and abs(sum(p.probs.values()) - 1) < 1e-5
        assert p.label == max(p.probs, key=p.probs.get)
        assert p.sentiment == pytest.approx(p.probs["support"] - p.probs["opposition"] - p.probs["accusation"])
        assert -1 <= p.sentiment <= 1 and p.sentence == 0
    assert out[0].source.start == 0 and out[0].target.start == 14


def test_results_are_frozen_and_json_serialisable(tiny_clf) -> None:
    p = tiny_clf.predict_pairs(TEXT, ["Kenya", "Uganda"])[0]
    data = json.loads(p.to_json())
    assert data["source"] == {"text": "Kenya", "start": 0, "end": 5, "actor_id": None, "type": None}
    with pytest.raises(AttributeError):
        p.label = "support"  # type: ignore[misc]


def test_bad_actors_raise_input_error(tiny_clf) -> None:
    with pytest.raises(InputError, match=r"actors\[1\]: 'Mars' does not occur"):
        tiny_clf.predict_pairs(TEXT, ["Kenya", "Mars"])
    with pytest.raises(InputError, match=r"actors\[0\]: offsets 1-6"):
        tiny_clf.predict_pairs(TEXT, [{"text": "Kenya", "start": 1, "end": 6}])
    with pytest.raises(InputError, match=r"actors\[0\]: an actor object needs"):
        tiny_clf.predict_pairs(TEXT, [{"start": 1}])


def test_fewer_than_two_actors_gives_no_pairs(tiny_clf) -> None:
    assert tiny_clf.predict_pairs(TEXT, ["Kenya"]) == []
    assert tiny_clf.predict_pairs(TEXT, []) == []


def test_batch_equals_single(tiny_clf) -> None:
    texts = [TEXT, "Russia backs the Myanmar junta, TASS said.", "", "Norway condemned Denmark."]
    batch = tiny_clf.predict_batch(texts)
    assert [d.text for d in batch] == texts
    for text, doc in zip(texts, batch, strict=True):
        single = tiny_clf.predict(text)
        assert single.actors == doc.actors and [p.label for p in single.pairs] == [p.label for p in doc.pairs]
        for a, b in zip(single.pairs, doc.pairs, strict=True):
            for lab in LABELS:
                assert a.probs[lab] == pytest.approx(b.probs[lab], abs=1e-5)
    assert tiny_clf.predict_batch([]) == []


def test_predict_document_structure(tiny_clf) -> None:
    doc = tiny_clf.predict("Kenya accused Uganda of shelling. Chile praised Peru and Bolivia.")
    assert [s.text for s in doc.sentences] == ["Kenya accused Uganda of shelling.", "Chile praised Peru and Bolivia."]
    for m in doc.actors:
        assert doc.text[m.start:m.end] == m.text
    for p in doc.pairs:
        assert p.label != "none"
        s = doc.sentences[p.sentence]
        assert s.start <= p.source.start < s.end and s.start <= p.target.start < s.end
    json.loads(doc.to_json())


def test_non_string_input(tiny_clf) -> None:
    with pytest.raises(InputError, match=r"texts\[1\]"):
        tiny_clf.predict_batch(["ok", None])  # type: ignore[list-item]


def test_load_missing_folder_says_what_is_wrong(tmp_path) -> None:
    with pytest.raises(ModelLoadError, match="no config.json"):
        stance.load(tmp_path)


def test_load_rejects_wrong_label_list(tiny_run, tmp_path) -> None:
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(tiny_run / "model", bad)
    cfg = json.loads((bad / "config.json").read_text())
    cfg["id2label"] = {"0": "none", "1": "support"}
    (bad / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelLoadError, match="id2label"):
        stance.load(bad)


def test_run_folder_records_provenance(tiny_run) -> None:
    prov = json.loads((tiny_run / "provenance.json").read_text())
    assert set(prov["data_sha256"]) and prov["versions"]["torch"] and prov["config"]["training"]["seed"] == 7
    assert (tiny_run / "model" / "README.md").is_file() and (tiny_run / "model" / "adapter.safetensors").is_file()
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    assert metrics["dev"]["n_pairs"] == 10


def test_training_is_deterministic(tiny_run, tmp_path, root) -> None:
    from stance.config import load_config
    from stance.train import train

    cfg = load_config(root / "configs" / "tiny.yaml", [
        f"data.train=[{root / 'tests/data/tiny_train.jsonl'}]", f"data.dev=[{root / 'tests/data/tiny_dev.jsonl'}]"])
    again = train(cfg, tmp_path / "again")
    first = json.loads((tiny_run / "metrics.json").read_text())
    assert again["metrics"]["dev"]["per_label"] == first["dev"]["per_label"]
    prov = json.loads((tiny_run / "provenance.json").read_text())
    assert again["provenance"]["history"] == [{**h, "seconds": again["provenance"]["history"][i]["seconds"]}
                                              for i, h in enumerate(prov["history"])]


def test_cli_help_answers() -> None:
    out = subprocess.run([sys.executable, "-m", "stance.cli", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "train" in out.stdout and "evaluate" in out.stdout
    # heavy libraries are imported inside commands, not at start-up
    probe = subprocess.run([sys.executable, "-c", "import sys, stance.cli; print('torch' in sys.modules)"],
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "False"
