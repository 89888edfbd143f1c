"""Training-data augmentation, switchable in the config and marked in ``meta``.

- Actor substitution: a state mention ("Kenya", "Nairobi", "Kenyan officials")
  is swapped for another state of the gazetteer, so the model cannot memorise
  who opposes whom.
- Direction swap: two mentions of a one-sided stance pair trade places in the
  text while the labels stay with the positions, so the reversed pair becomes
  the negative (``none``) example and direction must come from the sentence.
"""

from __future__ import annotations

import random
from functools import lru_cache

from stance.data import Sample, Span


def _rewrite(sample: Sample, replace: dict[int, str], tag: str, new_id: str) -> Sample:
    """Replace actor texts (by index) and shift every offset accordingly."""
    text = sample.text
    order = sorted(range(len(sample.actors)), key=lambda i: sample.actors[i].start)
    pieces: list[str] = []
    new_spans: dict[int, Span] = {}
    prev = 0
    shift = 0
    for i in order:
        a = sample.actors[i]
        if a.start < prev:  # overlapping actors: leave the sample unchanged
            return sample
        pieces.append(text[prev:a.start])
        new_text = replace.get(i, a.text)
        start = a.start + shift
        new_spans[i] = Span(new_text, start, start + len(new_text))
        pieces.append(new_text)
        shift += len(new_text) - len(a.text)
        prev = a.end
    pieces.append(text[prev:])
    meta = dict(sample.meta)
    meta["augmented"] = tag
    meta["source_id"] = sample.id
    return Sample(new_id, "".join(pieces), tuple(new_spans[i] for i in range(len(sample.actors))),
                  sample.pairs, sample.closed_world, sample.doc_id, meta)


@lru_cache(maxsize=1)
def _state_pool() -> tuple[frozenset[str], tuple[str, ...]]:
    """Present-day state names of the gazetteer: lower-cased for lookup, and as written."""
    from stance.actors import Gazetteer

    names = tuple(c["name"] for c in Gazetteer.default().countries
                  if c.get("iso3") not in {"SUN", "DDR", "FRG", "YUG", "CSK"})
    return frozenset(n.lower() for n in names), names


def substitute_actors(sample: Sample, rng: random.Random) -> Sample | None:
    """Swap every mention that is exactly a state name for a different state name."""
    forms, pool = _state_pool()
    targets = [i for i, a in enumerate(sample.actors) if a.text.lower() in forms]
    if not targets:
        return None
    used = {a.text for a in sample.actors}
    choices = [n for n in pool if n not in used]
    rng.shuffle(choices)
    replace = {i: choices[k] for k, i in enumerate(targets)}
    return _rewrite(sample, replace, "substitution", f"{sample.id}~sub")


def swap_direction(sample: Sample, rng: random.Random) -> Sample | None:
    """Exchange the texts of a one-sided pair's two mentions (labels stay with positions)."""
    forms, _ = _state_pool()
    labelled = {(p.source, p.target): p.label for p in sample.labelled_pairs()}
    # only two bare state names trade places, so the sentence stays grammatical
    cands = [(s, t) for (s, t), lab in labelled.items() if lab != "none" and labelled.get((t, s)) == "none"
             and sample.actors[s].text.lower() in forms and sample.actors[t].text.lower() in forms]
    if not cands:
        return None
    s, t = rng.choice(cands)
    a, b = sample.actors[s].text, sample.actors[t].text
    if a.lower() == b.lower():
        return None
    return _rewrite(sample, {s: b, t: a}, "direction_swap", f"{sample.id}~swap")


def augment(samples: list[Sample], rate: float, seed: int) -> list[Sample]:
    """Return ``samples`` plus augmented copies (about ``rate`` of them for each kind)."""
    if rate <= 0:
        return list(samples)
    rng = random.Random(seed)
    extra: list[Sample] = []
    for s in samples:
        if "repeated_actor" in (s.meta.get("hard") or []):
            continue  # two names of one entity: swapping one of them would break rule 12's link
        if rng.random() < rate:
            sub = substitute_actors(s, rng)
            if sub is not None:
                extra.append(sub)
        if rng.random() < rate:
            sw = swap_direction(s, rng)
            if sw is not None:
                extra.append(sw)
    return list(samples) + extra


__all__ = ["augment", "substitute_actors", "swap_direction"]
