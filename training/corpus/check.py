#!/usr/bin/env python3
"""Check an annotated batch against the guidelines' mechanical rules.

usage: python training/corpus/check.py BATCH.jsonl [INPUT.jsonl]

Every name, alias, head, tail, metric, dataset and achieved_by must be a
verbatim substring of title + " " + abstract; types and relation types must be
the guidelines' own; each result's `text` must occur in the text and hold its
value. With INPUT, the ids, titles and abstracts must be the input's, in full.
Prints one line per problem and exits 1 when there is any.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TYPES = {"Method", "Model", "Dataset", "Metric", "Task"}
PAPER_REL = {"PROPOSES", "USES", "EVALUATES_ON", "MEASURES", "ADDRESSES", "COMPARES_WITH"}
ENTITY_REL = {"USED_FOR", "TRAINED_ON", "FINE_TUNED_ON", "OUTPERFORMS", "BENCHMARK_FOR"}


def problems(rec: dict) -> list[str]:
    out = []
    text = rec["title"] + " " + rec["abstract"]

    def verbatim(where: str, s) -> None:
        if s is not None and (not isinstance(s, str) or s not in text):
            out.append(f"{where} {s!r} is not verbatim in the text")

    for e in rec.get("entities", []):
        if e.get("type") not in TYPES:
            out.append(f"entity type {e.get('type')!r}")
        verbatim("entity name", e.get("name"))
        for a in e.get("aliases") or []:
            verbatim("alias", a)
    for r in rec.get("relations", []):
        t = r.get("type")
        if t in PAPER_REL:
            if r.get("head") != "PAPER":
                out.append(f"{t} head must be PAPER, not {r.get('head')!r}")
        elif t in ENTITY_REL:
            verbatim(f"{t} head", r.get("head"))
        else:
            out.append(f"relation type {t!r}")
        verbatim(f"{t} tail", r.get("tail"))
        for a in (r.get("head_aliases") or []) + (r.get("tail_aliases") or []):
            verbatim(f"{t} alias", a)
    for x in rec.get("results", []):
        for k in ("metric", "dataset", "achieved_by"):
            verbatim(f"result {k}", x.get(k))
        verbatim("result text", x.get("text"))
        if not isinstance(x.get("value"), int | float) or isinstance(x.get("value"), bool):
            out.append(f"result value {x.get('value')!r} is not a number")
        if not isinstance(x.get("relative"), bool):
            out.append(f"result relative {x.get('relative')!r} is not true/false")
    return out


def main(argv: list[str]) -> int:
    path = Path(argv[0])
    inputs = {}
    if len(argv) > 1:
        for line in Path(argv[1]).read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                inputs[d["id"]] = d
    bad = 0
    seen = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            print(f"{path}:{n}: not JSON: {e}")
            bad += 1
            continue
        seen.add(rec.get("id"))
        found = problems(rec)
        if inputs:
            src = inputs.get(rec.get("id"))
            if src is None:
                found.append("id not in the input")
            elif (src["title"], src["abstract"]) != (rec.get("title"), rec.get("abstract")):
                found.append("title or abstract differs from the input")
        for p in found:
            print(f"{path}:{n} ({rec.get('id')}): {p}")
        bad += len(found)
    for missing in sorted(set(inputs) - seen):
        print(f"{path}: {missing} from the input is not annotated")
        bad += 1
    print(f"{path}: {bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
