"""Evaluation reports: metrics.json, report.md, confusion/reliability PNGs, errors.jsonl.

``metrics.json`` layout: ``{"mode", "data": {file: {system: metrics}}}`` where
``system`` is ``model`` or ``baseline:<name>`` and ``metrics`` has the keys
documented in `stance.metrics` (pairs mode) or `stance.evaluate.score_e2e`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stance.data import load_samples
from stance.labels import STANCE_LABELS


def _plot_confusion(m: dict[str, Any], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, mat = m["confusion"]["labels"], m["confusion"]["matrix"]
    fig, ax = plt.subplots(figsize=(4.6, 4))
    ax.imshow(mat, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i, row in enumerate(mat):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=9)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_reliability(m: dict[str, Any], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 4))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect")
    rel = m.get("reliability") or []
    ax.plot([b["confidence"] for b in rel], [b["accuracy"] for b in rel], "o-", label="model")
    ax.set_xlabel("confidence (top label)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title}\nECE {m.get('ece') or 0:.3f}", fontsize=9)
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _f(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, float) else "–"


def _slug(s: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in s).strip("_")


def results_table(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Markdown: one row per (data file, system), pairs-mode metrics."""
    lines = ["| data | system | pairs | macro-F1 (95% CI) | "
             + " | ".join(f"F1 {lab}" for lab in STANCE_LABELS)
             + " | none FPR | direction errors | polarity macro-F1 | ECE |",
             "|---|---|---|---|" + "---|" * len(STANCE_LABELS) + "---|---|---|---|"]
    for data, systems in results.items():
        for name, m in systems.items():
            ci = m.get("macro_f1_ci95", [float("nan")] * 2)
            ece = m.get("ece")
            lines.append(
                f"| {Path(data).name} | {name} | {m['n_pairs']} | {m['macro_f1']:.3f} ({ci[0]:.3f}–{ci[1]:.3f}) | "
                + " | ".join(f"{m['per_label'][lab]['f1']:.3f}" for lab in STANCE_LABELS)
                + f" | {_f(m['none_fpr'])} | {m['direction_errors']} | {m['polarity_macro_f1']:.3f} | "
                + (f"{ece:.3f}" if isinstance(ece, float) else "–") + " |")
    return "\n".join(lines) + "\n"


def run_evaluation(data: Sequence[str], *, model: str | None = None, baselines: Sequence[str] = (),
                   mode: str = "pairs", report: str | None = None, train_files: Sequence[str] = (),
                   bootstrap: int = 1000, include_model: bool = True, tagger: str = "default",
                   backend: str = "torch", int8: bool = False, same_entity: bool = True,
                   none_margin: float | None = None) -> dict[str, Any]:
    """Score the model (and baselines) on each data file; print a summary; write the report folder."""
    from stance.baselines import build_baseline
    from stance.classifier import load
    from stance.errors import InputError
    from stance.evaluate import score_e2e, score_pairs

    systems: dict[str, Any] = {}
    if include_model:
        from stance.actors import ActorExtractor

        extractor = ActorExtractor.named(tagger)
        systems["model"] = load(model, extractor=extractor, backend=backend, int8=int8, same_entity=same_entity,
                                none_margin=none_margin)
    if baselines:
        if mode == "e2e":
            raise InputError("baselines score gold actor pairs: use --mode pairs with --baseline")
        train = load_samples(*train_files) if train_files else []
        for b in baselines:
            if b == "tfidf" and not train:
                raise InputError("the tfidf baseline needs --train FILES")
            systems[f"baseline:{b}"] = build_baseline(b, train)
    results: dict[str, dict[str, Any]] = {}
    all_errors: list[dict[str, Any]] = []
    for path in data:
        samples = load_samples(path)
        results[path] = {}
        for name, scorer in systems.items():
            if mode == "e2e":
                m, errs = score_e2e(scorer, samples)
            else:
                m, errs = score_pairs(scorer, samples, bootstrap=bootstrap)
            results[path][name] = m
            all_errors.extend({"data": path, "system": name, **e} for e in errs)
            print(f"{path} [{name}] macro-F1 {m['macro_f1']:.3f}"
                  + (f" none-FPR {_f(m['none_fpr'])}" if "none_fpr" in m else
                     f" micro P/R {m['micro_precision']:.3f}/{m['micro_recall']:.3f}"))
    out = {"mode": mode, "model": model or "shipped default", "data": results}
    if report:
        rdir = Path(report)
        rdir.mkdir(parents=True, exist_ok=True)
        (rdir / "metrics.json").write_text(json.dumps(out, indent=2) + "\n")
        with open(rdir / "errors.jsonl", "w", encoding="utf-8") as fh:
            for e in all_errors:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
        md = [f"# Evaluation report ({mode} mode)\n", f"Model: `{out['model']}`\n"]
        if mode == "pairs":
            md.append(results_table(results))
            for path, sysm in results.items():
                for name, m in sysm.items():
                    stem = f"{_slug(Path(path).stem)}__{_slug(name)}"
                    _plot_confusion(m, f"{Path(path).name} / {name}", rdir / f"confusion__{stem}.png")
                    if m.get("reliability"):
                        _plot_reliability(m, f"{Path(path).name} / {name}", rdir / f"reliability__{stem}.png")
                    if name == "model" and m.get("slices"):
                        md.append(f"\n## Slices: {Path(path).name}, model\n\n| slice | pairs | macro-F1 | accuracy |\n|---|---|---|---|")
                        md.extend(f"| {s} | {v['n_pairs']} | {v['macro_f1']:.3f} | {v['accuracy']:.3f} |"
                                  for s, v in m["slices"].items())
        else:
            md.append("| data | system | macro-F1 | micro P | micro R | micro F1 |\n|---|---|---|---|---|---|")
            for path, sysm in results.items():
                for name, m in sysm.items():
                    md.append(f"| {Path(path).name} | {name} | {m['macro_f1']:.3f} | {m['micro_precision']:.3f} | "
                              f"{m['micro_recall']:.3f} | {m['micro_f1']:.3f} |")
        md.append(f"\n{len(all_errors)} wrong pairs in errors.jsonl.\n")
        (rdir / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
        print(f"report written to {rdir}")
    return out
