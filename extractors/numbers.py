"""Number expressions in a sentence: a value with its unit, a range, a "±", an
explicit sign. Only the surface form is read here; whether a number is a
result, and what it measures, is decided in ``results``.

Scanning finds each run of digits and then reads what is glued to it, which is
simpler to get right (and faster) than one expression for every form:
"18-25%", "10.2%-14.3%", "1.2x to 3.3x", "1.2xsim3.3x", "85.3 ± 0.4",
"x2 faster", "2×", "3.3 times", "60\\%", "+0.53", "4 pp", "2.1 BLEU points".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = re.compile(r"(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?(?![\d])")
_NUM_AT = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?(?![\d])")

# Units, tried in this order at the end of a number (longest spellings first).
_PP = re.compile(
    r"\s?(?:pp\b|p\.p\.|percentage[- ]points?\b|percent[- ]points?\b|pct\.? points?\b|%[- ]points?\b)", re.I)
_PCT = re.compile(r"\s?(?:\\?%|percent\b|per cent\b)")
_MULT = re.compile(r"\s?[x×X](?![A-Za-z0-9])(?!\s*\d)|\s?\$?\\times\b(?!\$?\s*\d)|"
                   r"[x×](?=\\?sim\b|\\?sim\s?\d|~|∼)|-fold\b(?! cross)")
_TIMES = re.compile(r"\s+times\b")
_POINTS = re.compile(r"\s+(?:([A-Za-z][\w\-]*)\s+){0,2}?points?\b(?! of)")
_AS_WRITTEN = re.compile(r"\s?(ms|sec|secs|seconds?|minutes?|mins?|hours?|dB|fps|FPS)\b")
# A range separator, then the upper end.
_LIST_NEXT = re.compile(r"(?:\s*,\s*|\s+and\s+|\s+or\s+)(?:\$\s*)?\d+(?:,\d{3})*(?:\.\d+)?(?![\d.])")
_DIMENSION = re.compile(r"\d\s*[x×]\s*$")
_RANGE_SEP = re.compile(r"\s*(?:-|–|—|~|∼|to|\\sim|sim|\$\\sim\$)\s*(?=\d)")
_PM_SEP = re.compile(r"\s*(?:±|\+/-|\+-|\\pm|\$\\pm\$)\s*(?=\d)")
# Glued to a number these make it a size or a count ("7B", "125M", "193k") or part of a name or compound
# ("3D", "1600+", "10-shot", "2020-A").
_GLUED = re.compile(r"[A-Za-z+]|-(?!fold\b)[A-Za-z]")
_COUNT_WORDS = re.compile(r"\s?(?:billion|million|thousand|bn|[BMK])\b")
# Words that may run into a number in sloppy text: "and9.4x".
_GLUE_WORDS = {"and", "to", "or"}
_NOT_POINTS = {"data", "sample", "samples", "key", "grid", "time", "check", "view", "anchor", "control", "query",
               "real-world", "reference", "cloud", "test", "training", "sampled", "labeled", "annotated", "3d", "2d"}


@dataclass(slots=True)
class NumExpr:
    start: int  # offsets of the whole expression in the text scanned
    end: int
    value: float
    unit: str  # "%", "x", "pp", "points", "" or as written ("ms", "dB", ...)
    high: float | None = None
    plus_minus: float | None = None
    signed: bool = False  # written with an explicit + or - sign
    times: bool = False  # "3.3 times": a multiple only next to a comparative
    prefix_x: bool = False  # "x2 faster"
    num_start: int = 0  # offsets of the first number itself
    num_end: int = 0
    points_word: str | None = None  # "BLEU" of "2.1 BLEU points"


def _value(s: str) -> float:
    return float(s.replace(",", ""))


def _unit_at(text: str, pos: int) -> tuple[str | None, int, dict]:
    """The unit written right after a number ending at ``pos``: (unit, end, extras)."""
    for rx, unit in ((_PP, "pp"), (_PCT, "%"), (_MULT, "x")):
        m = rx.match(text, pos)
        if m:
            return unit, m.end(), {}
    m = _TIMES.match(text, pos)
    if m:
        return "x", m.end(), {"times": True}
    m = _POINTS.match(text, pos)
    if m:
        word = m.group(1)
        words = text[pos : m.end()].split()[:-1]
        if not any(w.lower() in _NOT_POINTS for w in words):
            return "points", m.end(), {"points_word": word}
    m = _AS_WRITTEN.match(text, pos)
    if m:
        return m.group(1), m.end(), {}
    return None, pos, {}


def _lead_ok(text: str, s: int) -> tuple[bool, bool, bool]:
    """Whether a number starting at ``s`` stands on its own: (ok, signed,
    prefix_x). Digits glued to letters or hyphens belong to names ("GPT-4",
    "F1", "top-5", "TREC-IS 2020-A"); "k=5" and "p<0.05" are settings."""
    if s == 0:
        return True, False, False
    c = text[s - 1]
    before = text[s - 2] if s >= 2 else " "
    if c.isalpha():
        j = s - 1
        while j > 0 and text[j - 1].isalpha():
            j -= 1
        word = text[j:s]
        if word in ("x", "×") and (j == 0 or not text[j - 1].isalnum()):
            return True, False, True
        if word == "times" and text[max(0, j - 1) : j] == "\\":
            return True, False, True  # "$\\times$1.93"
        return (word.lower() in _GLUE_WORDS, False, False)
    if c == "×":
        return (not before.isalnum(), False, not before.isalnum())
    if c in "+-−":
        if before.isspace() or before in "([{/" or s == 1:
            return True, True, False
        return False, False, False
    if c in "/^=@#_<>:|\\'’":
        return False, False, False
    if c == "$" and text[max(0, s - 7) : s] == "\\times$":
        dim = s >= 9 and text[s - 9 : s - 7].strip("$ ")[-1:].isdigit()
        return not dim, False, not dim  # "$\\times$1.93", not "512$\\times$256"
    if _DIMENSION.search(text, max(0, s - 8), s):
        return False, False, False  # "640 x 480", "224×224": a size
    return True, False, False


def number_expressions(text: str, a: int = 0, b: int | None = None) -> list[NumExpr]:
    """Number expressions in ``text[a:b]``, left to right, none overlapping."""
    b = len(text) if b is None else b
    out: list[NumExpr] = []
    pos = a
    while True:
        m = _NUM.search(text, pos, b)
        if m is None:
            break
        s, e = m.span()
        pos = e
        ok, signed, prefix_x = _lead_ok(text, s)
        if not ok:
            continue
        value = _value(m.group(0))
        start = s - 1 if signed or prefix_x else s
        if prefix_x and text[s - 1] == "$":
            start = s - 7  # "\\times$1.93"
        if signed and text[s - 1] in "-−":
            value = -value
        unit, end, extra = _unit_at(text, e)
        if unit is None and prefix_x:
            unit, end = "x", e
        if unit is None and (_COUNT_WORDS.match(text, e) or (e < len(text) and _GLUED.match(text, e))):
            continue  # "7B", "193k", "3D", "1600+"
        if unit is None and not prefix_x:
            unit, extra = _listed_unit(text, e, b)
        expr = NumExpr(start, end, value, unit or "", signed=signed, prefix_x=prefix_x, num_start=s, num_end=e, **extra)
        _read_range_or_pm(text, expr, s, b)
        out.append(expr)
        pos = max(pos, expr.end)
    return out


def _listed_unit(text: str, e: int, b: int) -> tuple[str | None, dict]:
    """"5.3 and 9.7 percentage points": the first of a pair takes the unit of the second."""
    m = _LIST_NEXT.match(text, e, b)
    if m is None:
        return None, {}
    unit, _, extra = _unit_at(text, m.end())
    if unit in ("%", "pp", "points", "x") and not extra.get("times"):
        return unit, extra
    return None, {}


def _read_range_or_pm(text: str, expr: NumExpr, s: int, b: int) -> None:
    """Extend ``expr`` over an upper end ("18-25%", "1.2x to 3.3x") or a "± 0.4"."""
    pm = _PM_SEP.match(text, expr.end)
    if pm:
        n = _NUM_AT.match(text, pm.end())
        if n and n.end() <= b:
            unit2, end2, _ = _unit_at(text, n.end())
            if unit2 in (None, expr.unit or unit2) and not expr.times:
                expr.plus_minus = _value(n.group(0))
                expr.unit = expr.unit or unit2 or ""
                expr.end = end2
        return
    sep = _RANGE_SEP.match(text, expr.end)
    if not sep or expr.signed or expr.prefix_x:
        return
    word = text[max(0, s - 6) : s].lower()
    if ("from" in word or word.rstrip().endswith("(")) and "to" in sep.group(0):
        return  # "from 30% to 10%", "(60.6% to 64.2%)": a change, not a range
    n = _NUM_AT.match(text, sep.end())
    if not n or n.end() > b:
        return
    unit2, end2, extra2 = _unit_at(text, n.end())
    if unit2 is None or (expr.unit and unit2 != expr.unit) or unit2 not in ("%", "x", "pp", "points"):
        return
    if not expr.unit and "-" not in sep.group(0) and "–" not in sep.group(0) and "sim" not in sep.group(0):
        if "to" not in sep.group(0) and "~" not in sep.group(0):
            return
    high = _value(n.group(0))
    if high <= expr.value:
        return
    expr.high = high
    expr.unit = unit2
    expr.end = end2
    expr.times = expr.times or bool(extra2.get("times"))
