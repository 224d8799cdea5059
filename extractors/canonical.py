"""Surface-form normalisation shared by extraction and cross-paper resolution.

The key ignores case, punctuation, spacing and one plural "s", as the
evaluation's matching does, so "CIFAR100"/"CIFAR-100" and "LLaMA 3.1 8B"/
"Llama-3.1-8B" share a key while "GPT-4" and "GPT-4o" stay apart.
"""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def canonical_key(surface: str) -> str:
    s = unicodedata.normalize("NFKD", surface).encode("ascii", "ignore").decode("ascii")
    s = _NON_ALNUM.sub("", s.lower())
    if len(s) > 3 and s.endswith("s"):
        s = s[:-1]
    return s
