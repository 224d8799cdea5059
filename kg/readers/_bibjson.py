"""What the bibliographic JSON readers (OpenAlex, Semantic Scholar, arXiv
snapshot) share: records from JSON Lines, a JSON array, or an API page object;
name and date helpers; and the rule that the generic "jsonl" reader steps aside
when a specific format recognises a file.

APIs are saved in all three shapes: a page as the API returned it
(``{"results": [...]}`` for OpenAlex, ``{"data": [...]}`` for Semantic
Scholar), a batch response (a JSON array, with ``null`` for ids the API did not
know), or records (or whole pages) one per line. Readers see one stream of
records either way.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..records import ReadReport
from . import _READERS
from ._text import clean_text, decoded_lines

log = logging.getLogger(__name__)

_SPECIFIC_SNIFFERS: list[Callable[[str], bool]] = []


def defer_generic_json(sniff: Callable[[str], bool]) -> None:
    """Make the generic "jsonl" reader decline a file that ``sniff`` claims.

    Readers are tried in registration order and the generic reader (any JSON
    object with a ``"title"``) registered first, so OpenAlex or arXiv records,
    which have titles too, would go to it. Its sniffer is wrapped in place
    (keeping its place as the fallback for JSON nobody else recognises)."""
    _SPECIFIC_SNIFFERS.append(sniff)
    generic = _READERS.get("jsonl")
    if generic is None or getattr(generic.sniff, "defers_to_specific", False):
        return
    base = generic.sniff

    def sniff_generic(head: str) -> bool:
        return (base is None or base(head)) and not any(s(head) for s in _SPECIFIC_SNIFFERS)

    sniff_generic.defers_to_specific = True  # type: ignore[attr-defined]
    _READERS["jsonl"] = replace(generic, sniff=sniff_generic)


@dataclass(slots=True)
class JsonRecord:
    """One record and where it was: ``line`` for JSON Lines (None inside an
    array or page), ``where`` as it goes into ``Paper.sources``."""

    value: Any
    line: int | None
    where: str

    def skip(self, report: ReadReport, path: Path, reason: str) -> None:
        """Report this record skipped; array items name their position after
        the reason's colon, so the summary groups by reason."""
        if self.line is None:
            n = self.where.rsplit("#", 1)[-1]
            reason = f"{reason} (record {n})" if ":" in reason else f"{reason}: record {n}"
        report.skip(path, self.line, reason)


def _expand(value: Any, line: int | None, where: str, page_keys: tuple[str, ...]) -> Iterator[JsonRecord]:
    if isinstance(value, list):
        for i, item in enumerate(value, 1):
            yield JsonRecord(item, line, f"{where}#{i}")
        return
    if isinstance(value, dict):
        for k in page_keys:
            if isinstance(value.get(k), list):
                yield from _expand(value[k], line, where, ())
                return
    yield JsonRecord(value, line, where)


def _first_line(path: Path, limit: int = 1 << 20) -> str:
    with path.open("rb") as f:
        return f.readline(limit).decode("utf-8-sig", errors="replace")


def iter_json_records(path: Path, report: ReadReport, page_keys: tuple[str, ...] = ()) -> Iterator[JsonRecord]:
    """Records of a JSON Lines file, a JSON array, or a page object whose
    ``page_keys`` entry holds the records. Lines that are not JSON are reported;
    a whole-file document that is not JSON falls back to reading lines."""
    first = _first_line(path).strip()
    whole = first.startswith("[")
    if first.startswith("{"):
        try:
            json.loads(first)
        except json.JSONDecodeError:
            whole = True  # a pretty-printed object
    if whole:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            log.debug("%s: not one JSON document (%s); reading it as JSON Lines", path, e)
        else:
            yield from _expand(doc, None, str(path), page_keys)
            return
    for n, line in decoded_lines(path, report):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            report.skip(path, n, f"malformed JSON: {e.msg} at column {e.colno}")
            continue
        if isinstance(value, dict) and any(isinstance(value.get(k), list) for k in page_keys):
            yield from _expand(value, n, f"{path}:{n}", page_keys)
        else:
            yield JsonRecord(value, n, f"{path}:{n}")


# -- field helpers -------------------------------------------------------------
def as_list(value: Any) -> list:
    """A list field as a list; dumps have ``null`` (or worse) where lists belong."""
    return value if isinstance(value, list) else []


def text(value: Any) -> str:
    """Cleaned text of a string field; anything else (null, numbers, lists) is ""."""
    return clean_text(value) if isinstance(value, str) else ""


def year(value: Any) -> int | None:
    """A plausible year from an int or a date-like string ("2021/06/17/")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1000 < value < 3000 else None
    if isinstance(value, str):
        m = re.match(r"\s*(\d{4})", value)
        if m and 1000 < int(m.group(1)) < 3000:
            return int(m.group(1))
    return None


def iso_date(value: Any) -> str | None:
    """``YYYY-MM-DD`` (or a shorter prefix) from a date string, else None."""
    if not isinstance(value, str):
        return None
    m = re.match(r"\s*(\d{4})(?:[-/](\d{1,2}))?(?:[-/](\d{1,2}))?", value)
    if not m or not year(m.group(1)):
        return None
    parts = [m.group(1)] + [p.zfill(2) for p in m.groups()[1:] if p]
    return "-".join(parts)


def first_last(name: str) -> str:
    """``Vaswani, Ashish`` -> ``Ashish Vaswani``: every reader gives authors
    as "First Last", so one person from two sources is one Author node."""
    name = clean_text(name)
    if name.count(",") == 1:
        last, first = (p.strip() for p in name.split(","))
        return f"{first} {last}".strip() if first else last
    if name.count(",") == 2:  # "Smith, Jr., John"
        last, jr, first = (p.strip() for p in name.split(","))
        return " ".join(p for p in (first, last, jr) if p)
    return name
