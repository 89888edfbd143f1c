"""Result types of the public API: frozen, typed, JSON-serialisable with one call."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any


class _Serialisable:
    def to_dict(self) -> dict[str, Any]:
        """A plain ``dict`` of builtins (nested dataclasses included)."""
        return asdict(self)  # type: ignore[call-overload,no-any-return]

    def to_json(self, **kwargs: Any) -> str:
        """The object as a JSON string (``json.dumps`` keyword arguments pass through)."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kwargs)


@dataclass(frozen=True)
class Mention(_Serialisable):
    """An actor mention.

    Attributes:
        text: the mention as it appears, ``input_text[start:end]``.
        start: character offset of its first character in the input text.
        end: character offset one past its last character.
        actor_id: normalised actor code (``"RUS"``, ``"ASEAN"``) or ``None`` when unknown.
        type: sector code (``"GOV"``, ``"MIL"``, ``"IGO"``, ...) or ``None`` when unknown.
    """

    text: str
    start: int
    end: int
    actor_id: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class PairStance(_Serialisable):
    """The stance of ``source`` toward ``target`` in one sentence.

    Attributes:
        source: the mention holding the stance.
        target: the mention the stance is about.
        label: ``"support"``, ``"opposition"``, ``"accusation"`` or ``"none"``.
        probs: probability of each of the four labels (sums to 1).
        sentiment: ``P(support) - P(opposition) - P(accusation)``, in [-1, 1].
        sentence: index of the sentence in the document (0 for ``predict_pairs``).
    """

    source: Mention
    target: Mention
    label: str
    probs: dict[str, float]
    sentiment: float
    sentence: int = 0


@dataclass(frozen=True)
class Sentence(_Serialisable):
    """A sentence of a document, with offsets into the document text."""

    index: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Document(_Serialisable):
    """Everything `StanceClassifier.predict` found in one text.

    Attributes:
        text: the input text.
        sentences: the sentences, in order.
        actors: every actor mention, offsets into ``text``.
        pairs: the ordered pairs whose label is not ``none``.
    """

    text: str
    sentences: tuple[Sentence, ...]
    actors: tuple[Mention, ...]
    pairs: tuple[PairStance, ...]
