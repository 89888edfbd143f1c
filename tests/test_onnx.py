"""The ONNX Runtime backend gives the torch model's probabilities (fp32) or close to them (int8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stance.config import ModelConfig
from stance.model import build_model, save_model

TEXT = "Russia backs the Myanmar junta, and China condemned Russia while Kenya and the EU watched."
ACTORS = ["Russia", "Myanmar junta", "China", "Kenya", "EU"]


@pytest.mark.parametrize("markers", ["markers.all_entities.v1", "markers.levitated_pairs.v1"])
def test_onnx_matches_torch(markers: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("onnxruntime")
    from stance.classifier import load

    monkeypatch.setenv("STANCE_CACHE", str(tmp_path / "cache"))
    cfg = ModelConfig(base="tiny-random", max_length=96, head_hidden=32, tiny_hidden=32, tiny_layers=2,
                      markers=markers)
    model, tok = build_model(cfg, seed=0)
    save_model(model, tok, tmp_path / "m")
    ref = [p.probs for p in load(tmp_path / "m").predict_pairs(TEXT, ACTORS)]
    onnx = load(tmp_path / "m", backend="onnx")
    got = [p.probs for p in onnx.predict_pairs(TEXT, ACTORS)]
    assert len(got) == len(ref) == 20
    assert max(abs(a[k] - b[k]) for a, b in zip(ref, got, strict=True) for k in a) < 1e-5
    assert list((tmp_path / "cache" / "onnx").glob("*.onnx"))  # exported once, cached
    q = [p.probs for p in load(tmp_path / "m", backend="onnx", int8=True).predict_pairs(TEXT, ACTORS)]
    assert max(abs(a[k] - b[k]) for a, b in zip(ref, q, strict=True) for k in a) < 0.05


def test_unknown_backend_is_an_input_error(tmp_path: Path) -> None:
    from stance.classifier import load
    from stance.errors import InputError

    with pytest.raises(InputError, match="unknown backend"):
        load(tmp_path, backend="tensorrt")
