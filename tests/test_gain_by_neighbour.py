"""training/gain_by_neighbour.py: per-band counts of pairs fixed and broken between two models."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest


@pytest.fixture()
def script(root: Path):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(root / "training"))
    import gain_by_neighbour

    yield gain_by_neighbour
    sys.path.remove(str(root / "training"))


def test_bands_follow_the_leakage_guard_thresholds(script) -> None:  # type: ignore[no-untyped-def]
    assert script.band_of(0.92).startswith("≥ 0.40")
    assert script.band_of(0.4).startswith("≥ 0.40")
    assert script.band_of(0.35) == "0.30–0.40"
    assert script.band_of(0.2) == "0.20–0.30"
    assert script.band_of(0.0) == "< 0.20"


def test_a_model_against_itself_fixes_and_breaks_nothing(script, tiny_run: Path, root: Path, capsys,
                                                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dev = root / "tests" / "data" / "tiny_dev.jsonl"
    model = str(tiny_run / "model")
    # the extra file is the scored file itself: every sentence is its own nearest neighbour (Jaccard 1)
    monkeypatch.setattr(sys, "argv", ["gain_by_neighbour.py", model, model, "--extra", str(dev),
                                      "--data", f"tiny={dev}"])
    script.main()
    rows = [line.split("|")[1:-1] for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    body = {r[0].strip(): [c.strip() for c in r[1:]] for r in rows
            if r[0].strip() != "nearest extra sentence (Jaccard)"}
    assert set(body) == {"≥ 0.40 (leakage-guard level)", "all"}
    sentences, pairs, right_a, right_b, fixed, broken, f1_a, f1_b = body["all"]
    assert int(pairs) > 0 and right_a == right_b and fixed == broken == "0" and f1_a == f1_b
    assert body["≥ 0.40 (leakage-guard level)"] == body["all"]
