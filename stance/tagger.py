"""A learned actor tagger: an averaged-perceptron BIO tagger trained on the corpus's actor spans.

It runs beside the gazetteer (``ActorExtractor(tagger="learned")``) and adds
mentions the gazetteer does not list: unseen names ("Masalit militias"), agent
phrases in new wordings ("pro-government militiamen"), people's names. It is
statistical in the plain sense: weights learned from the training split's
gold actor spans (``training/train_tagger.py``), never from dev, test or the
PLOVER benchmark. It uses features of the word, its shape (which keeps case:
unlike the uncased MiniLM tokenizer, capitals are a strong cue for names),
its neighbours, whether the gazetteer knows it, and the previous tag.

Pure Python with dictionary look-ups, so it keeps extraction fast (see
``benchmarks/actors.py --tagger learned``). The weights live in a versioned
data file, ``stance/resources/tagger.json.gz``.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

TAGS = ("O", "B", "I")
TAGGER_FILE = Path(__file__).resolve().parent / "resources" / "tagger.json.gz"
FORMAT = "stance.tagger.perceptron.v1"

_TOKEN = re.compile(r"\w+(?:[’'.\-]\w+)*\.?|[^\w\s]", re.UNICODE)


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Word tokens with character offsets (abbreviations such as "U.S." stay whole)."""
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _shape(w: str) -> str:
    s = re.sub(r"[A-Z]+", "X", w)
    s = re.sub(r"[a-z]+", "x", s)
    return re.sub(r"\d+", "d", s)


