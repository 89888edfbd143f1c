"""stance: directed stance (support, opposition, accusation, none) between geopolitical actors in news text.

    import stance
    clf = stance.load()                                   # the shipped default model
    clf.predict_pairs("Russia backs the junta.", ["Russia", "junta"])
    doc = clf.predict(article_text)                       # sentences, actors, non-none pairs
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stance.errors import ConfigError, DataError, InputError, ModelLoadError, StanceError
from stance.labels import LABELS, STANCE_LABELS
from stance.types import Document, Mention, PairStance, Sentence

if TYPE_CHECKING:
    from stance.classifier import StanceClassifier

__version__ = "0.1.0"


def load(path: Any = None, **kwargs: Any) -> StanceClassifier:
    """Load the shipped default model, or the model folder at ``path`` (see `stance.classifier.load`)."""
    from stance.classifier import load as _load

    return _load(path, **kwargs)


def classify_dataframe(df: Any, text_col: str = "text", id_col: str | None = None, **kwargs: Any) -> Any:
    """Classify a pandas DataFrame of texts; returns one row per non-none pair (see `stance.batch`)."""
    from stance.batch import classify_dataframe as _cd

    return _cd(df, text_col=text_col, id_col=id_col, **kwargs)


__all__ = [
    "load", "classify_dataframe", "Document", "Mention", "PairStance", "Sentence", "LABELS", "STANCE_LABELS",
    "StanceError", "ConfigError", "InputError", "DataError", "ModelLoadError",
]
