"""Baselines the model is reported beside: majority class, cue lexicon, TF-IDF + logistic regression.

Each has ``pair_probs(items)`` with the same contract as
`StanceClassifier.pair_probs`, so the evaluation harness scores them alike.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from stance.data import Sample
from stance.labels import LABEL2ID, LABELS
from stance.markers import SRC_CLOSE, SRC_OPEN, TGT_CLOSE, TGT_OPEN, mark_text

Items = Sequence[tuple[str, Sequence[tuple[int, int]], Sequence[tuple[int, int]]]]


def _one_hot(label: str, soft: float = 0.85) -> list[float]:
    rest = (1.0 - soft) / (len(LABELS) - 1)
    return [soft if lab == label else rest for lab in LABELS]


class MajorityBaseline:
    """Always the most frequent training label, with the training label distribution as probabilities."""

    name = "majority"

    def __init__(self, train: Sequence[Sample]) -> None:
        counts = Counter(p.label for s in train for p in s.labelled_pairs())
        total = sum(counts.values()) or 1
        self.probs = [counts.get(lab, 0) / total for lab in LABELS]
        if not counts:
            self.probs = [1.0, 0.0, 0.0, 0.0]

    def pair_probs(self, items: Items) -> list[list[list[float]]]:
        return [[list(self.probs) for _ in pairs] for _, _, pairs in items]


_CUES: dict[str, tuple[str, ...]] = {
    "accusation": ("accus", "blam", "alleg", "charg", "held responsible", "holds responsible", "was behind",
                   "were behind", "is behind", "are behind", "responsible for", "convict"),
    "opposition": ("criticis", "criticiz", "condemn", "reject", "denounc", "protest", "warn", "threat",
                   "sanction", "expel", "exclud", "suspend", "veto", "attack", "fight", "fought", "invad",
                   "arrest", "execut", "shell", "bomb", "clash", "oppos", "deni", "boycott", "raid", "strike",
                   "struck", "kill", "ban", "impos", "against", "detain", "seiz"),
    "support": ("back", "endors", "prais", "solidarity", "congratulat", "thank", "defend", "ally", "allies",
                "sign", "agree", "cooperat", "aid", "arm", "fund", "recogni", "welcom", "support", "help",
                "donat", "pledg", "wish", "partner", "alliance", "deal", "assist"),
}
_NEG = re.compile(r"\b(not|never|no|refus\w*|declin\w*|may|might|could|would|consider\w*)\b", re.I)


class LexiconBaseline:
    """Cue words between the two mentions; passive "... by" flips the direction; negation gives none."""

    name = "lexicon"

    @staticmethod
    def _label(text: str, s: tuple[int, int], t: tuple[int, int]) -> str:
        if s[1] <= t[0]:
            between, passive_needed = text[s[1]:t[0]].lower(), False
        elif t[1] <= s[0]:
            between, passive_needed = text[t[1]:s[0]].lower(), True
        else:
            return "none"
        if len(between.split()) > 25 or _NEG.search(between):
            return "none"
        is_passive = bool(re.search(r"\b(was|were|been|being|is|are)\b.*\bby\b", between))
        if is_passive != passive_needed:
            return "none"
        for label in ("accusation", "opposition", "support"):
            if any(c in between for c in _CUES[label]):
                return label
        return "none"

    def pair_probs(self, items: Items) -> list[list[list[float]]]:
        return [[_one_hot(self._label(text, spans[a], spans[b])) for a, b in pairs] for text, spans, pairs in items]


def _pair_text(text: str, spans: Sequence[tuple[int, int]], pair: tuple[int, int]) -> str:
    a, b = pair
    return mark_text(text, [spans[a], spans[b]], [(SRC_OPEN, SRC_CLOSE), (TGT_OPEN, TGT_CLOSE)])


class TfidfBaseline:
    """TF-IDF (word 1-3 grams) of the pair-marked sentence + balanced logistic regression."""

    name = "tfidf"

    def __init__(self, train: Sequence[Sample], seed: int = 0) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        texts, labels = [], []
        for s in train:
            spans = [(a.start, a.end) for a in s.actors]
            for p in s.labelled_pairs():
                texts.append(_pair_text(s.text, spans, (p.source, p.target)))
                labels.append(LABEL2ID[p.label])
        # markers stay whole tokens so the model can see what sits between <src> and <tgt>
        vec = TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True,
                              token_pattern=r"(?u)</?(?:src|tgt)>|\b\w+\b")
        self.pipe = make_pipeline(vec, LogisticRegression(max_iter=2000, class_weight="balanced",
                                                          random_state=seed))
        self.pipe.fit(texts, labels)
        self.classes = list(self.pipe.classes_)

    def pair_probs(self, items: Items) -> list[list[list[float]]]:
        flat = [_pair_text(text, spans, p) for text, spans, pairs in items for p in pairs]
        if not flat:
            return [[] for _ in items]
        proba = self.pipe.predict_proba(flat)
        rows = []
        for r in proba:
            full = [0.0] * len(LABELS)
            for c, v in zip(self.classes, r, strict=True):
                full[int(c)] = float(v)
            rows.append(full)
        out, k = [], 0
        for _, _, pairs in items:
            out.append(rows[k:k + len(pairs)])
            k += len(pairs)
        return out


BASELINES = {"majority": MajorityBaseline, "lexicon": LexiconBaseline, "tfidf": TfidfBaseline}


def build_baseline(name: str, train: Sequence[Sample]) -> MajorityBaseline | LexiconBaseline | TfidfBaseline:
    from stance.errors import InputError

    if name == "lexicon":
        return LexiconBaseline()
    if name == "majority":
        return MajorityBaseline(train)
    if name == "tfidf":
        return TfidfBaseline(train)
    raise InputError(f"unknown baseline {name!r} (known: {', '.join(BASELINES)})")
