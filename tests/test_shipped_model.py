"""The shipped default model (real MiniLM base): loads offline, agrees with itself, reads the seed article.

Marked slow: it loads the real encoder (a few seconds). Accuracy is measured by
the evaluation harness on held-out data, not asserted here; these tests check
behaviour that must hold for any sane model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import stance

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clf():
    return stance.load()


@pytest.fixture(scope="module")
def fast():
    return stance.load("fast")


@pytest.mark.parametrize("name", ["model", "model-fast", "model-accurate"])
def test_shipped_model_is_compact_and_self_describing(root: Path, name: str) -> None:
    folder = root / "stance" / "resources" / name
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert size <= 10 * 1024 * 1024
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["id2label"] == {"0": "none", "1": "support", "2": "opposition", "3": "accusation"}
    assert cfg["stance"]["base_sha256"] and (folder / "README.md").is_file() and (folder / "metrics.json").is_file()


@pytest.mark.parametrize(("name", "config"), [("model", "default"), ("model-fast", "fast"), ("model-accurate", "accurate")])
def test_shipped_model_is_remade_by_its_config_file(root: Path, name: str, config: str) -> None:
    """`stance train configs/NAME.yaml` is the remake command each card names: the config must match."""
    from stance.config import config_from_dict, load_config

    prov = json.loads((root / "stance" / "resources" / name / "provenance.json").read_text())
    assert config_from_dict(prov["config"]) == load_config(root / "configs" / f"{config}.yaml")
    assert not prov["stopped_by_time_budget"]


@pytest.fixture(scope="module")
def accurate():
    return stance.load("accurate")


def test_shipped_accurate_model_is_the_default_design_trained_longer(root: Path, clf, accurate) -> None:
    from stance.config import config_from_dict, load_config

    folder = root / "stance" / "resources" / "model-accurate"
    prov = json.loads((folder / "provenance.json").read_text())
    assert config_from_dict(prov["config"]) == load_config(root / "configs" / "accurate.yaml")
    assert prov["epochs_run"] == 10 and not prov["stopped_by_time_budget"]
    assert accurate.model.cfg == clf.model.cfg  # same architecture, markers and adapter sizes
    assert accurate.none_margin == prov["decision"]["none_margin"] > 0


@pytest.mark.parametrize("which", ["default", "fast", "accurate"])
def test_clear_cases(clf, fast, accurate, which: str) -> None:
    clf = {"default": clf, "fast": fast, "accurate": accurate}[which]
    assert clf.model.cfg.markers == ("markers.all_entities.v1" if which == "fast" else "markers.levitated_pairs.v1")
    out = {(p.source.text, p.target.text): p.label for p in clf.predict_pairs(
        "Kenya accused Uganda of shelling its border posts.", ["Kenya", "Uganda"])}
    assert out[("Kenya", "Uganda")] == "accusation" and out[("Uganda", "Kenya")] == "none"
    out = {(p.source.text, p.target.text): p.label for p in clf.predict_pairs(
        "Uganda was accused by Kenya of shelling its border posts.", ["Uganda", "Kenya"])}
    assert out[("Kenya", "Uganda")] == "accusation" and out[("Uganda", "Kenya")] == "none"


def test_batch_equals_single_on_real_model(clf, root: Path) -> None:
    text = (root / "seeds" / "000_04081d6bb6b1917b.txt").read_text(encoding="utf-8")
    parts = text.split("\n\n")[:6]
    batch = clf.predict_batch(parts)
    for p, d in zip(parts, batch, strict=True):
        single = clf.predict(p)
        assert [(x.source.start, x.target.start, x.label) for x in single.pairs] == \
            [(x.source.start, x.target.start, x.label) for x in d.pairs]
        for a, b in zip(single.pairs, d.pairs, strict=True):
            assert a.probs["support"] == pytest.approx(b.probs["support"], abs=1e-4)


def test_seed_article_headline_stance(clf, root: Path) -> None:
    doc = clf.predict((root / "seeds" / "000_04081d6bb6b1917b.txt").read_text(encoding="utf-8"))
    found = {(p.sentence, p.source.text, p.target.text, p.label) for p in doc.pairs}
    assert (1, "Russia", "Myanmar junta", "support") in found
    assert all(p.label != "none" for p in doc.pairs)


def test_int8_path_agrees_mostly(clf, root: Path) -> None:
    from stance.data import load_samples

    q = stance.load(int8=True)
    samples = load_samples(root / "training" / "data" / "splits" / "test.jsonl")[:40]
    items = [(s.text, [(a.start, a.end) for a in s.actors],
              [(i, j) for i in range(len(s.actors)) for j in range(len(s.actors)) if i != j]) for s in samples]
    a = [max(range(4), key=p.__getitem__) for sent in clf.pair_probs(items) for p in sent]
    b = [max(range(4), key=p.__getitem__) for sent in q.pair_probs(items) for p in sent]
    assert sum(x == y for x, y in zip(a, b, strict=True)) / len(a) >= 0.95
