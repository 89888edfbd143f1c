"""Model cards: rewritten from measured numbers, keeping the sections written by hand."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rescore_module():
    spec = importlib.util.spec_from_file_location("rescore", ROOT / "training" / "rescore.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_rescore_rewrites_scores_and_keeps_hand_written_sections(tmp_path: Path, tiny_run: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    card = run / "model" / "README.md"
    notes = "## Provenance notes\n\n- Trained by hand-checked steps; keep me.\n"
    card.write_text(card.read_text(encoding="utf-8") + "\n" + notes, encoding="utf-8")
    before = json.loads((run / "metrics.json").read_text())

    assert _rescore_module().main([str(run), "--why", "the rules changed."]) == 0

    text = card.read_text(encoding="utf-8")
    assert text.count("## Provenance notes") == 1 and "keep me." in text  # kept once, after the scores
    assert text.index("## Scores") < text.index("## Provenance notes")
    assert "re-measured after training by `training/rescore.py`" in text and "the rules changed." in text
    assert json.loads((run / "provenance.json").read_text())["rescored"]["why"] == "the rules changed."
    after = json.loads((run / "metrics.json").read_text())
    # nothing changed in the library since training, so the re-measured scores are the recorded ones
    assert after["dev"]["macro_f1"] == before["dev"]["macro_f1"]
    assert after["dev"]["confusion"] == before["dev"]["confusion"]
    dev_row = next(line for line in text.splitlines() if line.startswith("| dev (model selection"))
    assert f"| {before['dev']['macro_f1']:.3f} (" in dev_row

    shutil.copy(run / "provenance.json", run / "model" / "provenance.json")  # as in a shipped model folder
    assert _rescore_module().main([str(run / "model"), "--why", "again."]) == 0
    assert card.read_text(encoding="utf-8").count("## Provenance notes") == 1
    assert json.loads((run / "model" / "provenance.json").read_text())["rescored"]["why"] == "again."
