from __future__ import annotations

from pathlib import Path

import pytest

from stance.config import load_config
from stance.errors import ConfigError


def cfg_file(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "c.yaml"
    p.write_text(text)
    return p


def test_default_and_tiny_configs_load(root: Path) -> None:
    cfg = load_config(root / "configs" / "default.yaml")
    assert cfg.training.learning_rate == pytest.approx(5e-4)  # YAML 1.1 reads 5e-4 as a string
    assert load_config(root / "configs" / "tiny.yaml").model.base == "tiny-random"


def test_scientific_notation_string_is_coerced(tmp_path: Path) -> None:
    cfg = load_config(cfg_file(tmp_path, "training:\n  learning_rate: 1e-5\n"))
    assert cfg.training.learning_rate == 1e-5


def test_unknown_key_has_dotted_path_and_hint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"training\.learning_rat: unknown key; did you mean 'training\.learning_rate'"):
        load_config(cfg_file(tmp_path, "training:\n  learning_rat: 0.1\n"))


def test_wrong_type(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"training\.learning_rate: expected float, got 'fast'"):
        load_config(cfg_file(tmp_path, "training:\n  learning_rate: fast\n"))
    with pytest.raises(ConfigError, match=r"training\.epochs: expected an integer"):
        load_config(cfg_file(tmp_path, "training:\n  epochs: true\n"))


def test_norway_problem_is_caught(tmp_path: Path) -> None:
    # YAML 1.1 reads NO (Norway's code) as False; a string field must say so
    with pytest.raises(ConfigError, match=r"model\.base: expected a string, got False.*quote"):
        load_config(cfg_file(tmp_path, "model:\n  base: NO\n"))


def test_unknown_marker_strategy(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="model.markers: unknown strategy"):
        load_config(cfg_file(tmp_path, "model:\n  markers: markers.magic.v9\n"))


def test_overrides(root: Path) -> None:
    cfg = load_config(root / "configs" / "tiny.yaml", ["training.learning_rate=3e-5", "training.epochs=2"])
    assert cfg.training.learning_rate == 3e-5 and cfg.training.epochs == 2
    with pytest.raises(ConfigError, match="training.epoch: unknown key"):
        load_config(root / "configs" / "tiny.yaml", ["training.epoch=2"])
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        load_config(root / "configs" / "tiny.yaml", ["training.epochs"])


def test_ensemble_members_are_the_default_model_with_other_seeds(root: Path) -> None:
    from dataclasses import replace

    default = load_config(root / "configs" / "default.yaml")
    ensemble = load_config(root / "configs" / "ensemble.yaml")
    seeds = ensemble.training.ensemble_seeds
    assert len(seeds) == 3 and default.training.seed in seeds

    def member(cfg, seed: int):  # type: ignore[no-untyped-def]
        # batch size: the members were trained at 16, the default's until session 7
        return replace(cfg, training=replace(cfg.training, seed=seed, ensemble_seeds=(), time_budget_s=0,
                                             batch_size=16)).to_dict()

    assert ensemble.training.batch_size == 16
    assert member(ensemble, default.training.seed) == member(default, default.training.seed)


def test_accurate_is_the_default_trained_longer(root: Path) -> None:
    from dataclasses import replace

    default = load_config(root / "configs" / "default.yaml")
    accurate = load_config(root / "configs" / "accurate.yaml")
    assert accurate.training.epochs == 2 * default.training.epochs
    assert accurate.training.batch_size == 16  # the default's batch size until session 7, when it became 8
    same = {"epochs": default.training.epochs, "time_budget_s": default.training.time_budget_s,
            "batch_size": default.training.batch_size}
    assert replace(accurate, training=replace(accurate.training, **same)) == default
