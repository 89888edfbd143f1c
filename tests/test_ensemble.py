"""Ensembles: training members from one config, resuming, saving, loading and averaging."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
TEXT = "Russia backs the junta, while Ukraine condemned Russia and the United States sanctioned the junta."
ACTORS = ["Russia", "junta", "Ukraine", "United States"]


def _cfg(*sets: str):
    from stance.config import load_config

    return load_config(ROOT / "configs" / "tiny.yaml", [
        f"data.train=[{ROOT / 'tests/data/tiny_train.jsonl'}]",
        f"data.dev=[{ROOT / 'tests/data/tiny_dev.jsonl'}]",
        "training.ensemble_seeds=[7, 8]", *sets,
    ])


@pytest.fixture(scope="module")
def ensemble_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stance.train import train

    out = tmp_path_factory.mktemp("ensemble_run")
    train(_cfg(), out)
    return out


def _probs(clf) -> torch.Tensor:  # type: ignore[no-untyped-def]
    return torch.tensor([p.probs[lab] for p in clf.predict_pairs(TEXT, ACTORS) for lab in p.probs])


def test_ensemble_averages_its_members_probabilities(ensemble_run: Path) -> None:
    import stance

    folder = ensemble_run / "model"
    spec = json.loads((folder / "ensemble.json").read_text())
    assert spec["members"] == ["seed7", "seed8"]
    ens = stance.load(folder, same_entity=False)
    singles = [stance.load(ensemble_run / "members" / name / "model", same_entity=False) for name in spec["members"]]
    members = [_probs(c) for c in singles]
    assert not torch.allclose(members[0], members[1], atol=1e-3), "different seeds should give different members"
    got = _probs(ens)
    t = spec["temperature"]
    assert t > 0 and t == json.loads((ensemble_run / "provenance.json").read_text())["temperature"]
    # the mean of the members, then the ensemble's dev-fitted temperature; members are stored as
    # float16 inside the ensemble folder, so equal to the float32 runs up to rounding
    expected = torch.softmax(torch.stack(members).mean(0).view(-1, 4).log() / t, dim=-1).flatten()
    assert torch.allclose(got, expected, atol=5e-3)
    assert abs(got.sum().item() - len(got) / 4) < 1e-4  # each pair's four probabilities sum to 1
    metrics = json.loads((ensemble_run / "metrics.json").read_text())
    assert metrics["dev"]["n_pairs"] > 0
    card = (folder / "README.md").read_text()
    assert "ensemble of 2 members" in card and "`seed8`" in card


def test_member_adapters_are_float16_and_tokenizer_is_shared(ensemble_run: Path) -> None:
    from safetensors.torch import load_file

    folder = ensemble_run / "model"
    state = load_file(str(folder / "members" / "seed7" / "adapter.safetensors"))
    assert {v.dtype for v in state.values() if v.is_floating_point()} == {torch.float16}
    assert (folder / "tokenizer_config.json").is_file()
    assert not (folder / "members" / "seed7" / "tokenizer_config.json").exists()


def test_rerun_reuses_finished_members_and_retrains_changed_ones(ensemble_run: Path, tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    import shutil

    from stance.train import train

    out = tmp_path / "rerun"
    shutil.copytree(ensemble_run, out)
    adapter = out / "members" / "seed7" / "model" / "adapter.safetensors"
    before = adapter.stat().st_mtime_ns
    with caplog.at_level(logging.INFO, logger="stance.train"):
        train(_cfg("training.time_budget_s=900"), out, evaluate_sets=False)  # the budget alone never forces retraining
    assert adapter.stat().st_mtime_ns == before
    assert sum("reusing the finished run" in r.getMessage() for r in caplog.records) == 2
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="stance.train"):
        train(_cfg("training.ensemble_seeds=[7, 9]"), out, evaluate_sets=False)
    messages = [r.getMessage() for r in caplog.records]
    assert any("seed7: reusing" in m for m in messages) and any("seed9: training" in m for m in messages)
    assert json.loads((out / "model" / "ensemble.json").read_text())["members"] == ["seed7", "seed9"]
    # a member that its time budget stopped is reused only under exactly the same config
    prov_file = out / "members" / "seed7" / "provenance.json"
    prov = json.loads(prov_file.read_text())
    prov_file.write_text(json.dumps({**prov, "stopped_by_time_budget": True}))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="stance.train"):
        train(_cfg("training.ensemble_seeds=[7]"), out, evaluate_sets=False)
        train(_cfg("training.ensemble_seeds=[7]", "training.time_budget_s=900"), out, evaluate_sets=False)
    assert [m.split(":")[1].split()[0] for m in (r.getMessage() for r in caplog.records) if "seed7:" in m] == \
        ["reusing", "training"]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="stance.train"):
        train(_cfg("training.ensemble_seeds=[7]", "training.epochs=2"), out, evaluate_sets=False)
    assert any("seed7: training" in r.getMessage() for r in caplog.records)  # another config: trained again


def test_ensemble_int8_loads_and_onnx_is_refused(ensemble_run: Path) -> None:
    import stance
    from stance.errors import InputError

    clf = stance.load(ensemble_run / "model", int8=True, same_entity=False)
    assert len(clf.predict_pairs(TEXT, ACTORS)) == 12
    with pytest.raises(InputError, match="ensemble"):
        stance.load(ensemble_run / "model", backend="onnx")


def test_repeated_seeds_are_a_config_error() -> None:
    from stance.errors import ConfigError

    with pytest.raises(ConfigError, match="training.ensemble_seeds"):
        _cfg("training.ensemble_seeds=[7, 7]")


@pytest.mark.parametrize("spec, message", [
    ({"format_version": 1, "members": [], "labels": ["none", "support", "opposition", "accusation"]}, "members"),
    ({"format_version": 1, "members": ["seed7"], "labels": ["none", "support"]}, "labels"),
    ({"format_version": 99, "members": ["seed7"], "labels": []}, "format_version"),
    ({"format_version": 1, "members": ["seed7"], "labels": ["none", "support", "opposition", "accusation"],
      "temperature": -1}, "temperature"),
    ({"format_version": 1, "members": ["gone"], "labels": ["none", "support", "opposition", "accusation"]},
     "gone"),
])
def test_broken_ensemble_folder_names_the_problem(ensemble_run: Path, tmp_path: Path, spec: dict, message: str
                                                  ) -> None:
    import shutil

    import stance
    from stance.errors import ModelLoadError

    folder = tmp_path / "model"
    shutil.copytree(ensemble_run / "model", folder)
    (folder / "ensemble.json").write_text(json.dumps(spec))
    with pytest.raises(ModelLoadError, match=message):
        stance.load(folder)
