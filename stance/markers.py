"""Entity-marker strategies: how actors are marked in the encoder's input.

Three versioned strategies share one pair head (``stance.model``):

``markers.all_entities.v1`` (one pass per sentence)
    Every actor of the sentence is wrapped in ``<act> ... </act>``. One encoder
    pass gives a vector for every actor (its opening marker); each ordered pair
    is classified from the two vectors, the context between them and [CLS].
    Cost grows with sentences, not pairs. The shipped fast model (``stance.load("fast")``).

``markers.levitated_pairs.v1`` (one pass per sentence, pair-aware; the shipped default)
    The text is marked as in ``all_entities.v1``; then, for every ordered pair,
    two *levitated* marker tokens are appended after [SEP]: ``<src>`` sharing
    the position id of the source's ``<act>`` and ``<tgt>`` sharing the target's
    (the packed levitated markers of PURE's approximation model, Zhong & Chen
    2021). Text tokens attend only to text, so the text encoding is the same
    for every pair; each levitated token attends to the text and to its
    partner, so every pair gets its own direction-aware vectors from all
    encoder layers. Cost grows with sentences plus two tokens per pair.

``markers.typed_pair.v1`` (one pass per ordered pair, the reference)
    Only the pair is marked, with different markers for each role:
    ``<src> ... </src>`` and ``<tgt> ... </tgt>`` (typed markers as in Zhou &
    Chen 2021). Direction is explicit in the input.

Sentences longer than ``max_length`` tokens are windowed: per pair, the tokens
around each of the two mentions are kept (token-level window), so any pair of
any sentence can be scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ACT_OPEN, ACT_CLOSE = "<act>", "</act>"
SRC_OPEN, SRC_CLOSE = "<src>", "</src>"
TGT_OPEN, TGT_CLOSE = "<tgt>", "</tgt>"
MARKER_TOKENS: tuple[str, ...] = (ACT_OPEN, ACT_CLOSE, SRC_OPEN, SRC_CLOSE, TGT_OPEN, TGT_CLOSE)

#: Names -> (description); the explicit registry the config refers to.
STRATEGIES: dict[str, str] = {
    "markers.all_entities.v1": "one pass per sentence, all actors marked <act>..</act>",
    "markers.levitated_pairs.v1": "one pass per sentence, <act> markers plus levitated <src>/<tgt> per pair",
    "markers.typed_pair.v1": "one pass per ordered pair, <src>..</src> and <tgt>..</tgt>",
}

#: At most this many ordered pairs share one levitated unit (longer lists are split).
MAX_LEVITATED_PAIRS = 40


@dataclass(frozen=True)
class EncodedUnit:
    """One encoder input and the ordered pairs scored from it.

    Attributes:
        input_ids: token ids including [CLS]/[SEP].
        pairs: (source_actor, target_actor) indices into the sentence's actor list.
        positions: token index of each pair's (source marker, target marker).
        n_text: for levitated units, the number of text tokens; the levitated tokens
            follow them, and ``position_ids`` gives every token's position.
    """

    input_ids: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]
    positions: tuple[tuple[int, int], ...]
    n_text: int | None = None
    position_ids: tuple[int, ...] | None = None


def pad_batch(units: Sequence[EncodedUnit], pad: int) -> tuple[Any, ...]:
    """Pad encoder units into one batch; flatten each unit's pair marker positions.

    Returns:
        input_ids (batch, seq), attention_mask, and per pair: batch index, source marker
        position, target marker position (pairs,), as torch tensors. The mask is
        (batch, seq) for plain units; when ``units`` holds levitated units it is a boolean
        (batch, 1, seq, seq) mask (True = may attend) and a sixth tensor, position_ids
        (batch, seq), follows.
    """
    import torch

    width = max(len(u.input_ids) for u in units)
    ids = torch.full((len(units), width), pad, dtype=torch.long)  # (batch, seq)
    mask = torch.zeros((len(units), width), dtype=torch.long)  # (batch, seq)
    bidx: list[int] = []
    ps: list[int] = []
    pt: list[int] = []
    for i, u in enumerate(units):
        ids[i, : len(u.input_ids)] = torch.tensor(list(u.input_ids))
        mask[i, : len(u.input_ids)] = 1
        for s, t in u.positions:
            bidx.append(i)
            ps.append(s)
            pt.append(t)
    flat = (torch.tensor(bidx), torch.tensor(ps), torch.tensor(pt))
    if all(u.n_text is None for u in units):
        return (ids, mask, *flat)
    pos_ids = torch.zeros((len(units), width), dtype=torch.long)  # (batch, seq)
    attend = torch.zeros((len(units), 1, width, width), dtype=torch.bool)  # (batch, 1, query, key)
    for i, u in enumerate(units):
        n = len(u.input_ids)
        n_text = n if u.n_text is None else u.n_text
        pos_ids[i, :n] = torch.tensor(list(u.position_ids or range(n)))
        attend[i, 0, :, :n_text] = True  # every query (padding included) sees the text
        for k in range(n_text, n, 2):  # a levitated pair sees its partner and itself
            attend[i, 0, k:k + 2, k:k + 2] = True
    return ids, attend, *flat, pos_ids


def mark_text(text: str, spans: Sequence[tuple[int, int]], roles: Sequence[tuple[str, str]]) -> str:
    """Insert markers around ``spans`` (char offsets) in ``text``; markers are space-separated.

    >>> mark_text("Russia backs China", [(0, 6), (13, 18)], [("<src>", "</src>"), ("<tgt>", "</tgt>")])
    '<src> Russia </src> backs <tgt> China </tgt>'
    """
    inserts: list[tuple[int, int, str]] = []
    for (start, end), (open_m, close_m) in zip(spans, roles, strict=True):
        # order key: at the same offset, closings come before openings
        inserts.append((start, 1, open_m))
        inserts.append((end, 0, close_m))
    inserts.sort(key=lambda x: (x[0], x[1]))
    out: list[str] = []
    prev = 0
    for pos, _kind, marker in inserts:
        out.append(text[prev:pos])
        out.append(f" {marker} ")
        prev = pos
    out.append(text[prev:])
    return " ".join("".join(out).split())


class MarkerEncoder:
    """Turns (sentence, actor spans, pairs) into `EncodedUnit`s for a tokenizer."""

    def __init__(self, tokenizer, strategy: str, max_length: int) -> None:  # type: ignore[no-untyped-def]
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown marker strategy {strategy!r}")
        self.tok = tokenizer
        self.strategy = strategy
        self.max_length = max_length
        self.ids = {m: tokenizer.convert_tokens_to_ids(m) for m in MARKER_TOKENS}
        unk = tokenizer.unk_token_id
        missing = [m for m, i in self.ids.items() if i is None or i == unk]
        if missing:
            raise ValueError(f"tokenizer lacks marker tokens {missing}; use stance.model.add_marker_tokens")

    def _ids(self, marked: str) -> list[int]:
        return list(self.tok(marked, add_special_tokens=True, truncation=False)["input_ids"])

    def encode(
        self, text: str, spans: Sequence[tuple[int, int]], pairs: Sequence[tuple[int, int]]
    ) -> list[EncodedUnit]:
        """Encode the ordered ``pairs`` (indices into ``spans``) of one sentence."""
        if not pairs:
            return []
        if self.strategy == "markers.all_entities.v1":
            return self._encode_all(text, spans, pairs)
        if self.strategy == "markers.levitated_pairs.v1":
            return [lev for u in self._encode_all(text, spans, pairs) for lev in self._levitate(u)]
        return [self._encode_pair(text, spans, p) for p in pairs]

    def _encode_all(self, text: str, spans: Sequence[tuple[int, int]], pairs: Sequence[tuple[int, int]]) -> list[EncodedUnit]:
        involved = sorted({i for p in pairs for i in p}, key=lambda i: (spans[i][0], -spans[i][1], i))
        marked = mark_text(text, [spans[i] for i in involved], [(ACT_OPEN, ACT_CLOSE)] * len(involved))
        ids = self._ids(marked)
        opens = [k for k, t in enumerate(ids) if t == self.ids[ACT_OPEN]]
        if len(opens) != len(involved):  # pragma: no cover - markers are atomic tokens
            raise RuntimeError("marker tokens were split by the tokenizer")
        pos_of = dict(zip(involved, opens, strict=True))
        if len(ids) <= self.max_length:
            return [EncodedUnit(tuple(ids), tuple(pairs), tuple((pos_of[s], pos_of[t]) for s, t in pairs))]
        # too long: one windowed unit per unordered pair, holding both directions
        units = []
        done: set[tuple[int, int]] = set()
        wanted = set(pairs)
        for s, t in pairs:
            key = (min(s, t), max(s, t))
            if key in done:
                continue
            done.add(key)
            both = [p for p in ((s, t), (t, s)) if p in wanted]
            win, (ps, pt) = self._window(ids, pos_of[s], pos_of[t])
            units.append(EncodedUnit(tuple(win), tuple(both), tuple((ps, pt) if p == (s, t) else (pt, ps) for p in both)))
        return units

    def _levitate(self, unit: EncodedUnit) -> list[EncodedUnit]:
        """Append a levitated (<src>, <tgt>) token pair per ordered pair of a marked unit."""
        text = list(unit.input_ids)
        n_text = len(text)
        out = []
        for c in range(0, len(unit.pairs), MAX_LEVITATED_PAIRS):
            pairs = unit.pairs[c:c + MAX_LEVITATED_PAIRS]
            marks = unit.positions[c:c + MAX_LEVITATED_PAIRS]
            ids = text + [self.ids[SRC_OPEN], self.ids[TGT_OPEN]] * len(pairs)
            pos = list(range(n_text)) + [p for st in marks for p in st]
            lev = tuple((n_text + 2 * k, n_text + 2 * k + 1) for k in range(len(pairs)))
            out.append(EncodedUnit(tuple(ids), tuple(pairs), lev, n_text, tuple(pos)))
        return out

    def _encode_pair(self, text: str, spans: Sequence[tuple[int, int]], pair: tuple[int, int]) -> EncodedUnit:
        s, t = pair
        marked = mark_text(text, [spans[s], spans[t]], [(SRC_OPEN, SRC_CLOSE), (TGT_OPEN, TGT_CLOSE)])
        ids = self._ids(marked)
        ps, pt = ids.index(self.ids[SRC_OPEN]), ids.index(self.ids[TGT_OPEN])
        if len(ids) > self.max_length:
            ids, (ps, pt) = self._window(ids, ps, pt)
        return EncodedUnit(tuple(ids), ((s, t),), ((ps, pt),))

    def _window(self, ids: list[int], a: int, b: int) -> tuple[list[int], tuple[int, int]]:
        """Keep [CLS], tokens around positions a and b, and [SEP]; return new positions."""
        budget = self.max_length - 2
        body = list(range(1, len(ids) - 1))
        lo, hi = min(a, b), max(a, b)
        if hi - lo + 1 + 8 <= budget:  # both fit in one contiguous window, centred on them
            extra = budget - (hi - lo + 1)
            start = max(1, lo - extra // 2)
            end = min(len(ids) - 1, start + budget)
            start = max(1, end - budget)
            keep = list(range(start, end))
        else:  # two windows, one around each mention
            half = budget // 2
            wa = {i for i in body if lo - half // 4 <= i < lo - half // 4 + half}
            wb = {i for i in body if hi - half // 4 <= i < hi - half // 4 + half}
            keep = sorted(wa | wb)
        new = [ids[0]] + [ids[i] for i in keep] + [ids[-1]]
        index = {old: k + 1 for k, old in enumerate(keep)}
        return new, (index[a], index[b])
