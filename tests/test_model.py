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
    for markers in ("markers.all_entities.v1", "markers.levitated_pairs.v1", "markers.typed_pair.v1"):
        cfg = ModelConfig(**{**TINY.__dict__, "markers": markers})
        model, tok = build_model(cfg, seed=0)
        (batch,) = batches(_rows(root, tok, cfg), 64, tok.pad_token_id, None)
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
        model.train()
        for step in range(150):
            logits = batch.logits(model)
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
            pred = batch.logits(model).argmax(-1)
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


def test_levitated_pairs_do_not_see_each_other(monkeypatch) -> None:
    """A pair's logits are the same whether it is packed with the other pairs or in a unit of its own."""
    import stance.markers

    cfg = ModelConfig(**{**TINY.__dict__, "markers": "markers.levitated_pairs.v1"})
    model, tok = build_model(cfg, seed=3)
    model.eval()
    enc = MarkerEncoder(tok, cfg.markers, cfg.max_length)
    text = "Russia backs the Myanmar junta, and China condemned Russia."
    spans = [(0, 6), (17, 30), (36, 41), (52, 58)]
    pairs = [(s, t) for s in range(4) for t in range(4) if s != t]
    from stance.markers import pad_batch

    def run(units):
        batch = pad_batch(units, tok.pad_token_id)
        with torch.no_grad():
            return model(*batch)

    packed = run(enc.encode(text, spans, pairs))
    monkeypatch.setattr(stance.markers, "MAX_LEVITATED_PAIRS", 1)
    units = enc.encode(text, spans, pairs)
    assert len(units) == len(pairs)  # one unit per pair, same text, same <act> marking
    alone = run(units)
    assert torch.allclose(packed, alone, atol=1e-5)
    # direction matters: (0, 1) and (1, 0) differ
    assert not torch.allclose(packed[0], packed[3], atol=1e-4)


def test_calibration_recovers_temperature_and_prior_shift() -> None:
    """Logits made over-confident (x3) and shifted toward label 2 are put back by the dev fit."""
    from stance.train import fit_temperature, fit_temperature_bias

    g = torch.Generator().manual_seed(0)
    true_logits = torch.randn(4000, 4, generator=g) * 1.5
    gold = torch.multinomial(torch.softmax(true_logits, -1), 1, generator=g).squeeze(1)
    shifted = (true_logits + torch.tensor([0.0, 0.0, 1.0, 0.0])) * 3.0
    assert abs(fit_temperature(true_logits * 3.0, gold) - 3.0) < 0.3
    t, bias = fit_temperature_bias(shifted, gold)
    assert abs(t - 3.0) < 0.3 and bias[0] == 0.0
    assert abs(bias[2] - (-1.0)) < 0.2 and abs(bias[1]) < 0.2 and abs(bias[3]) < 0.2


def test_logit_bias_is_saved_and_applied(tmp_path: Path) -> None:
    from stance.classifier import StanceClassifier

    model, tok = build_model(TINY, seed=2)
    save_model(model, tok, tmp_path / "a")
    model.logit_bias = [0.0, 0.0, 0.0, 50.0]  # overwhelming prior on "accusation"
    save_model(model, tok, tmp_path / "b")
    loaded, tok2 = load_model(tmp_path / "b")
    assert loaded.logit_bias == [0.0, 0.0, 0.0, 50.0]
    text, actors = "Kenya criticised Uganda.", ["Kenya", "Uganda"]
    plain = StanceClassifier(load_model(tmp_path / "a")[0], tok2).predict_pairs(text, actors)
    biased = StanceClassifier(loaded, tok2).predict_pairs(text, actors)
    assert all(p.label == "accusation" for p in biased)
    assert [p.probs for p in plain] != [p.probs for p in biased]
