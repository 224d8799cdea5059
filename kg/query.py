"""Cypher over the embedded graph, through grand-cypher.

grand-cypher reads a subset of Cypher (see docs/schema.md). We smooth the
differences users trip over most: single-quoted strings, lower-case
aggregates and ``$parameters``, which are inlined here as escaped literals so
text never has to be pasted into a query by hand.
"""

from __future__ import annotations

import json
import re
from typing import Any

import networkx as nx

from .stores import QueryResult

_AGGREGATES = re.compile(r"\b(count|sum|avg|min|max)\s*\(", re.I)
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# single-quoted string literals, honouring backslash escapes
_SQ = re.compile(r"'((?:[^'\\]|\\.)*)'")


class QueryError(ValueError):
    """A query the embedded engine cannot run; the message says why."""


def _literal(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_literal(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)


def _split_strings(cypher: str) -> list[tuple[bool, str]]:
    """Cut a query into (is_string_literal, text) pieces."""
    out, i = [], 0
    pattern = re.compile(r'"(?:[^"\\]|\\.)*"|' + _SQ.pattern)
    for m in pattern.finditer(cypher):
        out.append((False, cypher[i : m.start()]))
        out.append((True, m.group(0)))
        i = m.end()
    out.append((False, cypher[i:]))
    return out


def prepare(cypher: str, params: dict[str, Any] | None = None) -> str:
    params = params or {}
    parts = []
    for is_str, text in _split_strings(cypher):
        if is_str:
            if text.startswith("'"):
                inner = text[1:-1].replace("\\'", "'")
                text = '"' + re.sub(r'(?<!\\)"', '\\\\"', inner) + '"'
            parts.append(text)
            continue

        def sub(m: re.Match) -> str:
            name = m.group(1)
            if name not in params:
                raise QueryError(f"missing query parameter ${name}")
            return _literal(params[name])

        text = _name_relationships(_PARAM.sub(sub, text))
        parts.append(_AGGREGATES.sub(lambda m: m.group(1).upper() + "(", text))
    return "".join(parts).strip().rstrip(";")


_ANON_REL = re.compile(r"-\[(?=[:*\]])|<--(?!>)|-->|(?<=\))--(?=\()")


def _name_relationships(text: str) -> str:
    """Give anonymous relationships a variable: grand-cypher loses track of
    columns in paths through unnamed ones (``(a)<--(b)-[:T]->(c)``)."""
    counter = iter(range(1_000_000))

    def sub(m: re.Match) -> str:
        name = f"_r{next(counter)}"
        return {"-[": f"-[{name}", "<--": f"<-[{name}]-", "-->": f"-[{name}]->", "--": f"-[{name}]-"}[m.group(0)]

    return _ANON_REL.sub(sub, text)


def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items() if k != "__labels__"}
    if isinstance(v, set | frozenset):
        return sorted(v)
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


_WHERE = re.compile(r"\bWHERE\b(.*?)(?=\bRETURN\b|\bMATCH\b|$)", re.I | re.S)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_PROPERTY_OF = re.compile(r"\b([A-Za-z_]\w*)\.\w+")


def _where_spans_variables(text: str) -> bool:
    names = {m.group(1) for w in _WHERE.findall(text) for m in _PROPERTY_OF.finditer(_STRING.sub('""', w))}
    return len(names) > 1


def run_embedded(g: nx.MultiDiGraph, cypher: str, params: dict[str, Any] | None = None) -> QueryResult:
    from grandcypher import GrandCypher

    text, distinct, skip, limit = _distinct_in_python(prepare(cypher, params))
    try:
        engine = GrandCypher(g)
        if _where_spans_variables(text):
            # grand-cypher (1.2) turns a WHERE over several variables into
            # index hints that drop matches (a.name < b.name found 570 of 813
            # pairs on the seed graph; d.name = $x AND r.value > 0 found none);
            # match without hints then.
            engine.auto_where_hints = engine.auto_node_jsondata_hints = False
        res = engine.run(text)
    except Exception as e:  # the parser raises many unrelated types
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise QueryError(f"the embedded engine cannot run this query: {first}") from e
    columns = [str(getattr(k, "value", k)) for k in res]
    values = [res[k] for k in res]
    order = _return_columns(text)
    if sorted(order) == sorted(columns) and order != columns:  # grand-cypher puts function columns first
        values = [values[columns.index(c)] for c in order]
        columns = order
    n = max((len(v) for v in values), default=0)
    rows = [[_clean(v[i]) if i < len(v) else None for v in values] for i in range(n)]
    if distinct:
        seen: set[str] = set()
        unique = []
        for r in rows:
            k = json.dumps(r, sort_keys=True, default=str)
            if k not in seen:
                seen.add(k)
                unique.append(r)
        rows = unique[skip:] if limit is None else unique[skip : skip + limit]
    return QueryResult(columns, rows)


_RETURN_TAIL = re.compile(r"\s+(?:ORDER\s+BY|SKIP|LIMIT)\b.*$", re.I | re.S)


def _return_columns(text: str) -> list[str]:
    """Column names in the order the final RETURN lists them."""
    idx = [m.end() for m in re.finditer(r"\bRETURN\b", text, re.I)]
    if not idx:
        return []
    clause = _RETURN_TAIL.sub("", text[idx[-1] :]).strip()
    items, depth, cur = [], 0, ""
    for ch in clause:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    names = []
    for item in items:
        m = re.search(r"\s+AS\s+([A-Za-z_][A-Za-z0-9_]*)\s*$", item, re.I)
        names.append(m.group(1) if m else item.strip())
    return names


_RETURN_DISTINCT = re.compile(r"\bRETURN\s+DISTINCT\b", re.I)
_SKIP_LIMIT = re.compile(r"(?:\s+SKIP\s+(\d+))?(?:\s+LIMIT\s+(\d+))?\s*$", re.I)


def _distinct_in_python(text: str) -> tuple[str, bool, int, int | None]:
    """grand-cypher's DISTINCT loses aliased columns (``RETURN DISTINCT x AS y``),
    so DISTINCT, SKIP and LIMIT of the final RETURN are applied here instead."""
    if not _RETURN_DISTINCT.search(text):
        return text, False, 0, None
    text = _RETURN_DISTINCT.sub("RETURN", text)
    m = _SKIP_LIMIT.search(text)
    skip, limit = int(m.group(1) or 0), (int(m.group(2)) if m.group(2) else None)
    return text[: m.start()], True, skip, limit
