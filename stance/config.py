"""Training configuration: frozen dataclasses loaded from YAML by a strict loader.

Unknown keys are errors with a "did you mean" hint; every value is type-checked
and coerced, and every message carries the dotted path of the offending key
(``training.learning_rate: expected float, got 'fast'``). PyYAML's YAML 1.1
reads ``1e-5`` as a string and ``NO`` as ``False``; the loader coerces the
first and rejects booleans where strings are expected.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stance.errors import ConfigError


@dataclass(frozen=True)
class ModelConfig:
    #: "minilm" = the pip-installed all-MiniLM-L6-v2; "tiny-random" = a random 2-layer model for tests;
    #: or a path to a Hugging Face BERT folder.
    base: str = "minilm"
    #: Marker strategy, see ``stance.markers.STRATEGIES``.
    markers: str = "markers.all_entities.v1"
    max_length: int = 160
    #: Characters kept on each side of a pair when a sentence is too long and is windowed.
    window_chars: int = 300
    lora_rank: int = 16
    lora_alpha: float = 32.0
    lora_dropout: float = 0.05
    #: Encoder sub-modules that receive LoRA adapters.
    lora_targets: tuple[str, ...] = ("query", "key", "value", "attention.output.dense",
                                     "intermediate.dense", "output.dense")
    head_hidden: int = 384
    head_dropout: float = 0.1
    #: Tiny-random only: hidden size, layers.
    tiny_hidden: int = 32
    tiny_layers: int = 2


@dataclass(frozen=True)
class DataConfig:
    train: tuple[str, ...] = ("training/data/splits/train.jsonl",)
    dev: tuple[str, ...] = ("training/data/splits/dev.jsonl",)
    test: tuple[str, ...] = ("training/data/splits/test.jsonl",)
    #: Extra evaluation sets reported separately (never trained or tuned on).
    external: tuple[str, ...] = ("../shared/benchmarks/plover-gsr/plover_gsr_v1.jsonl",)
    #: Actor substitution: swap mentions for others of the same kind (marked in meta).
    augment_substitution: float = 0.0
    #: Keep at most this many training sentences (0 = all); for quick runs.
    limit_train: int = 0


@dataclass(frozen=True)
class TrainingConfig:
    seed: int = 13
    epochs: int = 8
    batch_size: int = 16
    learning_rate: float = 3e-4
    head_learning_rate: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    #: "balanced": class weights (total/count) ** class_weight_power, mean 1; "none": plain cross-entropy.
    class_weighting: str = "balanced"
    class_weight_power: float = 0.5
    label_smoothing: float = 0.0
    early_stopping_patience: int = 3
    calibrate: bool = True
    #: also fit a per-label logit bias on dev (undoes the prior shift of class weighting)
    calibrate_bias: bool = False
    #: after calibration, fit the decision rule's none margin on dev (`stance.decision`): the best
    #: dev macro-F1 among margins with dev none false-positive rate <= max_none_fpr
    fit_none_margin: bool = False
    max_none_fpr: float = 0.05
    threads: int = 2
    log_every: int = 50
    #: Stop after this many seconds of training (0 = no limit); the best checkpoint is kept.
    time_budget_s: int = 0
    #: "cpu" (deterministic, the reference), "cuda", or "auto" (cuda when available).
    device: str = "cpu"
    #: Train one member per seed (``seed`` is then unused) and ship their ensemble, which
    #: averages the members' calibrated probabilities; empty: one model.
    ensemble_seeds: tuple[int, ...] = ()


@dataclass(frozen=True)
class EvaluationConfig:
    bootstrap: int = 1000
    ece_bins: int = 10


@dataclass(frozen=True)
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)

    def to_dict(self) -> dict[str, Any]:
        return _to_builtin(dataclasses.asdict(self))


def _to_builtin(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _to_builtin(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_builtin(v) for v in obj]
    return obj


def _coerce(value: Any, typ: Any, path: str) -> Any:
    origin = typing.get_origin(typ)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(typ) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], path)
    if origin is tuple:
        (inner, _ellipsis) = typing.get_args(typ)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            raise ConfigError(f"{path}: expected a list, got {value!r}")
        return tuple(_coerce(v, inner, f"{path}[{i}]") for i, v in enumerate(value))
    if typ is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{path}: expected true or false, got {value!r}")
    if typ is int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ConfigError(f"{path}: expected an integer, got {value!r}")
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{path}: expected an integer, got {value!r}") from None
    if typ is float:
        if isinstance(value, bool):
            raise ConfigError(f"{path}: expected a number, got {value!r}")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)  # YAML 1.1 reads 1e-5 as a string
            except ValueError:
                pass
        raise ConfigError(f"{path}: expected float, got {value!r}")
    if typ is str:
        if isinstance(value, str):
            return value
        hint = " (YAML reads NO/yes/on/off as booleans: quote the value)" if isinstance(value, bool) else ""
        raise ConfigError(f"{path}: expected a string, got {value!r}{hint}")
    raise ConfigError(f"{path}: unsupported type {typ!r}")  # pragma: no cover


def _build(cls: type, raw: Any, path: str) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path or 'config'}: expected a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{path}.{key}" if path else str(key)
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f"; did you mean {'.'.join(filter(None, [path, close[0]]))!r}?" if close else ""
            raise ConfigError(f"{dotted}: unknown key{hint} (known: {', '.join(fields)})")
        typ = hints[key]
        if dataclasses.is_dataclass(typ):
            kwargs[key] = _build(typ, value, dotted)  # type: ignore[arg-type]
        else:
            kwargs[key] = _coerce(value, typ, dotted)
    return cls(**kwargs)


def config_from_dict(raw: dict[str, Any]) -> Config:
    """Build a validated `Config`; raises `ConfigError` with a dotted path."""
    cfg: Config = _build(Config, raw, "")
    _check(cfg)
    return cfg


def _check(cfg: Config) -> None:
    from stance.markers import STRATEGIES

    if cfg.model.markers not in STRATEGIES:
        raise ConfigError(
            f"model.markers: unknown strategy {cfg.model.markers!r} (known: {', '.join(STRATEGIES)})"
        )
    if cfg.training.class_weighting not in ("balanced", "none"):
        raise ConfigError(
            f"training.class_weighting: expected balanced or none, got {cfg.training.class_weighting!r}"
        )
    for name in ("epochs", "batch_size", "max_length"):
        sect = cfg.training if hasattr(cfg.training, name) else cfg.model
        if getattr(sect, name) <= 0:
            raise ConfigError(f"{'training' if sect is cfg.training else 'model'}.{name}: must be positive")
    seeds = cfg.training.ensemble_seeds
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"training.ensemble_seeds: seeds repeat in {list(seeds)}; each member needs its own seed")
    if not cfg.training.learning_rate > 0:
        raise ConfigError("training.learning_rate: must be positive")
    if not 0.0 <= cfg.training.max_none_fpr <= 1.0:
        raise ConfigError(f"training.max_none_fpr: must be a rate in [0, 1], got {cfg.training.max_none_fpr}")


def parse_override(text: str) -> tuple[list[str], Any]:
    """Parse ``a.b.c=value`` (value read as YAML) into (["a","b","c"], value)."""
    import yaml

    if "=" not in text:
        raise ConfigError(f"override {text!r}: expected KEY=VALUE, e.g. training.epochs=3")
    key, val = text.split("=", 1)
    keys = [k for k in key.strip().split(".") if k]
    if len(keys) < 2:
        raise ConfigError(f"override {text!r}: key must be SECTION.NAME, e.g. training.epochs")
    return keys, yaml.safe_load(val) if val.strip() else ""


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
    """Read a YAML config, apply dotted ``--set`` overrides, and validate it.

    Raises:
        ConfigError: unreadable file, unknown key or wrong type (dotted path in the message).
    """
    import yaml

    raw: dict[str, Any] = {}
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: invalid YAML: {exc}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of sections")
        raw = loaded or {}
    for ov in overrides or []:
        keys, value = parse_override(ov)
        node = raw
        for k in keys[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {ov!r}: {k} is not a section")
        node[keys[-1]] = value
    return config_from_dict(raw)
