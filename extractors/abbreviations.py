"""Acronyms and their long forms: "Low-Rank Adaptation (LoRA)".

A paper defines an acronym once and then uses it; both forms name one entity,
whether or not any lexicon knows them. This is the Schwartz & Hearst (2003)
algorithm: a short form in parentheses, and the shortest run of words before
it whose letters, read backwards, contain the short form's characters in
order, the first at a word start. Also the reverse, "LoRA (Low-Rank
Adaptation)". Registered as ``kg_abbreviations``; results go on
``doc._.kg_abbreviations`` as (long form, short form) character spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.language import Language
from spacy.tokens import Doc

if not Doc.has_extension("kg_abbreviations"):
    Doc.set_extension("kg_abbreviations", default=[])

_PAREN = re.compile(r"\(([^()]{1,60})\)")
_WORD = re.compile(r"[^\s()\[\]]+")
_SHORT = re.compile(r"^[^\s]{2,12}$")


def _short_form_ok(s: str) -> bool:
    return bool(_SHORT.match(s)) and any(c.isupper() for c in s) and s[0].isalnum() and sum(c.isalpha() for c in s) >= 2


def _long_form(short: str, words: list[re.Match]) -> int | None:
    """Index into ``words`` where the long form starts, or None."""
    s = [c.lower() for c in short if c.isalnum()]
    cand = " ".join(w.group(0) for w in words).lower()
    si, li = len(s) - 1, len(cand) - 1
    while si >= 0:
        c = s[si]
        while li >= 0 and (cand[li] != c or (si == 0 and li > 0 and cand[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        li -= 1
        si -= 1
    # the long form starts at the word holding position li + 1
    pos, start = 0, 0
    for i, w in enumerate(words):
        if pos <= li + 1 < pos + len(w.group(0)) + 1:
            start = i
            break
        pos += len(w.group(0)) + 1
    if not words[start].group(0)[0].isalnum():
        return None
    return start


def find_abbreviations(text: str) -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
    """((long start, long end), (short start, short end)) pairs, in text order."""
    for m in _PAREN.finditer(text):
        inner = m.group(1).split(";")[0].split(",")[0].strip()
        a = m.start(1) + m.group(1).find(inner)
        before = list(_WORD.finditer(text, max(0, m.start() - 200), m.start()))
        if _short_form_ok(inner):
            limit = min(len(inner) + 5, len(inner) * 2)
            window = before[-limit:]
            # the sentence the long form lives in ends at the last full stop
            for i in range(len(window) - 1, -1, -1):
                if window[i].group(0).endswith((".", ":", ";")) and i < len(window) - 1:
                    window = window[i + 1 :]
                    break
            if window:
                start = _long_form(inner, window)
                if start is not None and window[-1].end() > window[start].start():
                    lf_end = window[-1].end()
                    while lf_end > window[start].start() and not text[lf_end - 1].isalnum():
                        lf_end -= 1
                    if window[start].start() < lf_end and len(text[window[start].start():lf_end]) > len(inner):
                        yield (window[start].start(), lf_end), (a, a + len(inner))
                        continue
        # the reverse order: "LoRA (Low-Rank Adaptation)"
        if before and _short_form_ok(before[-1].group(0).rstrip(",")) and " " in inner:
            short = before[-1].group(0).rstrip(",")
            words = list(_WORD.finditer(inner))
            if words and _long_form(short, words) == 0:
                yield (a, a + len(inner)), (before[-1].start(), before[-1].start() + len(short))


@Language.factory("kg_abbreviations")
def make_abbreviations(nlp: Language, name: str) -> AbbreviationDetector:
    return AbbreviationDetector()


class AbbreviationDetector:
    def __call__(self, doc: Doc) -> Doc:
        doc._.kg_abbreviations = list(find_abbreviations(doc.text))
        return doc
