"""Actor extraction and normalisation on hand-written cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stance.actors import ActorExtractor
from stance.data import load_samples


@pytest.fixture(scope="module")
def ex() -> ActorExtractor:
    return ActorExtractor()


def found(ex: ActorExtractor, text: str) -> list[tuple[str, str | None, str | None]]:
    out = []
    for m in ex.mentions(text):
        assert text[m.start:m.end] == m.text
        out.append((m.text, m.actor_id, m.type))
    return out


def test_aliases_and_short_forms(ex) -> None:
    assert found(ex, "The U.S. and Britain warned the DPRK.") == [
        ("U.S.", "USA", "GOV"), ("Britain", "GBR", "GOV"), ("DPRK", "PRK", "GOV")]


def test_demonym_adjective_with_agent(ex) -> None:
    assert found(ex, "Russian officials met Kenyan police.") == [
        ("Russian officials", "RUS", "GOV"), ("Kenyan police", "KEN", "COP")]


def test_acronyms_and_igos(ex) -> None:
    got = found(ex, "ASEAN and the AU criticised NATO.")
    assert got == [("ASEAN", "ASEAN", "IGO"), ("AU", "AU", "IGO"), ("NATO", "NATO", "IGO")]


def test_possessives(ex) -> None:
    # a possessor with an agent is one actor; a possessor of a place is not an actor
    assert found(ex, "India's Home Minister spoke.") == [("India's Home Minister", "IND", "GOV")]
    assert found(ex, "They met in Myanmar's capital Naypyidaw.") == []


def test_most_specific_span_wins_over_overlapping_candidates(ex) -> None:
    got = found(ex, "Russia backs the Myanmar junta and Russian President Vladimir Putin.")
    assert got == [("Russia", "RUS", "GOV"), ("Myanmar junta", "MMR", "MIL"),
                   ("Russian President Vladimir Putin", "RUS", "GOV")]


def test_repeated_mentions_and_document_links(ex) -> None:
    text = ("Kenyan President William Ruto criticised Uganda. Later Ruto met ASEAN envoys. "
            "The bloc said the junta in Myanmar was isolated; the junta replied.")
    got = found(ex, text)
    assert ("Ruto", "KEN", "GOV") in got
    assert [g for g in got if g[0] == "bloc"] == [("bloc", "ASEAN", "IGO")]
    assert sum(1 for g in got if g[0] == "Uganda") == 1


def test_capital_metonym_vs_place(ex) -> None:
    assert found(ex, "Moscow rejected the claims.") == [("Moscow", "RUS", "GOV")]
    assert found(ex, "Lavrov travelled to Moscow.") == [("Lavrov", "RUS", "GOV")]
    assert ("Pakistan", "PAK", "GOV") in found(ex, "China sent aid to Pakistan.")


def test_unknown_actor_kept_with_null_id(ex) -> None:
    assert found(ex, "Rebels attacked the convoy.") == [("Rebels", None, "REB")]


@pytest.mark.parametrize("text", ["", "   \n\t ", "Le gouvernement a critiqué la décision.",
                                  "Правительство осудило решение.", "政府批评了这一决定。"])
def test_empty_whitespace_and_non_english(ex, text: str) -> None:
    sentences, mentions = ex.extract(text)
    assert all(text[m.start:m.end] == m.text for m in mentions)
    assert mentions == [] and all(s.text.strip() for s in sentences)


def test_seed_gold_actors_found_with_ids(ex, root: Path) -> None:
    samples = load_samples(root / "seeds" / "000_04081d6bb6b1917b.gold.jsonl")
    text = (root / "seeds" / "000_04081d6bb6b1917b.txt").read_text(encoding="utf-8")
    mentions = ex.mentions(text)
    for s in samples:
        off = text.index(s.text)
        for a, code in zip(s.actors, s.meta["actor_codes"], strict=True):
            span = (off + a.start, off + a.end)
            hits = [m for m in mentions if m.start < span[1] and span[0] < m.end]
            assert hits, f"{s.id}: gold actor {a.text!r} not found"
            if code and code.split("/")[1] in ("GOV", "MIL"):
                assert f"{hits[0].actor_id}/{hits[0].type}" == code, (s.id, a.text)


def test_gazetteer_is_versioned_data(root: Path) -> None:
    data = json.loads((root / "stance" / "resources" / "gazetteer.json").read_text(encoding="utf-8"))
    assert data["version"] and len(data["countries"]) >= 193
    assert len({c["iso3"] for c in data["countries"]}) == len(data["countries"])


def test_spacy_tagger_adds_unlisted_names() -> None:
    pytest.importorskip("spacy")
    ex2 = ActorExtractor(tagger="spacy")
    text = "Tarique Rahman criticised Kenya, and officials met in the Hague."
    got = [(m.text, m.actor_id, m.type) for m in ex2.mentions(text)]
    assert ("Tarique Rahman", None, None) in got and ("Kenya", "KEN", "GOV") in got
    assert all(m[0] != "Hague" for m in got)  # a place after "in the"


def test_unknown_tagger_is_an_input_error() -> None:
    from stance.errors import InputError

    with pytest.raises(InputError, match="unknown tagger"):
        ActorExtractor(tagger="flair")


@pytest.fixture(scope="module")
def learned():
    return ActorExtractor(tagger="learned")


def test_learned_tagger_adds_unlisted_names_and_agents(learned) -> None:
    text = "Mahamat Ngarlejy accused the Sahel Liberation Front of shelling Chad, and Ghana's army denied it."
    got = [(m.text, m.actor_id, m.type) for m in learned.mentions(text)]
    texts = [g[0] for g in got]
    assert "Mahamat Ngarlejy" in texts and "Sahel Liberation Front" in texts
    assert ("Chad", "TCD", "GOV") in got  # gazetteer mentions keep their ids
    assert not any(t in ("it", "denied") for t in texts)


def test_learned_tagger_never_returns_pronouns_or_known_places(learned) -> None:
    text = "“We will not yield,” the minister said in Myanmar's capital Naypyidaw."
    texts = [m.text for m in learned.mentions(text)]
    assert "We" not in texts and "“We" not in texts
    assert "Naypyidaw" not in texts  # the gazetteer's place rule wins over the tagger


def test_learned_tagger_is_deterministic_and_learns() -> None:
    from stance.tagger import PerceptronTagger

    data = [PerceptronTagger.bio(t, s) for t, s in [
        ("Ruvaro criticised Tessaly .", [(0, 6), (18, 25)]),
        ("The rebels attacked Dunmore .", [(4, 10), (20, 27)]),
        ("Officials in the city met on Monday .", []),
    ] * 5]
    common = {w for words, _ in data for w in words if w.islower()}
    a, b = PerceptronTagger(common=common), PerceptronTagger(common=common)
    a.train(data, epochs=5, seed=3)
    b.train(data, epochs=5, seed=3)
    assert a.weights == b.weights
    assert a.tag(["Ruvaro", "criticised", "Tessaly", "."]) == ["B", "O", "B", "O"]
    assert a.spans("Ruvaro criticised Tessaly .") == [(0, 6), (18, 25)]
    assert a.spans("Ruvaro kritisierte Tessaly .") == []  # not English: the tagger stays out


def test_tagger_file_is_versioned_data(root: Path) -> None:
    from stance.tagger import PerceptronTagger

    t = PerceptronTagger.load()
    assert t.meta["train"] == "training/data/splits/train.jsonl" and t.weights
