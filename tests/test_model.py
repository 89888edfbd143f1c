"""Learns, saves, reloads, agrees: the pair model on a tiny random encoder."""

from __future__ import annotations

from pathlib import Path

import torch

from stance.config import ModelConfig
from stance.data import load_samples
from stance.markers import MarkerEncoder
from stance.model import build_model, load_model, save_model
from stance.train import batches, encode_samples

TINY = ModelConfig(base="tiny-random", max_length=96, head_hidden=32, tiny_hidden=32, tiny_layers=2,
                   head_dropout=0.0)


def _rows(root: Path, tok, cfg: ModelConfig):
    samples = load_samples(root / "tests" / "data" / "tiny_train.jsonl")[:5]
    return encode_samples(samples, MarkerEncoder(tok, cfg.markers, cfg.max_length))


def test_overfits_and_every_parameter_gets_a_gradient(root: Path) -> None:
    for markers in ("markers.all_entities.v1", "markers.typed_pair.v1"):
        cfg = ModelConfig(**{**TINY.__dict__, "markers": markers})
        model, tok = build_model(cfg, seed=0)
        (batch,) = batches(_rows(root, tok, cfg), 64, tok.pad_token_id, None)
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
        model.train()
        for step in range(150):
            logits = model(batch.input_ids, batch.attention_mask, batch.batch_idx, batch.pos_s, batch.pos_t)
            loss = torch.nn.functional.cross_entropy(logits, batch.labels)
            opt.zero_grad()
            loss.backward()
            if step == 0:
                used = {i for i in batch.input_ids.flatten().tolist() if i < 30522}
                for name, p in model.named_parameters():
                    if name.endswith("word_embeddings.base.weight"):
                        assert p.grad is not None and p.grad[list(used)].abs().sum() > 0, name
                    elif "position_embeddings" in name or "token_type" in name:
                        continue
                    else:
                        assert p.grad is not None and p.grad.abs().sum() > 0, f"no gradient for {name}"
            opt.step()
        model.eval()
        with torch.no_grad():
            pred = model(batch.input_ids, batch.attention_mask, batch.batch_idx, batch.pos_s, batch.pos_t).argmax(-1)
        assert torch.equal(pred, batch.labels), markers


def test_save_load_gives_identical_logits(root: Path, tmp_path: Path) -> None:
    model, tok = build_model(TINY, seed=1)
    model.eval()
    model.temperature = 1.7
    (batch,) = batches(_rows(root, tok, TINY), 64, tok.pad_token_id, None)
    with torch.no_grad():
        before = model(batch.input_ids, batch.attention_mask, batch.batch_idx, batch.pos_s, batch.pos_t)
    save_model(model, tok, tmp_path / "m")
    loaded, tok2 = load_model(tmp_path / "m")
    assert loaded.temperature == 1.7 and len(tok2) == len(tok)
    with torch.no_grad():
        after = loaded(batch.input_ids, batch.attention_mask, batch.batch_idx, batch.pos_s, batch.pos_t)
    assert torch.allclose(before, after, atol=1e-6)


def test_lora_merge_matches_unmerged() -> None:
    from stance.model import LoRALinear

    torch.manual_seed(0)
    lin = LoRALinear(torch.nn.Linear(8, 5), rank=2, alpha=4.0, dropout=0.0)
    torch.nn.init.normal_(lin.lora_B)
    x = torch.randn(3, 8)
    assert torch.allclose(lin(x), lin.merged()(x), atol=1e-6)
