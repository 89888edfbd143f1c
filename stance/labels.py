"""The label set of the codebook (``shared/spec/codebook.md``, v1.1)."""

from __future__ import annotations

#: Order fixes the model's output columns; never reorder without a new model version.
LABELS: tuple[str, ...] = ("none", "support", "opposition", "accusation")
#: The three labels that state a stance (macro-F1 is computed over these).
STANCE_LABELS: tuple[str, ...] = ("support", "opposition", "accusation")
LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(LABELS)}

#: Directed polarity of each label (codebook, "Sentiment").
POLARITY: dict[str, str] = {
    "none": "neutral",
    "support": "positive",
    "opposition": "negative",
    "accusation": "negative",
}


def sentiment(probs: dict[str, float]) -> float:
    """Directed sentiment score: P(support) - P(opposition) - P(accusation), in [-1, 1]."""
    value = probs.get("support", 0.0) - probs.get("opposition", 0.0) - probs.get("accusation", 0.0)
    return max(-1.0, min(1.0, value))
