"""Character classes that reader cleaning and terminal escaping share, in a
module of its own so that ``kg query`` can escape output without importing
the readers."""

from __future__ import annotations

import re

# C0/C1 control characters other than tab and newline, and Unicode
# non-characters; they break JSON, HTML and terminal output downstream.
CONTROL = r"\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff"
# Zero-width and invisible format characters (soft hyphen, zero-width space
# and joiners, bidi controls, BOM).
INVISIBLE = r"\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"

CONTROL_RE = re.compile(f"[{CONTROL}]")
INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
UNPRINTABLE_RE = re.compile(f"[{CONTROL}{INVISIBLE}]")
