"""Codebook rules 11 and 12 at inference: a stance stated through one mention holds for its co-referents.

Rule 12: when two listed mentions name the same state ("Cuba" and "Havana"),
the stance stated through either holds for both, as source and as target.
Rule 11 (with rule 5): an official speaking in their role speaks for their side,
so where both "India's Home Minister" and "India" are listed, both hold the
stance (as source).

The model labels each ordered pair on its own and often finds the stance
through only one of the mentions. `propagate` copies a pair's non-``none``
prediction to the pairs of the co-referent mentions that the model left at
``none``; it never overrides a stance the model did predict. Who is
co-referent comes from the gazetteer (versioned data):

- a country name, alias or capital names the state; so does a bare national
  adjective used as an actor ("Ukrainian", "the Iranian") and a state's
  collective government ("the Algerian authorities", "Mali's junta": the
  extractor's ``XXX/GOV`` with a head noun in `GOVERNMENT_HEADS`);
- a capital shared by a former and a current state (Moscow: Soviet Union and
  Russia) names the one the sentence lists;
- the aliases of one organisation or person name the same entity ("SDF",
  "Syrian Democratic Forces");
- a mention the extractor normalised to a state's government (``XXX/GOV``,
  e.g. a minister, "the Kremlin") speaks for that side (rule 11, as source
  only); a bare personal name ("Lavrov") does not, since the sentence does not
  state the role (the annotation guide's convention).

Each was chosen on the dev split only (``docs/evaluation.md``). Troops and
armies (``XXX/MIL``) are not made to speak for their state: that lowered dev
macro-F1 and raised the none false-positive rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: Head nouns of a mention that names a state's government as a whole (rule 12), not one official.
GOVERNMENT_HEADS = frozenset({"government", "authorities", "junta", "regime", "administration",
                              "leadership", "cabinet"})


def entity_keys(extractor: Any, text: str, spans: Sequence[tuple[int, int]],
                ids: Sequence[tuple[str | None, str | None]] | None = None
                ) -> tuple[list[str | None], list[str | None]]:
    """Per span: the entity it names (rule 12) and the side it speaks for (rule 11).

    The entity is a state's ISO code, or an organisation's or person's gazetteer key.

    Args:
        extractor: an `ActorExtractor` (its gazetteer, and its matcher when ``ids`` is None).
        text: the sentence; spans: character offsets into it.
        ids: (actor_id, type) per span when known (extracted mentions); otherwise the
            gazetteer matcher is run on ``text`` and spans it finds exactly get its ids.
    """
    from stance.actors import Gazetteer, _key

    gaz = getattr(extractor, "gaz", None) or Gazetteer.default()  # a user's own extractor may lack one
    if ids is None:
        find = getattr(extractor, "gazetteer_mentions", None) or extractor.mentions
        found = {(m.start, m.end): (m.actor_id, m.type) for m in find(text)}
        ids = [found.get(sp, (None, None)) for sp in spans]
    state: list[str | None] = []
    side: list[str | None] = []
    span_keys = [_key(text[a:b], False) for a, b in spans]
    entries = [gaz.exact.get(k) for k in span_keys]
    for words, entry, (actor_id, typ) in zip(span_keys, entries, ids, strict=True):
        if words and words[0].lower() == "the":
            words = words[1:]
        iso = actor_id if actor_id and len(actor_id) == 3 and actor_id.isupper() else None
        key: str | None = None
        if entry is not None and entry.kind in ("country", "capital") and entry.type == "GOV":
            key = entry.actor_id
        elif entry is not None and entry.entity is not None:
            key = entry.entity
        elif words in gaz.adjectives:
            key = gaz.adjectives[words]
        elif iso and typ == "GOV" and words and words[-1].lower() in GOVERNMENT_HEADS:
            key = iso
        state.append(key)
        # rule 11: a government mention in its role ("its foreign minister", "President Ruto", "the
        # Kremlin") speaks for its state; a bare personal name does not, since the sentence does not
        # state the role (docs/annotation-guide.md: no outside knowledge)
        bare_name = entry is not None and entry.kind == "person"
        side.append(key if bare_name else (iso if iso and typ == "GOV" else key))
    # a capital two states shared (Moscow: RUS and SUN) names the one the sentence lists by name
    listed = {e.actor_id for e in entries
              if e is not None and e.actor_id is not None and e.kind == "country" and e.type == "GOV"}
    for i, ((a, b), entry) in enumerate(zip(spans, entries, strict=True)):
        if entry is not None and entry.kind == "capital" and entry.actor_id not in listed:
            owners = [iso for iso in sorted(listed) if text[a:b] in gaz.capitals.get(iso, ())]
            if len(owners) == 1:
                state[i] = side[i] = owners[0]
    return state, side


def propagate(pairs: Sequence[tuple[int, int]], probs: Sequence[list[float]],
              state: Sequence[str | None], side: Sequence[str | None]) -> list[list[float]]:
    """Probabilities with rules 11/12 applied (see module docstring); ``probs[k]`` is pair k's, "none" first."""
    def group(keys: Sequence[str | None], i: int) -> set[int]:
        return {j for j, k in enumerate(keys) if k is not None and k == keys[i]} or {i}

    index = {p: k for k, p in enumerate(pairs)}
    out = [list(p) for p in probs]
    for k, (a, b) in enumerate(pairs):
        if _label(probs[k]) != 0:
            continue
        alts = [index[(x, y)] for x in group(side, a) for y in group(state, b)
                if (x, y) in index and x != y and y not in group(side, x) and y not in group(state, x)]
        best = max((j for j in alts if _label(probs[j]) != 0), key=lambda j: max(probs[j][1:]), default=None)
        if best is not None:
            out[k] = list(probs[best])
    return out


def _label(p: Sequence[float]) -> int:
    return max(range(len(p)), key=p.__getitem__)
