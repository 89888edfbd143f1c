"""Pinned encodings of the marker strategies (both directions, repeated and multi-token actors)."""

from __future__ import annotations

import pytest

from stance.markers import MarkerEncoder, mark_text

TEXT = "Russia backs the Myanmar junta, and Russia arms it."
SPANS = [(0, 6), (17, 30), (36, 42)]


@pytest.fixture(scope="module")
def tok():
    from transformers import AutoTokenizer

    from stance.markers import MARKER_TOKENS
    from stance.model import minilm_path

    t = AutoTokenizer.from_pretrained(str(minilm_path()), local_files_only=True)
    t.add_special_tokens({"additional_special_tokens": list(MARKER_TOKENS)})
    return t


def test_mark_text_typed_both_directions() -> None:
    roles = [("<src>", "</src>"), ("<tgt>", "</tgt>")]
    assert mark_text(TEXT, [SPANS[0], SPANS[1]], roles) == \
        "<src> Russia </src> backs the <tgt> Myanmar junta </tgt> , and Russia arms it."
    assert mark_text(TEXT, [SPANS[1], SPANS[0]], roles) == \
        "<tgt> Russia </tgt> backs the <src> Myanmar junta </src> , and Russia arms it."


def test_mark_text_repeated_actor_second_mention() -> None:
    roles = [("<src>", "</src>"), ("<tgt>", "</tgt>")]
    assert mark_text(TEXT, [SPANS[2], SPANS[1]], roles) == \
        "Russia backs the <tgt> Myanmar junta </tgt> , and <src> Russia </src> arms it."


def test_encoded_tokens_typed_pair(tok) -> None:
    enc = MarkerEncoder(tok, "markers.typed_pair.v1", 64)
    (unit,) = enc.encode(TEXT, SPANS, [(2, 1)])
    tokens = tok.convert_ids_to_tokens(list(unit.input_ids))
    assert " ".join(tokens) == ("[CLS] russia backs the <tgt> myanmar junta </tgt> , and <src> russia </src> "
                                "arms it . [SEP]")
    assert tokens[unit.positions[0][0]] == "<src>" and tokens[unit.positions[0][1]] == "<tgt>"


def test_encoded_tokens_all_entities(tok) -> None:
    enc = MarkerEncoder(tok, "markers.all_entities.v1", 64)
    pairs = [(0, 1), (1, 0), (2, 1)]
    (unit,) = enc.encode(TEXT, SPANS, pairs)
    tokens = tok.convert_ids_to_tokens(list(unit.input_ids))
    assert " ".join(tokens) == ("[CLS] <act> russia </act> backs the <act> myanmar junta </act> , and "
                                "<act> russia </act> arms it . [SEP]")
    assert unit.pairs == tuple(pairs)
    assert unit.positions == ((1, 6), (6, 1), (12, 6))


def test_encoded_tokens_levitated_pairs(tok) -> None:
    enc = MarkerEncoder(tok, "markers.levitated_pairs.v1", 64)
    pairs = [(0, 1), (1, 0), (2, 1)]
    (unit,) = enc.encode(TEXT, SPANS, pairs)
    tokens = tok.convert_ids_to_tokens(list(unit.input_ids))
    assert " ".join(tokens) == ("[CLS] <act> russia </act> backs the <act> myanmar junta </act> , and "
                                "<act> russia </act> arms it . [SEP] <src> <tgt> <src> <tgt> <src> <tgt>")
    assert unit.n_text == 19 and unit.positions == ((19, 20), (21, 22), (23, 24))
    assert unit.position_ids is not None
    assert unit.position_ids[:19] == tuple(range(19))
    assert unit.position_ids[19:] == (1, 6, 6, 1, 12, 6)


def test_long_sentence_is_windowed_and_keeps_markers(tok) -> None:
    filler = " ".join(["the delegation discussed grain exports"] * 40)
    text = f"Kenya criticised {filler} and later Uganda replied."
    spans = [(0, 5), (text.index("Uganda"), text.index("Uganda") + 6)]
    for strategy in ("markers.all_entities.v1", "markers.typed_pair.v1", "markers.levitated_pairs.v1"):
        enc = MarkerEncoder(tok, strategy, 48)
        units = enc.encode(text, spans, [(0, 1), (1, 0)])
        for u in units:
            n_text = u.n_text or len(u.input_ids)
            assert n_text <= 48
            tokens = tok.convert_ids_to_tokens(list(u.input_ids))
            for (ps, pt) in u.positions:
                assert tokens[ps] in ("<act>", "<src>") and tokens[pt] in ("<act>", "<tgt>")
                if u.position_ids is not None:  # levitated tokens sit on the text's <act> markers
                    assert tokens[u.position_ids[ps]] == tokens[u.position_ids[pt]] == "<act>"
            assert tokens[0] == "[CLS]" and tokens[n_text - 1] == "[SEP]"
        assert sum(len(u.pairs) for u in units) == 2
