"""Shared fixtures: offline, single-threaded, and one tiny trained model per session."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Train configs/tiny.yaml once (seconds) and return the run folder."""
    from stance.config import load_config
    from stance.train import train

    cfg = load_config(ROOT / "configs" / "tiny.yaml", [
        f"data.train=[{ROOT / 'tests/data/tiny_train.jsonl'}]",
        f"data.dev=[{ROOT / 'tests/data/tiny_dev.jsonl'}]",
    ])
    out = tmp_path_factory.mktemp("tiny_run")
    train(cfg, out)
    return out


@pytest.fixture(scope="session")
def tiny_clf(tiny_run: Path):
    import stance

    return stance.load(tiny_run / "model")
