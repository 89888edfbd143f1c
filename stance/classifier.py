"""The public classifier: text and actors in, `PairStance` results out.

Data path: text -> sentences (``stance.sentences``) -> actor mentions
(``stance.actors``) -> candidate ordered pairs -> marked encoder inputs
(``stance.markers``) -> pair logits (``stance.model``) -> calibrated
probabilities -> results (``stance.types``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from stance.decision import check_margin, decide
from stance.errors import InputError
from stance.labels import LABELS, sentiment
from stance.markers import EncodedUnit, MarkerEncoder, pad_batch
from stance.model import calibrate
from stance.types import Document, Mention, PairStance

#: Where the shipped default model lives inside the package.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "resources" / "model"
#: The shipped fast model (``stance.load("fast")``): every actor marked, no per-pair tokens.
FAST_MODEL_DIR = Path(__file__).resolve().parent / "resources" / "model-fast"
#: The shipped accurate model: the default's design trained 10 epochs (`configs/accurate.yaml`).
ACCURATE_MODEL_DIR = Path(__file__).resolve().parent / "resources" / "model-accurate"
NAMED_MODELS = {"fast": FAST_MODEL_DIR, "accurate": ACCURATE_MODEL_DIR}


def model_folder(path: str | Path | None) -> Path:
    """The folder `load` reads for ``path``: None is the shipped default, "fast"/"accurate" the named ones."""
    return DEFAULT_MODEL_DIR if path is None else NAMED_MODELS.get(str(path), Path(path))


def _coerce_actors(text: str, actors: Sequence[str | dict[str, Any] | Mention]) -> list[Mention]:
    """Resolve user-given actors to `Mention`s with offsets; `InputError` names the bad one."""
    out: list[Mention] = []
    for i, a in enumerate(actors):
        if isinstance(a, Mention):
            m = a
        elif isinstance(a, str):
            if not a.strip():
                raise InputError(f"actors[{i}]: empty actor string")
            start = text.find(a)
            if start < 0:
                raise InputError(f"actors[{i}]: {a!r} does not occur in the text (actors must be exact substrings)")
            m = Mention(a, start, start + len(a))
        elif isinstance(a, dict):
            try:
                m = Mention(a["text"], int(a["start"]), int(a["end"]), a.get("actor_id"), a.get("type"))
            except (KeyError, TypeError, ValueError):
                raise InputError(f"actors[{i}]: an actor object needs 'text', 'start' and 'end', got {a!r}") from None
        else:
            raise InputError(f"actors[{i}]: expected a string or an object with text/start/end, got {type(a).__name__}")
        if not (0 <= m.start < m.end <= len(text)) or text[m.start:m.end] != m.text:
            raise InputError(
                f"actors[{i}]: offsets {m.start}-{m.end} do not match {m.text!r} "
                f"(text there: {text[m.start:m.end]!r})"
            )
        out.append(m)
    return out


class StanceClassifier:
    """Labels every ordered pair of actors in a sentence.

    Build it with `stance.load`. Inference runs under ``torch.inference_mode``;
    inputs are sorted by length for batching and results come back in input order.

    Example:
        >>> clf = stance.load()                                    # doctest: +SKIP
        >>> [p.label for p in clf.predict_pairs("Russia backs the junta.", ["Russia", "junta"])]  # doctest: +SKIP
        ['support', 'none']
    """

    def __init__(self, model: Any, tokenizer: Any, *, extractor: Any = None, batch_size: int = 32,
                 threads: int | None = None, name: str = "", same_entity: bool = True,
                 none_margin: float | None = None) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.encoder = MarkerEncoder(tokenizer, model.cfg.markers, model.cfg.max_length)
        self._extractor = extractor
        self.batch_size = batch_size
        self.name = name
        #: `stance.model.model_fingerprint` of the folder `load` read (None when built otherwise);
        #: batch jobs pin it so that a resume uses the same model
        self.fingerprint: str | None = None
        #: apply codebook rules 11/12 (`stance.coref`): stances carry over to co-referent mentions
        self.same_entity = same_entity
        #: the label is ``none`` unless a stance's probability beats it by ``exp(none_margin)``
        #: (`stance.decision`); None: the margin stored with the model (fitted on dev)
        try:
            self.none_margin = check_margin(getattr(model, "none_margin", 0.0) if none_margin is None
                                            else none_margin, "stance.load")
        except ValueError as exc:
            raise InputError(str(exc)) from None
        if threads is not None:
            torch.set_num_threads(threads)

    @property
    def extractor(self) -> Any:
        if self._extractor is None:
            from stance.actors import ActorExtractor

            self._extractor = ActorExtractor()
        return self._extractor

    # -- core --------------------------------------------------------------------------------------------
    def pair_probs(self, items: Sequence[tuple[str, Sequence[tuple[int, int]], Sequence[tuple[int, int]]]],
                   ids: Sequence[Sequence[tuple[str | None, str | None]]] | None = None) -> list[list[list[float]]]:
        """Calibrated probabilities for many sentences at once.

        Args:
            items: per sentence, (text, actor spans as char offsets, ordered pairs as actor indices).
            ids: per sentence, (actor_id, type) per span when known; used by the co-reference
                rules (``same_entity``), which otherwise look the spans up in the gazetteer.

        Returns:
            per sentence, per requested pair, the four probabilities in ``LABELS`` order.
        """
        raw = self.model_probs(items)
        if not self.same_entity:
            return raw
        from stance.coref import entity_keys, propagate

        out = []
        for k, ((text, spans, pairs), probs) in enumerate(zip(items, raw, strict=True)):
            if len(spans) < 3:  # co-referents need a third mention to share a stance with
                out.append(probs)
                continue
            state, side = entity_keys(self.extractor, text, spans, None if ids is None else ids[k])
            out.append(propagate(pairs, probs, state, side))
        return out

    def model_probs(self, items: Sequence[tuple[str, Sequence[tuple[int, int]], Sequence[tuple[int, int]]]]
                    ) -> list[list[list[float]]]:
        """`pair_probs` as the model gives them, each pair on its own (no co-reference rules)."""
        units: list[tuple[int, EncodedUnit]] = []
        for k, (text, spans, pairs) in enumerate(items):
            units.extend((k, u) for u in self.encoder.encode(text, spans, pairs))
        results: list[dict[tuple[int, int], list[float]]] = [{} for _ in items]
        order = sorted(range(len(units)), key=lambda i: len(units[i][1].input_ids))
        pad = self.tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for b in range(0, len(order), self.batch_size):
                chunk = [units[i] for i in order[b:b + self.batch_size]]
                logits = self._forward([u for _, u in chunk], pad)
                probs = calibrate(logits, self.model.temperature, self.model.logit_bias).tolist()
                r = 0
                for k, u in chunk:
                    for pair in u.pairs:
                        results[k][pair] = probs[r]
                        r += 1
        return [[results[k][p] for p in pairs] for k, (_, _, pairs) in enumerate(items)]

    def _forward(self, units: Sequence[EncodedUnit], pad: int) -> torch.Tensor:
        batch = pad_batch(units, pad)
        return self.model(*batch)  # (pairs, 4)

    def _stance(self, src: Mention, tgt: Mention, probs: list[float], sentence: int) -> PairStance:
        pd = {lab: float(p) for lab, p in zip(LABELS, probs, strict=True)}
        label = decide(probs, self.none_margin)
        return PairStance(src, tgt, label, pd, sentiment(pd), sentence)

    # -- public API --------------------------------------------------------------------------------------
    def predict_pairs(self, text: str, actors: Sequence[str | dict[str, Any] | Mention]) -> list[PairStance]:
        """Label every ordered pair of the given actors in one sentence.

        Args:
            text: the sentence.
            actors: strings (first occurrence is meant) or ``{"text", "start", "end"}`` objects.

        Returns:
            One `PairStance` per ordered pair (``none`` included), source-major order.

        Raises:
            InputError: an actor is not in the text or its offsets do not match.
        """
        if not isinstance(text, str):
            raise InputError(f"text must be a string, got {type(text).__name__}")
        mentions = _coerce_actors(text, actors)
        pairs = [(s, t) for s in range(len(mentions)) for t in range(len(mentions)) if s != t]
        probs = self.pair_probs([(text, [(m.start, m.end) for m in mentions], pairs)])[0]
        return [self._stance(mentions[s], mentions[t], p, 0) for (s, t), p in zip(pairs, probs, strict=True)]

    def predict(self, text: str) -> Document:
        """Find sentences, actors and the non-``none`` pairs of a raw text."""
        return self.predict_batch([text])[0]

    def predict_batch(self, texts: Sequence[str], *, include_none: bool = False) -> list[Document]:
        """`predict` for many texts, batched across texts; same order as the input.

        Args:
            texts: raw texts.
            include_none: also return the ``none`` pairs in ``Document.pairs``.
        """
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise InputError(f"texts[{i}]: expected a string, got {type(t).__name__}")
        return self.predict_parsed(texts, [self.extractor.extract(t) for t in texts], include_none=include_none)

    def predict_parsed(self, texts: Sequence[str], parsed: Sequence[tuple[Any, Any]], *,
                       include_none: bool = False) -> list[Document]:
        """Like `predict_batch`, with sentences and mentions already extracted (``extractor.extract``)."""
        items = []
        index = []
        for d, (sentences, mentions) in enumerate(parsed):
            for sent in sentences:
                ms = [m for m in mentions if sent.start <= m.start and m.end <= sent.end]
                if len(ms) < 2:
                    continue
                spans = [(m.start - sent.start, m.end - sent.start) for m in ms]
                pairs = [(s, t) for s in range(len(ms)) for t in range(len(ms)) if s != t]
                items.append((sent.text, spans, pairs))
                index.append((d, sent.index, ms, pairs))
        ids = [[(m.actor_id, m.type) for m in ms] for _, _, ms, _ in index]
        all_probs = self.pair_probs(items, ids) if items else []
        found: list[list[PairStance]] = [[] for _ in texts]
        for (d, si, ms, pairs), probs in zip(index, all_probs, strict=True):
            for (s, t), p in zip(pairs, probs, strict=True):
                ps = self._stance(ms[s], ms[t], p, si)
                if include_none or ps.label != "none":
                    found[d].append(ps)
        return [
            Document(text, tuple(sentences), tuple(mentions), tuple(found[d]))
            for d, (text, (sentences, mentions)) in enumerate(zip(texts, parsed, strict=True))
        ]


def load(path: str | Path | None = None, *, batch_size: int = 32, threads: int | None = None,
         extractor: Any = None, int8: bool = False, backend: str = "torch",
         same_entity: bool = True, none_margin: float | None = None) -> StanceClassifier:
    """Load a classifier: the shipped default model, or the model folder at ``path``.

    Args:
        path: a model folder written by ``stance train``; None for the shipped default model;
            "fast" for the shipped fast model (about 1.4-1.7x faster; docs/evaluation.md);
            "accurate" for the default's design trained twice as long (higher macro-F1 on the
            test split, same speed; docs/evaluation.md).
        batch_size: encoder inputs per forward pass.
        threads: torch intra-op threads (None: torch's default).
        extractor: an actor extractor (default: `ActorExtractor()`, the gazetteer plus the learned tagger).
        int8: quantise the encoder's linear layers to int8 (dynamic, per row) for speed.
        backend: "torch", or "onnx" (ONNX Runtime; exported once and cached, see
            `stance.onnx_backend`; with ``int8`` ONNX Runtime's per-channel int8).
        same_entity: apply codebook rules 11/12 after the model (`stance.coref`).
        none_margin: the decision rule's margin (`stance.decision`); None: the one stored with
            the model (fitted on dev in training); 0: plain arg-max of the probabilities.

    Raises:
        ModelLoadError: the folder is missing or holds inconsistent files.
    """
    from stance.errors import ModelLoadError
    from stance.model import load_model, model_fingerprint

    folder = model_folder(path)
    if path is None and not (folder / "config.json").is_file():
        raise ModelLoadError(
            f"no shipped model at {folder}: train one with `stance train configs/default.yaml` "
            "and pass its folder to stance.load(PATH)"
        )
    if backend not in ("torch", "onnx"):
        raise InputError(f"unknown backend {backend!r}: use torch or onnx")
    model, tokenizer = load_model(folder)
    members = getattr(model, "members", None)
    if backend == "onnx" and members is not None:
        raise InputError(f"{folder} is an ensemble: the onnx backend exports single models only; use backend='torch'")
    if backend == "onnx":
        from stance.onnx_backend import load_onnx

        if threads is not None:
            torch.set_num_threads(threads)
        onnx_model = load_onnx(folder, model, tokenizer, int8=int8, threads=threads)
        clf = StanceClassifier(onnx_model, tokenizer, extractor=extractor, batch_size=batch_size,
                               threads=threads, name=f"{folder} (onnx{', int8' if int8 else ''})",
                               same_entity=same_entity, none_margin=none_margin)
    else:
        if int8:
            import warnings

            with warnings.catch_warnings():  # torch flags its quantised-tensor constructors as deprecated
                warnings.simplefilter("ignore", UserWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                for single in members if members is not None else [model]:
                    single.encoder = torch.ao.quantization.quantize_dynamic(single.encoder, {torch.nn.Linear},
                                                                            dtype=torch.qint8)
        clf = StanceClassifier(model, tokenizer, extractor=extractor, batch_size=batch_size, threads=threads,
                               name=str(folder), same_entity=same_entity, none_margin=none_margin)
    clf.fingerprint = model_fingerprint(folder)
    return clf
