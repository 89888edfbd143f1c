"""ONNX Runtime backend for the pair model (optional extra: ``pip install -e ".[onnx]"``).

``stance.load(backend="onnx")`` exports the merged model (encoder with the
LoRA adapters folded in, marker embeddings and pair head) with
``torch.onnx.export`` once, caches the file, and runs it with ONNX Runtime.
``int8=True`` adds ONNX Runtime's dynamic per-channel int8 quantisation of
the weights. The exported graph takes the same tensors as
`stance.model.StanceModel.forward`, so `StanceClassifier` uses it unchanged.

Cache: ``$STANCE_CACHE`` or ``~/.cache/stance``; the file name carries a hash
of the model folder's weights and config, so a changed model is re-exported.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import torch

from stance.errors import ModelLoadError


def cache_dir() -> Path:
    root = os.environ.get("STANCE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "stance")
    return Path(root) / "onnx"


def _model_key(folder: Path) -> str:
    from stance.model import model_fingerprint

    return hashlib.sha256(f"{model_fingerprint(folder)} {torch.__version__}".encode()).hexdigest()[:16]


def export(model: Any, tokenizer: Any, out: Path) -> None:
    """Export a loaded (merged, eval) `StanceModel` to ``out`` with dynamic batch, sequence and pair axes."""
    from stance.markers import MarkerEncoder, pad_batch

    levitated = model.cfg.markers == "markers.levitated_pairs.v1"
    enc = MarkerEncoder(tokenizer, model.cfg.markers, model.cfg.max_length)
    text = "Russia backs the Myanmar junta, and China condemned Russia."
    units = enc.encode(text, [(0, 6), (17, 30), (36, 41)], [(0, 1), (1, 0), (2, 0), (0, 2)])
    units += enc.encode("Kenya criticised Uganda.", [(0, 5), (17, 23)], [(0, 1)])
    args = pad_batch(units, tokenizer.pad_token_id or 0)
    names = ["input_ids", "attention_mask", "batch_idx", "pos_s", "pos_t"] + (["position_ids"] if levitated else [])
    axes: dict[str, dict[int, str]] = {
        "input_ids": {0: "batch", 1: "seq"},
        "attention_mask": {0: "batch", 2: "seq", 3: "seq_k"} if levitated else {0: "batch", 1: "seq"},
        "batch_idx": {0: "pairs"}, "pos_s": {0: "pairs"}, "pos_t": {0: "pairs"},
        "logits": {0: "pairs"},
    }
    if levitated:
        axes["position_ids"] = {0: "batch", 1: "seq"}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    import warnings

    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, tuple(args), str(tmp), input_names=names,
                          output_names=["logits"], dynamic_axes=axes, opset_version=17, dynamo=False)
    os.replace(tmp, out)


def quantize(src: Path, out: Path) -> None:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_suffix(f".tmp{os.getpid()}")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # onnxruntime advises pre-processing on the root logger; not needed here
    try:
        quantize_dynamic(str(src), str(tmp), per_channel=True, weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)
    os.replace(tmp, out)


class OnnxPairModel:
    """Callable like `StanceModel` (same tensors in, logits out) over an ONNX Runtime session."""

    def __init__(self, path: Path, cfg: Any, temperature: float, threads: int | None = None,
                 logit_bias: list[float] | None = None, none_margin: float = 0.0) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        if threads is not None:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.cfg = cfg
        self.temperature = temperature
        self.logit_bias = list(logit_bias) if logit_bias is not None else [0.0] * 4
        self.none_margin = none_margin
        self.path = path

    def eval(self) -> OnnxPairModel:
        return self

    def __call__(self, *args: torch.Tensor | None) -> torch.Tensor:
        feed = {name: a.numpy() for name, a in zip(self.inputs, args, strict=False) if a is not None}
        (logits,) = self.session.run(["logits"], feed)
        return torch.from_numpy(logits)


def load_onnx(folder: Path, model: Any, tokenizer: Any, *, int8: bool, threads: int | None) -> OnnxPairModel:
    """The cached ONNX (optionally int8) export of ``model`` loaded from ``folder``; exports on first use."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise ModelLoadError("the onnx backend needs onnxruntime: pip install -e '.[onnx]'") from None
    key = _model_key(folder)
    fp32 = cache_dir() / f"{key}.onnx"
    if not fp32.is_file():
        export(model, tokenizer, fp32)
    path = fp32
    if int8:
        path = cache_dir() / f"{key}.int8.onnx"
        if not path.is_file():
            quantize(fp32, path)
    return OnnxPairModel(path, model.cfg, model.temperature, threads, model.logit_bias, model.none_margin)