class PerceptronTagger:
    """Greedy left-to-right BIO tagging with an averaged perceptron.

    Args:
        weights: feature -> (weight of O, B, I).
        known: lower-cased single words the gazetteer lists (a feature, not a rule).
        common: words the training text uses in lower case (a capitalised "Isolated" or "Next"
            at the start of a sentence or in a headline is then probably not a name).
    """

    def __init__(self, weights: dict[str, list[float]] | None = None, known: Iterable[str] = (),
                 common: Iterable[str] = ()) -> None:
        self.weights: dict[str, list[float]] = weights or {}
        self.known = frozenset(known)
        self.common = frozenset(common)

    # -- features ---------------------------------------------------------------------------------------
    def _static(self, words: Sequence[str]) -> list[list[str]]:
        """Features of each token that do not depend on the predicted tags."""
        low = [w.lower() for w in words]
        shp = [_shape(w) for w in words]
        pad_low = ["<s>", "<s>", *low, "</s>", "</s>"]
        pad_shp = ["<s>", "<s>", *shp, "</s>", "</s>"]
        feats = []
        for i, w in enumerate(words):
            j = i + 2
            lw = low[i]
            f = [
                "b", "w=" + lw, "s=" + shp[i], "p3=" + lw[:3], "x3=" + lw[-3:], "x2=" + lw[-2:],
                "w-1=" + pad_low[j - 1], "w+1=" + pad_low[j + 1], "w-2=" + pad_low[j - 2], "w+2=" + pad_low[j + 2],
                "s-1=" + pad_shp[j - 1], "s+1=" + pad_shp[j + 1],
                "s-1s=" + pad_shp[j - 1] + "|" + shp[i], "ss+1=" + shp[i] + "|" + pad_shp[j + 1],
                "w-1w=" + pad_low[j - 1] + "|" + lw, "ww+1=" + lw + "|" + pad_low[j + 1],
            ]
            if lw in self.known:
                f.append("gaz")
            if w[:1].isupper() and lw in self.common:
                f.append("lc")
                f.append("lc|first" if i == 0 or pad_shp[j - 1] in ("<s>", "“", '"') else "lc|mid")
            if i == 0:
                f.append("first")
            feats.append(f)
        return feats

    @staticmethod
    def _dynamic(prev: str, prev2: str, static: list[str]) -> list[str]:
        return ["t-1=" + prev, "t-2t-1=" + prev2 + prev, "t-1s=" + prev + static[2]]

    def _scores(self, feats: Iterable[str]) -> list[float]:
        s = [0.0, 0.0, 0.0]
        w = self.weights
        for f in feats:
            v = w.get(f)
            if v is not None:
                s[0] += v[0]
                s[1] += v[1]
                s[2] += v[2]
        return s

    def tag(self, words: Sequence[str]) -> list[str]:
        """BIO tags for ``words`` (an I never follows an O)."""
        static = self._static(words)
        tags: list[str] = []
        prev, prev2 = "<s>", "<s>"
        for f in static:
            s = self._scores(f + self._dynamic(prev, prev2, f))
            if prev == "O" or prev == "<s>":
                s[2] = float("-inf")
            best = TAGS[max(range(3), key=s.__getitem__)]
            tags.append(best)
            prev2, prev = prev, best
        return tags

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the tagged mentions of ``text`` (punctuation at either end trimmed)."""
        out = []
        for a, b in self._raw_spans(text):
            while a < b and not text[a].isalnum():
                a += 1
            while b > a and not text[b - 1].isalnum():
                b -= 1
            if b > a:
                out.append((a, b))
        return out

    def looks_english(self, words: Sequence[str]) -> bool:
        """At least half of the lower-case words are words the English training text uses.

        The tagger learned English; on other languages it would mark capitalised common words.
        """
        lower = [w for w in words if w.isalpha() and w.islower()]
        return bool(lower) and 2 * sum(w in self.common for w in lower) >= len(lower)

    def _raw_spans(self, text: str) -> list[tuple[int, int]]:
        toks = tokenize(text)
        if not self.looks_english([t for t, _, _ in toks]):
            return []
        tags = self.tag([t for t, _, _ in toks])
        out: list[tuple[int, int]] = []
        start = end = -1
        for (_, a, b), t in zip(toks, tags, strict=True):
            if t == "B":
                if start >= 0:
                    out.append((start, end))
                start, end = a, b
            elif t == "I" and start >= 0:
                end = b
            else:
                if start >= 0:
                    out.append((start, end))
                start = -1
        if start >= 0:
            out.append((start, end))
        return out

    # -- training ---------------------------------------------------------------------------------------
    @staticmethod
    def bio(text: str, spans: Sequence[tuple[int, int]]) -> tuple[list[str], list[str]]:
        """Words and gold BIO tags of ``text`` for actor ``spans`` (char offsets)."""
        toks = tokenize(text)
        tags = ["O"] * len(toks)
        for a, b in spans:
            inside = [k for k, (_, s, e) in enumerate(toks) if s < b and a < e]
            for n, k in enumerate(inside):
                tags[k] = "B" if n == 0 else "I"
        return [t for t, _, _ in toks], tags

    def train(self, data: Sequence[tuple[list[str], list[str]]], epochs: int = 8, seed: int = 0) -> None:
        """Averaged-perceptron training on (words, tags) sequences; deterministic for a seed."""
        w: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        total: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        stamp: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        step = 0
        self.weights = w
        order = list(range(len(data)))
        rng = random.Random(seed)
        for _ in range(epochs):
            rng.shuffle(order)
            for k in order:
                words, gold = data[k]
                static = self._static(words)
                prev, prev2 = "<s>", "<s>"
                for f, g in zip(static, gold, strict=True):
                    feats = f + self._dynamic(prev, prev2, f)
                    s = self._scores(feats)
                    guess = TAGS[max(range(3), key=s.__getitem__)]
                    step += 1
                    if guess != g:
                        gi, pi = TAGS.index(g), TAGS.index(guess)
                        for feat in feats:
                            for c, delta in ((gi, 1.0), (pi, -1.0)):
                                total[feat][c] += (step - stamp[feat][c]) * w[feat][c]
                                stamp[feat][c] = step
                                w[feat][c] += delta
                    prev2, prev = prev, g  # gold history during training
        averaged = {}
        for feat, vec in w.items():
            avg = [(total[feat][c] + (step - stamp[feat][c]) * vec[c]) / step for c in range(3)]
            if any(abs(x) > 1e-3 for x in avg):
                averaged[feat] = [round(x, 4) for x in avg]
        self.weights = averaged

    # -- persistence ------------------------------------------------------------------------------------
    def save(self, path: Path, meta: dict[str, Any]) -> None:
        blob = {"format": FORMAT, "meta": meta, "known": sorted(self.known), "common": sorted(self.common),
                "weights": self.weights}
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
            json.dump(blob, fh, sort_keys=True, separators=(",", ":"))

    @classmethod
    def load(cls, path: Path = TAGGER_FILE) -> PerceptronTagger:
        from stance.errors import ModelLoadError

        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                blob = json.load(fh)
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelLoadError(f"{path}: cannot read the tagger weights ({exc})") from None
        if blob.get("format") != FORMAT:
            raise ModelLoadError(f"{path}: format {blob.get('format')!r} is not {FORMAT}")
        tagger = cls(blob["weights"], blob["known"], blob.get("common", ()))
        tagger.meta = blob.get("meta", {})
        return tagger

    meta: dict[str, Any] = {}
