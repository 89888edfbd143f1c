"""Sentence splitting with exact character offsets (rule-based, fast, no model).

News text is split at line breaks (paragraphs) and at sentence-final
punctuation followed by whitespace and a capital, digit or opening quote,
unless the period ends a known abbreviation ("Gen.", "U.S.", "Jan.") or a
single initial ("J. Smith").
"""

from __future__ import annotations

import re

from stance.types import Sentence

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cmdr", "adm", "sgt", "sen", "rep",
    "gov", "pres", "st", "mt", "ft", "jr", "sr", "rev", "hon", "no", "vs", "etc", "inc", "ltd", "co", "corp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "e.g", "i.e",
    "u.s", "u.n", "u.k", "e.u", "u.s.a", "u.a.e", "d.c", "a.m", "p.m", "approx", "est", "dept", "univ",
}
# candidate boundary: end punctuation, optional closing quotes/brackets, whitespace
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])")
_TOKEN_BEFORE = re.compile(r"(\S+)$")


def _is_abbreviation(text: str, dot_pos: int) -> bool:
    m = _TOKEN_BEFORE.search(text, 0, dot_pos)
    if not m:
        return False
    word = m.group(1).lstrip("\"'“‘([").lower()
    if word in _ABBREV:
        return True
    # single initial ("J.") or dotted acronym ("U.S", "N.A.T.O")
    return bool(re.fullmatch(r"[a-z]|([a-z]\.)+[a-z]", word))


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences whose offsets index into ``text``.

    >>> [s.text for s in split_sentences("Russia backs China. Gen. Smith said so.")]
    ['Russia backs China.', 'Gen. Smith said so.']
    """
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n\r]+", text):
        p_start, p_text = para.start(), para.group(0)
        cut = 0
        for m in _BOUNDARY.finditer(p_text):
            punct_pos = m.start()
            if p_text[punct_pos] == "." and m.group(0).rstrip("\"'”’)]") == "." and _is_abbreviation(p_text, punct_pos):
                continue
            spans.append((p_start + cut, p_start + m.end()))
            cut = m.end()
        spans.append((p_start + cut, p_start + len(p_text)))
    out: list[Sentence] = []
    for start, end in spans:
        seg = text[start:end]
        lstrip = len(seg) - len(seg.lstrip())
        rstrip = len(seg) - len(seg.rstrip())
        s, e = start + lstrip, end - rstrip
        if e > s:
            out.append(Sentence(len(out), text[s:e], s, e))
    return out
