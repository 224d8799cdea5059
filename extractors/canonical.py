"""Surface-form normalisation shared by extraction and cross-paper resolution.

The key ignores case, punctuation, spacing and one plural "s", as the
evaluation's matching does, so "CIFAR100"/"CIFAR-100" and "LLaMA 3.1 8B"/
"Llama-3.1-8B" share a key while "GPT-4" and "GPT-4o" stay apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def canonical_key(surface: str) -> str:
    """Letters and digits, lower case, one plural "s" dropped: the scorer's
    normalisation, so names that match in evaluation also merge in the graph."""
    s = unicodedata.normalize("NFKD", surface).encode("ascii", "ignore").decode("ascii")
    s = _NON_ALNUM.sub("", s.lower())
    if len(s) > 3 and s.endswith("s"):
        s = s[:-1]
    return s


@lru_cache(maxsize=1)
def _lexicon_spellings() -> dict[str, str]:
    """Key -> the lexicon's spelling of that name ("cifar100" -> "CIFAR-100"),
    the first entry of any type winning."""
    out: dict[str, str] = {}
    for path in sorted(resources.files("extractors").joinpath("lexicons").iterdir(), key=lambda p: p.name):
        if path.name.endswith(".txt"):
            for line in path.read_text("utf-8").splitlines():
                entry = line.strip()
                if entry and not entry.startswith("#"):
                    out.setdefault(canonical_key(entry), entry)
    return out


def same_entity(a: str, b: str) -> bool:
    """Two surface forms name the same thing for cross-paper merging:
    "Llama-3.1-8B" and "LLaMA 3.1 8B" do, "GPT-4" and "GPT-4o" do not."""
    ka, kb = canonical_key(a), canonical_key(b)
    return bool(ka) and ka == kb


def canonical_name(surfaces: str | Iterable[str]) -> str:
    """The display name for a group of surface forms of one entity: the
    lexicon's spelling when the lexicon knows the name ("cifar100" ->
    "CIFAR-100"), else the most frequent form, the longer one on a tie (it
    keeps hyphens and version dots)."""
    forms = [surfaces] if isinstance(surfaces, str) else [s for s in surfaces if s]
    if not forms:
        return ""
    known = _lexicon_spellings().get(canonical_key(forms[0]))
    if known is not None and all(canonical_key(f) == canonical_key(forms[0]) for f in forms):
        return known
    counts = Counter(forms)
    return max(counts, key=lambda f: (counts[f], len(f), f))
