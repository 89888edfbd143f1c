"""Codebook rules 11/12 at inference (`stance.coref`): what carries over and what never does."""

from __future__ import annotations

from stance.actors import ActorExtractor
from stance.coref import entity_keys, propagate

NONE = [0.9, 0.04, 0.03, 0.03]
OPP = [0.1, 0.05, 0.8, 0.05]
SUP = [0.2, 0.7, 0.05, 0.05]


def test_entity_keys_states_capitals_and_officials() -> None:
    ex = ActorExtractor(tagger=None)
    text = "Cuba's foreign minister protested to Britain, and Havana called the incident unacceptable."
    spans = [(0, 23), (37, 44), (50, 56)]
    state, side = entity_keys(ex, text, spans)
    assert state == [None, "GBR", "CUB"]
    assert side == ["CUB", "GBR", "CUB"]  # the minister speaks for Cuba (rule 11)


def span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def test_entity_keys_adjectives_governments_aliases_and_shared_capitals() -> None:
    ex = ActorExtractor(tagger=None)
    text = ("Kyiv condemned the ban on Ukrainian grain, the Algerian authorities backed the SDF, "
            "the Syrian Democratic Forces thanked Algeria, and Algeria's foreign minister spoke.")
    names = ["Kyiv", "Ukrainian", "Algerian authorities", "SDF", "Syrian Democratic Forces", "Algeria",
             "Algeria's foreign minister"]
    state, side = entity_keys(ex, text, [span(text, n) for n in names])
    assert state[:2] == ["UKR", "UKR"]  # a bare national adjective names the state
    assert state[2] == state[5] == "DZA"  # the government as a whole is the state (rule 12) ...
    assert state[6] is None and side[6] == "DZA"  # ... one official only speaks for it (rule 11)
    assert state[3] == state[4] and state[3] is not None and state[3] != "SYR"  # one organisation's aliases

    text = "Russia backs the junta, Lavrov said, and Sergei Lavrov's deputy and the Kremlin agreed."
    names = ("Russia", "junta", "Lavrov", "Sergei Lavrov", "Kremlin")
    state, side = entity_keys(ex, text, [span(text, n) for n in names])
    assert state[2] == state[3] and state[2] not in (None, "RUS")  # one person under two names (rule 12) ...
    assert side[2] not in (None, "RUS")  # ... whose bare name states no role, so he does not speak for Russia
    assert side[4] == "RUS" and state[4] != "RUS"  # the Kremlin does (rule 11), as source only
    text = "Russian Foreign Minister Sergei Lavrov said Moscow backs the junta."
    minister = [m for m in ex.extract(text)[1] if "Lavrov" in m.text][0]
    _, side = entity_keys(ex, text, [(minister.start, minister.end)], [(minister.actor_id, minister.type)])
    assert side == ["RUS"]  # with the role stated, he does

    text = "The Soviet Union vetoed the draft, and Britain said Moscow had blocked the council."
    state, _ = entity_keys(ex, text, [span(text, n) for n in ("Soviet Union", "Britain", "Moscow")])
    assert state == ["SUN", "GBR", "SUN"]  # Moscow is the listed state's capital
    text = "Britain said Moscow had blocked the council."
    state, _ = entity_keys(ex, text, [span(text, n) for n in ("Britain", "Moscow")])
    assert state == ["GBR", "RUS"]  # otherwise today's state


def test_stance_carries_to_co_referent_state_mention() -> None:
    # 0 Cuba, 1 Britain, 2 Havana: Cuba->Britain opposition gives Havana->Britain
    pairs = [(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)]
    probs = [OPP, NONE, NONE, NONE, NONE, NONE]
    out = propagate(pairs, probs, ["CUB", "GBR", "CUB"], ["CUB", "GBR", "CUB"])
    assert out[0] == OPP and out[5] == OPP  # (2, 1) Havana -> Britain
    assert out[2] == NONE and out[3] == NONE  # never between the two names of one state
    assert out[1] == NONE and out[4] == NONE  # Britain -> either: nothing stated, nothing copied


def test_official_shares_stance_as_source_only() -> None:
    # 0 India's Home Minister (side IND), 1 India (state IND), 2 Pakistan
    pairs = [(0, 2), (1, 2), (2, 0), (2, 1)]
    probs = [OPP, NONE, NONE, SUP]  # Pakistan -> India support must not reach the minister as target
    out = propagate(pairs, probs, [None, "IND", "PAK"], ["IND", "IND", "PAK"])
    assert out[1] == OPP  # India holds its minister's stance
    assert out[2] == NONE


def test_never_overrides_a_predicted_stance_and_ignores_unknown_ids() -> None:
    pairs = [(0, 1), (2, 1), (0, 2), (2, 0), (1, 0), (1, 2)]
    probs = [OPP, SUP, NONE, NONE, NONE, NONE]
    assert propagate(pairs, probs, ["CUB", "GBR", "CUB"], ["CUB", "GBR", "CUB"])[1] == SUP
    assert propagate(pairs, [OPP] + [NONE] * 5, [None, None, None], [None, None, None]) == [OPP] + [NONE] * 5
