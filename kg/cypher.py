"""Neo4j's Cypher in, LadybugDB's Cypher out.

The embedded store answers queries with LadybugDB (docs/cypher.md says why),
whose dialect differs from Neo4j's in ways that would otherwise give a
different answer without an error: list indexes and ``substring`` count from
1, ``labels(n)`` is a string, a pattern may match the same relationship twice,
variable-length patterns repeat relationships, columns are named after the
parsed expression. This module rewrites a query so that it means on the
embedded store what it means on Neo4j, and refuses, naming the construct and
the way out, what it cannot rewrite. It works on tokens, not a full grammar:
every rewrite is local to a bracket, a function call or a MATCH clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import schema as S


class QueryError(ValueError):
    """A query the embedded engine cannot run; the message says why and what to do instead."""


# the longest variable-length path the embedded store follows when Neo4j's pattern has no upper bound
MAX_HOPS = 30

_TOKEN = re.compile(
    r"""(?P<ws>\s+|//[^\n]*|/\*.*?\*/)
    |(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<bq>`[^`]*`)
    |(?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
    |(?P<param>\$[A-Za-z_][A-Za-z0-9_]*)
    |(?P<id>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op>\.\.|->|<-|<>|<=|>=|=~|\+=|!=|.)""",
    re.S | re.X,
)
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLAUSES = {"MATCH", "OPTIONAL", "WITH", "RETURN", "UNWIND", "UNION", "CALL", "ORDER", "SKIP", "LIMIT",
            "WHERE", "CREATE", "MERGE", "DELETE", "DETACH", "SET", "REMOVE", "FOREACH", "LOAD", "USE"}  # fmt: skip
_KEYWORDS = _CLAUSES | {"AND", "OR", "XOR", "NOT", "IN", "IS", "NULL", "AS", "BY", "DISTINCT", "CASE", "WHEN",
                        "THEN", "ELSE", "END", "STARTS", "ENDS", "CONTAINS", "TRUE", "FALSE", "ASC", "DESC",
                        "ASCENDING", "DESCENDING", "EXISTS", "COUNT"}  # fmt: skip
_WRITES = {"CREATE", "MERGE", "DELETE", "DETACH", "SET", "REMOVE", "FOREACH", "LOAD"}
_WAY_OUT = "or run it on Neo4j with --neo4j URI"
# Neo4j functions that only change name; the argument lists are the same.
_RENAMES = {"type": "label", "split": "string_split", "relationships": "rels", "tofloat": "to_double"}
# Neo4j functions the embedded store has no faithful form of: the reason, and what to write instead.
_REFUSED = {
    "id": "internal ids differ between stores: use n.key, which every node has",
    "elementid": "internal ids differ between stores: use n.key, which every node has",
    "keys": "the embedded store lists every declared property, set or not: name the properties you want",
    "properties": "the embedded store lists every declared property, set or not: return the node itself, or a map {a: n.a}",
    "tostring": "LadybugDB formats numbers differently (2.5 becomes '2.500000'): return the value and format it in your code",
    "reduce": "LadybugDB has no reduce with an initial value: aggregate with UNWIND ... sum() / collect()",
    "startnode": "not available on the embedded store: match the endpoints in the pattern, (a)-[r]->(b)",
    "endnode": "not available on the embedded store: match the endpoints in the pattern, (a)-[r]->(b)",
    "date": "kg stores dates as 'YYYY-MM-DD' text: compare the strings, or use substring(p.date, 0, 4)",
    "datetime": "kg stores dates as 'YYYY-MM-DD' text: compare the strings",
    "timestamp": "the embedded store's clock functions differ: pass the time as a $parameter",
    "duration": "kg stores dates as text: compare the strings",
}


@dataclass(slots=True)
class Tok:
    kind: str
    text: str

    @property
    def up(self) -> str:
        return self.text.upper() if self.kind == "id" else self.text


def tokenize(text: str) -> list[Tok]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # an unterminated string or backtick
            raise QueryError(f"cannot read the query from {text[pos:pos + 20]!r}: is a quote left open?")
        kind = m.lastgroup or "op"
        out.append(Tok(kind, m.group(0)))
        pos = m.end()
    return out


def _sig(toks: list[Tok]) -> list[Tok]:
    return [t for t in toks if t.kind != "ws"]


def _match_close(toks: list[Tok], i: int) -> int:
    """Index of the bracket that closes toks[i]."""
    depth = 0
    for j in range(i, len(toks)):
        t = toks[j].text
        if toks[j].kind != "op":
            continue
        if t in _OPEN:
            depth += 1
        elif t in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return j
    raise QueryError(f"unbalanced {toks[i].text!r} in the query: a bracket is not closed")


def _split_top(toks: list[Tok], sep: str = ",") -> list[list[Tok]]:
    parts: list[list[Tok]] = [[]]
    depth = 0
    for t in toks:
        if t.kind == "op" and t.text in _OPEN:
            depth += 1
        elif t.kind == "op" and t.text in (")", "]", "}"):
            depth -= 1
        if depth == 0 and ((t.kind == "op" and t.text == sep) or (t.kind == "id" and t.up == sep)):
            parts.append([])
            continue
        parts[-1].append(t)
    return parts


def _text(toks: list[Tok]) -> str:
    return "".join(t.text for t in toks).strip()


# -- pass 1: relationship uniqueness within a MATCH ---------------------------
@dataclass
class _Rel:
    name: str
    types: frozenset[str]
    var_length: bool
    shortest: bool


@dataclass
class _Clause:
    start: int  # token index of MATCH
    pattern_end: int  # index of WHERE, or of the clause end
    where: int | None
    end: int
    rels: list[_Rel] = field(default_factory=list)


def _uniqueness(toks: list[Tok]) -> tuple[list[Tok], set[str]]:
    """Name every relationship in each MATCH clause and add the predicates
    that make LadybugDB match as Neo4j does: no relationship bound twice in
    one clause, and no relationship repeated along a variable-length path.
    Also returns the names of variable-length relationships: Neo4j binds
    them to lists of relationships, LadybugDB to paths."""
    counter = iter(range(1_000_000))
    out = list(toks)
    clauses: list[_Clause] = []
    depth, i, n = 0, 0, len(out)
    sig_idx = [k for k, t in enumerate(out) if t.kind != "ws"]
    pos = {k: s for s, k in enumerate(sig_idx)}
    while i < n:
        t = out[i]
        if t.kind == "op" and t.text in _OPEN:
            depth += 1
        elif t.kind == "op" and t.text in (")", "]", "}"):
            depth -= 1
        if t.kind == "id" and t.up == "MATCH":
            d0, j, where = depth, i + 1, None
            while j < n:
                u = out[j]
                if u.kind == "op" and u.text in _OPEN:
                    depth += 1
                elif u.kind == "op" and u.text in (")", "]", "}"):
                    if depth == d0:
                        break
                    depth -= 1
                elif u.kind == "id" and depth == d0 and u.up in _CLAUSES:
                    if u.up == "WHERE" and where is None:
                        where = j
                    else:
                        break
                j += 1
            clauses.append(_Clause(i, where if where is not None else j, where, j))
            i = j
            continue
        i += 1
    if not clauses:
        return out, set()
    edits: dict[int, str] = {}  # token index -> replacement text
    inserts: dict[int, str] = {}  # token index -> text before it
    for c in clauses:
        k = c.start + 1
        shortest_close = -1
        while k < c.pattern_end:
            t = out[k]
            if t.kind == "id" and t.up in ("SHORTESTPATH", "ALLSHORTESTPATHS"):
                nxt = sig_idx[pos[k] + 1] if pos[k] + 1 < len(sig_idx) else k
                if out[nxt].text == "(":
                    shortest_close = _match_close(out, nxt)
            if t.kind == "op" and t.text == "[":
                prev = out[sig_idx[pos[k] - 1]].text if pos[k] else ""
                if prev in ("-", "<-"):
                    close = _match_close(out, k)
                    inner = _sig(out[k + 1 : close])
                    name = inner[0].text if inner and inner[0].kind in ("id", "bq") else None
                    if name is None:
                        name = f"_kg_r{next(counter)}"
                        edits[k] = "[" + name
                    types: set[str] = set()
                    var = False
                    for a, b in zip(inner, [*inner[1:], Tok("ws", "")], strict=False):
                        if a.text in (":", "|") and b.kind == "id":
                            types.add(b.text)
                        if a.text == "*":
                            var = True
                    c.rels.append(_Rel(name, frozenset(types), var, k < shortest_close))
                    k = close + 1
                    continue
            # bare relationships: )--( )-->( )<--(
            if t.kind == "op" and t.text in ("-", "<-") and pos[k] > 0 and out[sig_idx[pos[k] - 1]].text == ")":
                s = pos[k]
                nxt = [out[sig_idx[s + m]] if s + m < len(sig_idx) else Tok("ws", "") for m in (1, 2)]
                name = f"_kg_r{next(counter)}"
                if t.text == "-" and nxt[0].text == "-" and nxt[1].text == "(":
                    edits[k], edits[sig_idx[s + 1]] = f"-[{name}]", "-"
                elif t.text == "-" and nxt[0].text == "->" and nxt[1].text == "(":
                    edits[k], edits[sig_idx[s + 1]] = f"-[{name}]", "->"
                elif t.text == "<-" and nxt[0].text == "-" and nxt[1].text == "(":
                    edits[k], edits[sig_idx[s + 1]] = f"<-[{name}]", "-"
                else:
                    k += 1
                    continue
                c.rels.append(_Rel(name, frozenset(), False, False))
                k = sig_idx[s + 1] + 1
                continue
            k += 1
        preds = []
        rels = c.rels
        for a_i, a in enumerate(rels):
            if a.var_length and not a.shortest:
                preds.append(f"_kg_trail({a.name})")
            for b in rels[a_i + 1 :]:
                if a.shortest or b.shortest or (a.types and b.types and not a.types & b.types):
                    continue
                if not a.var_length and not b.var_length:
                    preds.append(f"_kg_id({a.name}) <> _kg_id({b.name})")
                elif a.var_length and b.var_length:
                    preds.append(f"NONE(_kg_x IN _kg_rels({a.name}) WHERE ANY(_kg_y IN _kg_rels({b.name}) "
                                 f"WHERE _kg_id(_kg_x) = _kg_id(_kg_y)))")  # fmt: skip
                else:
                    v, s1 = (a, b) if a.var_length else (b, a)
                    preds.append(f"NONE(_kg_x IN _kg_rels({v.name}) WHERE _kg_id(_kg_x) = _kg_id({s1.name}))")
        if not preds:
            continue
        cond = " AND ".join(preds)
        if c.where is not None:
            edits[c.where] = "WHERE ("
            inserts[c.end] = inserts.get(c.end, "") + f") AND {cond} "
        else:
            inserts[c.pattern_end] = inserts.get(c.pattern_end, "") + f" WHERE {cond} "
    text = []
    for k, t in enumerate(out):
        text.append(inserts.get(k, ""))
        text.append(edits.get(k, t.text))
    text.append(inserts.get(len(out), ""))
    var_names = {r.name for c in clauses for r in c.rels if r.var_length and not r.shortest}
    return tokenize("".join(text)), var_names


# -- pass 2: expressions ------------------------------------------------------
_LABEL_NAMES = frozenset(S.NODE_LABELS) | frozenset(S.REL_TYPES)


_MARKERS = {"_kg_id": "id", "_kg_trail": "is_trail", "_kg_rels": "rels"}  # from pass 1, arguments as they are


class _Rewriter:
    def __init__(self, params: dict[str, object], var_length: set[str] | frozenset[str] = frozenset()):
        self.params = params
        self.var_length = var_length

    def run(self, toks: list[Tok], ctx: str = "", shortest: str = "", lead: str | None = None) -> str:
        """Rewrite a token range; ``lead`` is the bracket just before it."""
        out: list[str] = []
        sig = [k for k, t in enumerate(toks) if t.kind != "ws"]
        pos = {k: s for s, k in enumerate(sig)}

        def prev_sig(k: int) -> Tok | None:
            s = pos[k]
            if s > 0:
                return toks[sig[s - 1]]
            return Tok("op", lead) if lead else None

        def next_sig(k: int, m: int = 1) -> tuple[int, Tok] | tuple[None, None]:
            s = pos[k] + m
            return (sig[s], toks[sig[s]]) if s < len(sig) else (None, None)

        clause = "MATCH" if ctx == "pattern" else ""
        i = 0
        while i < len(toks):
            t = toks[i]
            if t.kind == "ws":
                out.append(t.text)
                i += 1
                continue
            prev = prev_sig(i)
            if t.kind == "id" and ctx in ("", "sub") and t.up in _CLAUSES:
                clause = t.up
            after_dot = prev is not None and prev.text == "."
            if t.kind == "id" and not after_dot:
                up = t.up
                if up in _WRITES and ctx != "map":
                    raise QueryError(
                        f"{up} writes to the graph; kg query on the embedded store only reads (the graph there is "
                        f"written by kg build). Run writes on Neo4j with --neo4j URI"
                    )
                if up in ("EXPLAIN", "PROFILE"):
                    raise QueryError(f"{up} plans differ between engines; drop it, {_WAY_OUT}")
                if up == "CALL":
                    raise QueryError(
                        "CALL (procedures and subqueries) is not supported on the embedded store: the labels, "
                        "types and properties are listed in docs/schema.md; rewrite a subquery with WITH, "
                        + _WAY_OUT
                    )
                j, nxt = next_sig(i)
                callable_name = up not in _KEYWORDS or up in ("EXISTS", "COUNT")
                if (nxt is not None and nxt.text == "(" and callable_name
                        and (prev is None or prev.text != ":")):  # fmt: skip
                    close = _match_close(toks, j)
                    out.append(self.call(t.text, toks[j + 1 : close], ctx, shortest))
                    i = close + 1
                    continue
                # label predicate in an expression: n:Paper
                if (nxt is not None and nxt.text == ":" and ctx not in ("map", "pattern") and up not in _KEYWORDS
                        and (prev is None or prev.text not in ("(", "[", ":", "|", "{"))):  # fmt: skip
                    labels, k = [], j
                    while True:
                        k2, lab = next_sig(k)
                        if k2 is None or lab is None or lab.kind != "id":
                            break
                        labels.append(lab.text)
                        k = k2
                        k3, sep = next_sig(k)
                        if k3 is not None and sep is not None and sep.text == ":":
                            k = k3
                            continue
                        if sep is not None and sep.text == "|":
                            raise QueryError(f"label expression {t.text}:{lab.text}|… in an expression: write "
                                             f"label({t.text}) IN ['A', 'B'], or (n:A|B) in the pattern")  # fmt: skip
                        break
                    if labels and all(lb in _LABEL_NAMES for lb in labels):
                        out.append("(" + " AND ".join(f"label({t.text}) = '{lb}'" for lb in labels) + ")")
                        i = k + 1
                        continue
                # map projection: n {.a, .b}
                if (nxt is not None and nxt.text == "{" and ctx != "pattern" and up not in _KEYWORDS
                        and prev is not None and prev.text not in ("(", ":")):  # fmt: skip
                    j2, first = next_sig(j)
                    if first is not None and first.text == ".":
                        close = _match_close(toks, j)
                        out.append(self.map_projection(t.text, toks[j + 1 : close]))
                        i = close + 1
                        continue
            if (t.kind == "id" and t.text in self.var_length and ctx != "pattern" and not after_dot
                    and (prev is None or prev.up not in ("AS",))):  # fmt: skip
                j, nxt = next_sig(i)
                if nxt is None or nxt.text not in ("(", ":", "."):
                    out.append(f"rels({t.text})")
                    i += 1
                    continue
            if t.kind == "id" and t.up in ("EXISTS", "COUNT") and not after_dot:
                j, nxt = next_sig(i)
                if nxt is not None and nxt.text == "{":
                    close = _match_close(toks, j)
                    out.append(t.text + " {" + self.run(toks[j + 1 : close], "sub") + "}")
                    i = close + 1
                    continue
            if t.kind == "op" and t.text == "{":
                close = _match_close(toks, i)
                out.append("{" + self.run(toks[i + 1 : close], "map", lead="{") + "}")
                i = close + 1
                continue
            if t.kind == "op" and t.text == "(":
                close = _match_close(toks, i)
                after = next((u for u in toks[close + 1 :] if u.kind != "ws"), None)
                node = (clause in ("MATCH", "OPTIONAL") or (prev is not None and prev.text in ("-", "->", "<-"))
                        or (after is not None and after.text in ("-", "->", "<-")))  # fmt: skip
                if node:
                    out.append("(" + self.run(toks[i + 1 : close], "pattern", shortest, "(") + ")")
                else:
                    out.append("(" + self.run(toks[i + 1 : close], "paren", shortest) + ")")
                i = close + 1
                continue
            if t.kind == "op" and t.text == "[":
                close = _match_close(toks, i)
                inner = toks[i + 1 : close]
                if prev is not None and prev.text in ("-", "<-"):
                    out.append(self.rel_pattern(inner, shortest))
                elif prev is not None and (prev.kind in ("id", "param", "bq", "str") and prev.up not in _KEYWORDS
                                           or prev.text in (")", "]", "}")):  # fmt: skip
                    out.append(self.index(inner))
                else:
                    out.append(self.list_literal(inner))
                i = close + 1
                continue
            out.append(t.text)
            i += 1
        return "".join(out)

    # functions
    def call(self, name: str, args_toks: list[Tok], ctx: str, shortest: str) -> str:
        low = name.lower()
        if low == "_kg_empty_list":
            return "CAST([] AS STRING[])"
        if low in _MARKERS:
            return f"{_MARKERS[low]}({_text(args_toks)})"
        if low in _REFUSED:
            raise QueryError(f"{name}() is not supported on the embedded store: {_REFUSED[low]}; {_WAY_OUT}")
        if low in ("shortestpath", "allshortestpaths"):
            mode = "SHORTEST" if low == "shortestpath" else "ALL SHORTEST"
            return self.run(args_toks, "pattern", mode)
        parts = _split_top(args_toks) if _sig(args_toks) else []
        args = [self.run(p, "paren", shortest) for p in parts]
        if low == "labels" and len(args) == 1:
            return f"[label({args[0].strip()})]"
        if low == "exists" and len(args) == 1:
            sig = _sig(parts[0])
            if sig and sig[0].text == "(":
                return f"EXISTS {{ MATCH {args[0].strip()} }}"
            return f"({args[0].strip()} IS NOT NULL)"
        if low == "substring" and len(args) in (2, 3):
            s, start = args[0].strip(), args[1].strip()
            length = args[2].strip() if len(args) == 3 else f"size({s})"
            return f"substring({s}, ({start}) + 1, {length})"
        if low == "round" and len(args) == 1:  # Neo4j rounds halves up, towards positive infinity
            return f"floor(({args[0].strip()}) + 0.5)"
        if low == "tointeger" and len(args) == 1:  # Neo4j truncates towards zero
            x = args[0].strip()
            return f"to_int64(CASE WHEN ({x}) < 0 THEN ceil({x}) ELSE floor({x}) END)"
        if low in ("head", "last") and len(args) == 1:
            x = args[0].strip()
            return f"(CASE WHEN size({x}) = 0 THEN NULL ELSE list_extract({x}, {1 if low == 'head' else -1}) END)"
        if low == "sum" and len(args) == 1:  # Neo4j sums no rows (or only nulls) to 0, LadybugDB to null
            return f"coalesce(sum({args[0]}), 0)"
        if low == "tail" and len(args) == 1:
            x = args[0].strip()
            return f"list_slice({x}, 2, 2147483647)"
        return f"{_RENAMES.get(low, name)}({','.join(args)})"

    def map_projection(self, var: str, inner: list[Tok]) -> str:
        items = []
        for part in _split_top(inner):
            sig = _sig(part)
            if len(sig) == 2 and sig[0].text == "." and sig[1].kind == "id":
                items.append(f"{sig[1].text}: {var}.{sig[1].text}")
            elif len(sig) == 2 and sig[0].text == "." and sig[1].text == "*":
                raise QueryError(f"map projection {var} {{.*}} is not supported on the embedded store: name the "
                                 f"properties, {var} {{.name, .key}}; {_WAY_OUT}")  # fmt: skip
            elif len(sig) == 1 and sig[0].kind == "id":
                items.append(f"{sig[0].text}: {sig[0].text}")
            else:
                items.append(self.run(part, "map").strip())
        return "{" + ", ".join(items) + "}"

    def rel_pattern(self, inner: list[Tok], shortest: str) -> str:
        sig = _sig(inner)
        star = next((k for k, t in enumerate(sig) if t.text == "*"), None)
        if star is None:
            return "[" + self.run(inner, "pattern", lead="[") + "]"
        head = "".join(t.text for t in sig[:star])
        rest = sig[star + 1 :]
        lo, hi, k = None, None, 0
        if k < len(rest) and rest[k].kind == "num":
            lo = rest[k].text
            k += 1
            if not (k < len(rest) and rest[k].text == ".."):
                hi = lo
        if k < len(rest) and rest[k].text == "..":
            k += 1
            if k < len(rest) and rest[k].kind == "num":
                hi = rest[k].text
                k += 1
        tail = self.run(rest[k:], "pattern", lead="[") if rest[k:] else ""
        if shortest:
            if lo not in (None, "1", "0"):
                raise QueryError(f"shortestPath with a lower bound of {lo} is not supported on the embedded store; "
                                 + _WAY_OUT)  # fmt: skip
            return f"[{head}* {shortest} 1..{hi or MAX_HOPS}{(' ' + tail) if tail else ''}]"
        lo = lo if lo is not None else "1"
        if hi is not None and int(hi) > MAX_HOPS:
            raise QueryError(f"variable-length patterns follow at most {MAX_HOPS} relationships on the embedded "
                             f"store (asked for *{lo}..{hi}); {_WAY_OUT}")  # fmt: skip
        return f"[{head}*{lo}..{hi or MAX_HOPS}{(' ' + tail) if tail else ''}]"

    def _int_literal(self, toks: list[Tok]) -> int | None:
        sig = _sig(toks)
        txt = "".join(t.text for t in sig)
        if sig and sig[0].kind == "param" and len(sig) == 1:
            v = self.params.get(sig[0].text[1:])
            return v if isinstance(v, int) and not isinstance(v, bool) else None
        return int(txt) if re.fullmatch(r"-?\d+", txt) else None

    def index(self, inner: list[Tok]) -> str:
        parts = _split_top(inner, "..")
        if len(parts) == 2:  # slice: Neo4j [a..b) from 0, LadybugDB [a+1:b] from 1, inclusive
            lo = self._int_literal(parts[0]) if _sig(parts[0]) else 0
            hi = self._int_literal(parts[1]) if _sig(parts[1]) else 2147483647
            if lo is None or hi is None or lo < 0 or hi < 0:
                raise QueryError(f"list slice [{_text(inner)}]: the embedded store takes slices with bounds that are "
                                 f"non-negative integers (or integer $parameters); {_WAY_OUT}")  # fmt: skip
            return f"[{lo + 1}:{hi}]"
        sig = _sig(inner)
        if len(sig) == 1 and sig[0].kind == "str":
            return "[" + sig[0].text + "]"
        n = self._int_literal(inner)
        if n is not None:
            return f"[{n + 1 if n >= 0 else n}]"
        x = self.run(inner, "paren").strip()
        return f"[CASE WHEN ({x}) < 0 THEN ({x}) ELSE ({x}) + 1 END]"

    def list_literal(self, inner: list[Tok]) -> str:
        sig = _sig(inner)
        if sig and sig[0].text == "(" or (len(sig) > 2 and sig[1].text == "=" and sig[2].text == "("):
            raise QueryError(
                "pattern comprehension [(a)-->(b) | …] is not supported on the embedded store: write "
                "OPTIONAL MATCH (a)-->(b) … collect(…) instead, " + _WAY_OUT
            )
        if len(sig) >= 3 and sig[0].kind == "id" and sig[1].up == "IN":
            var = sig[0].text
            body = inner[inner.index(sig[1]) + 1 :]
            # split the body at a top-level WHERE and |
            depth, where_at, bar_at = 0, None, None
            for k, t in enumerate(body):
                if t.kind == "op" and t.text in _OPEN:
                    depth += 1
                elif t.kind == "op" and t.text in (")", "]", "}"):
                    depth -= 1
                elif depth == 0 and t.kind == "id" and t.up == "WHERE" and where_at is None and bar_at is None:
                    where_at = k
                elif depth == 0 and t.kind == "op" and t.text == "|" and bar_at is None:
                    bar_at = k
            end_src = where_at if where_at is not None else bar_at if bar_at is not None else len(body)
            src = self.run(body[:end_src], "paren").strip()
            if where_at is not None:
                pred = self.run(body[where_at + 1 : bar_at if bar_at is not None else len(body)], "paren").strip()
                src = f"list_filter({src}, {var} -> {pred})"
            if bar_at is not None:
                expr = self.run(body[bar_at + 1 :], "paren").strip()
                src = f"list_transform({src}, {var} -> {expr})"
            return src
        return "[" + self.run(inner, "paren") + "]"


def _alias_returns(toks: list[Tok]) -> list[Tok]:
    """``AS `text``` after every unaliased item of a top-level RETURN, so that
    columns are named as Neo4j names them (the item as written)."""
    out: list[Tok] = []
    depth, i, n = 0, 0, len(toks)
    while i < n:
        t = toks[i]
        if t.kind == "op" and t.text in _OPEN:
            depth += 1
        elif t.kind == "op" and t.text in (")", "]", "}"):
            depth -= 1
        if not (t.kind == "id" and t.up == "RETURN" and depth == 0):
            out.append(t)
            i += 1
            continue
        out.append(t)
        j, d = i + 1, 0
        while j < n:
            u = toks[j]
            if u.kind == "op" and u.text in _OPEN:
                d += 1
            elif u.kind == "op" and u.text in (")", "]", "}"):
                d -= 1
            elif d == 0 and u.kind == "id" and u.up in ("ORDER", "SKIP", "LIMIT", "UNION"):
                break
            elif d == 0 and u.kind == "op" and u.text == ";":
                break
            j += 1
        body = toks[i + 1 : j]
        sig = _sig(body)
        lead: list[Tok] = []
        if sig and sig[0].up == "DISTINCT":
            k = body.index(sig[0])
            lead, body = body[: k + 1], body[k + 1 :]
        out.extend(lead)
        aliases: dict[str, list[Tok]] = {}
        used: set[str] = set()
        aggregated = False
        if _text(body) == "*":
            out.extend(body)
        else:
            for m, item in enumerate(_split_top(body)):
                if m:
                    out.append(Tok("op", ","))
                isig = _sig(item)
                out.extend(item)
                for k, u in enumerate(isig):
                    prev_text = isig[k - 1].up if k else ""
                    next_text = isig[k + 1].text if k + 1 < len(isig) else ""
                    if u.kind == "id" and next_text == "(":
                        aggregated |= u.text.lower() in _AGGREGATES
                    elif u.kind == "id" and prev_text not in (".", "AS") and u.up not in _KEYWORDS:
                        used.add(u.text)
                if len(isig) >= 2 and isig[-2].up == "AS":
                    alias = isig[-1].text.strip("`")
                    aliases[alias] = item[: item.index(isig[-2])]
                    continue
                name = _text(item).replace("`", "")
                out.extend([Tok("ws", " "), Tok("id", "AS"), Tok("ws", " "), Tok("bq", f"`{name}`"), Tok("ws", " ")])
        # ORDER BY x where x is both an alias and a variable: Neo4j orders by the alias, LadybugDB by the
        # variable (unless the RETURN aggregates); ordering by the aliased expression means the same on both
        shadowing = {a: e for a, e in aliases.items() if a in used and _sig(e) and _text(e) != a}
        if aggregated:
            shadowing = {}
        if shadowing and j < n and toks[j].up == "ORDER":
            k, d = j, 0
            while k < n:
                u = toks[k]
                if u.kind == "op" and u.text in _OPEN:
                    d += 1
                elif u.kind == "op" and u.text in (")", "]", "}"):
                    d -= 1
                elif d == 0 and u.kind == "id" and u.up in ("SKIP", "LIMIT", "UNION"):
                    break
                prev_t = next((x for x in reversed(toks[j:k]) if x.kind != "ws"), None)
                nxt_t = next((x for x in toks[k + 1 :] if x.kind != "ws"), None)
                if (u.kind == "id" and u.text in shadowing and (prev_t is None or prev_t.text != ".")
                        and (nxt_t is None or nxt_t.text not in ("(", "."))):  # fmt: skip
                    out.extend([Tok("op", "("), *shadowing[u.text], Tok("op", ")")])
                else:
                    out.append(u)
                k += 1
            j = k
        i = j
    return out


_AGGREGATES = {"count", "sum", "avg", "min", "max", "collect", "stdev", "stdevp", "percentilecont", "percentiledisc"}
_AFTER_WITH = {"MATCH", "OPTIONAL", "WITH", "RETURN", "UNWIND", "UNION", "CALL"}


def _with_order(toks: list[Tok]) -> list[Tok]:
    """LadybugDB (0.22) loses a ``WITH … ORDER BY … LIMIT``'s rows when a
    global aggregate follows (``WITH n ORDER BY n.x DESC LIMIT 2 RETURN
    collect(n)`` collects two other rows), and refuses ORDER BY in a WITH
    without SKIP or LIMIT (Neo4j's way to collect in order). An ``UNWIND [1]``
    after the clause keeps the rows and their order; ``SKIP 0`` makes the
    ordering legal there."""
    out: list[Tok] = []
    depth, i, n = 0, 0, len(toks)
    while i < n:
        t = toks[i]
        if t.kind == "op" and t.text in _OPEN:
            depth += 1
        elif t.kind == "op" and t.text in (")", "]", "}"):
            depth -= 1
        out.append(t)
        i += 1
        if not (t.kind == "id" and t.up == "WITH" and depth == 0):
            continue
        j, d, seen = i, 0, set()
        where_at = None
        while j < n:
            u = toks[j]
            if u.kind == "op" and u.text in _OPEN:
                d += 1
            elif u.kind == "op" and u.text in (")", "]", "}"):
                d -= 1
            elif d == 0 and u.kind == "id" and u.up in _AFTER_WITH:
                break
            elif d == 0 and u.kind == "id" and u.up in ("ORDER", "SKIP", "LIMIT"):
                seen.add(u.up)
            elif d == 0 and u.kind == "id" and u.up == "WHERE" and seen:
                where_at = j
            j += 1
        stop = where_at if where_at is not None else j
        out.extend(toks[i:stop])
        if seen:
            extra = " SKIP 0" if seen == {"ORDER"} else ""
            out.extend(tokenize(f"{extra} UNWIND [1] AS _kg_one "))
            if where_at is not None:
                out.extend(tokenize("WITH * "))
        i = stop
    return out


def _param_value(v: object) -> object:
    """Tuples and sets as lists, inside maps and lists too: LadybugDB takes lists."""
    if isinstance(v, tuple | list):
        return [_param_value(x) for x in v]
    if isinstance(v, set | frozenset):
        return [_param_value(x) for x in sorted(v, key=repr)]
    if isinstance(v, dict):
        return {k: _param_value(x) for k, x in v.items()}
    return v


def translate(cypher: str, params: dict[str, object] | None = None) -> tuple[str, dict[str, object]]:
    """The LadybugDB form of a Neo4j query, and the parameters it uses."""
    params = dict(params or {})
    toks = tokenize(cypher.strip().rstrip(";").strip())
    if not _sig(toks):
        raise QueryError("the query is empty")
    used = {t.text[1:] for t in toks if t.kind == "param"}
    missing = sorted(used - params.keys())
    if missing:
        raise QueryError("missing query parameter " + ", ".join(f"${m}" for m in missing) + " (pass --param NAME=VALUE)")
    params = {k: _param_value(params[k]) for k in used}
    for t in toks:  # LadybugDB cannot type an empty list parameter; a typed empty list literal means the same
        if t.kind == "param" and params.get(t.text[1:]) == []:
            t.kind, t.text = "id", "_kg_empty_list()"
    toks = tokenize("".join(t.text for t in toks))
    used = {t.text[1:] for t in toks if t.kind == "param"}
    toks, var_length = _uniqueness(_with_order(_alias_returns(toks)))
    text = _Rewriter(params, var_length).run(toks)
    return text, {k: params[k] for k in used}


_FUNC_MISSING = re.compile(r"function (\w+) does not exist", re.I)
_NO_PROPERTY = re.compile(r"Cannot find property (\w+) for (\w+)", re.I)


def explain_error(e: Exception, original: str) -> QueryError:
    """LadybugDB's message, turned into one that names the construct and the way out."""
    msg = str(e).strip()
    first = msg.splitlines()[0] if msg else type(e).__name__
    if m := _FUNC_MISSING.search(msg):
        return QueryError(f"{m.group(1).lower()}() is not a function the embedded store (LadybugDB) has: compute it "
                          f"from the rows in your code, {_WAY_OUT}")  # fmt: skip
    if m := _NO_PROPERTY.search(msg):
        prop, var = m.groups()
        return QueryError(f"{var}.{prop}: no node or relationship {var} can match has a property {prop!r} "
                          f"(docs/schema.md lists them); the embedded store refuses rather than answer null as "
                          f"Neo4j would: check the name, {_WAY_OUT}")  # fmt: skip
    if m := re.search(r"Cannot order by (\S+?)\. Order by (\S+) is not supported", msg):
        what = {"NODE": "a node", "REL": "a relationship"}.get(m.group(2), "a list" if "[]" in m.group(2) else "this value")
        return QueryError(f"ORDER BY {what}: the embedded store cannot order by {what} (Neo4j can); order by a "
                          f"property or an element instead, e.g. n.key or labels(n)[0]; {_WAY_OUT}")  # fmt: skip
    if "Parser exception" in msg:
        where = re.search(r"Invalid input <([^>]*)>", msg)
        near = f" near {where.group(1)[-40:]!r}" if where else ""
        return QueryError(f"the embedded store cannot parse this query{near}: docs/cypher.md lists what it "
                          f"reads and the rewrites; {_WAY_OUT}")  # fmt: skip
    return QueryError(f"the embedded store could not run this query: {first}; {_WAY_OUT}")
