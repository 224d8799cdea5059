"""Scoring extraction against gold annotations, with the matching rules of the
project's evaluation script (see the Scoring section of the guideline): per
paper, as sets; a predicted entity matches a gold one of the same type when any
surface form of one equals any of the other after normalisation."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

MISSION_TYPES = ("Method", "Model", "Dataset", "Metric")
ALL_TYPES = (*MISSION_TYPES, "Task")


def norm(s: str) -> str:
    s = re.sub(r"[^0-9a-z]+", "", s.lower())
    return s[:-1] if len(s) > 3 and s.endswith("s") else s


def forms(e: dict) -> set[str]:
    names = [e.get("name", "")] + list(e.get("aliases") or [])
    return {norm(n) for n in names if n and norm(n)}


def load(path: str | Path) -> dict[str, list[dict]]:
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                out[str(d["id"])] = d.get("entities") or []
    return out


def _prf(tp_p: int, n_p: int, tp_g: int, n_g: int) -> dict:
    p = tp_p / n_p if n_p else 0.0
    r = tp_g / n_g if n_g else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "predicted": n_p, "gold": n_g}


def _dedupe(pents: Iterable[dict]) -> list[dict]:
    seen, out = set(), []
    for e in pents:
        if e.get("type") not in ALL_TYPES:
            continue
        k = (e["type"], frozenset(forms(e)))
        if k[1] and k not in seen:
            seen.add(k)
            out.append(dict(e, _f=forms(e)))
    return out


def score(gold: dict[str, list[dict]], pred: dict[str, list[dict]]) -> dict:
    c: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # key -> [tp_pred, n_pred, tp_gold, n_gold]
    splits = 0
    for pid, gents in gold.items():
        pe = _dedupe(pred.get(pid, []))
        ge = [dict(g, _f=forms(g)) for g in gents if g.get("type") in ALL_TYPES]
        for typed in (True, False):
            for e in pe:
                hit = any(e["_f"] & g["_f"] for g in ge if not typed or g["type"] == e["type"])
                keys = {e["type"], "mission" if e["type"] in MISSION_TYPES else None} if typed else {"untyped"}
                for k in keys - {None}:
                    c[k][1] += 1
                    c[k][0] += hit
            for g in ge:
                m = [e for e in pe if e["_f"] & g["_f"] and (not typed or g["type"] == e["type"])]
                splits += typed and len(m) > 1
                keys = {g["type"], "mission" if g["type"] in MISSION_TYPES else None} if typed else {"untyped"}
                for k in keys - {None}:
                    c[k][3] += 1
                    c[k][2] += bool(m)
        gp = [g for g in ge if g.get("proposed")]
        pp = [e for e in pe if e.get("proposed")]
        c["proposed"][1] += len(pp)
        c["proposed"][0] += sum(any(e["_f"] & g["_f"] for g in gp) for e in pp)
        c["proposed"][3] += len(gp)
        c["proposed"][2] += sum(any(e["_f"] & g["_f"] for e in pp) for g in gp)
    res: dict = {k: _prf(*v) for k, v in c.items()}
    res["split_gold_entities"] = splits
    res["papers"] = len(gold)
    res["papers_missing_in_pred"] = sum(1 for k in gold if k not in pred)
    return res


def errors(gold: dict[str, list[dict]], pred: dict[str, list[dict]]) -> list[dict]:
    """Misses (gold not found) and false positives (predicted, not in gold), typed."""
    out = []
    for pid, gents in gold.items():
        pe = _dedupe(pred.get(pid, []))
        ge = [dict(g, _f=forms(g)) for g in gents if g.get("type") in ALL_TYPES]
        for g in ge:
            if not any(e["_f"] & g["_f"] and e["type"] == g["type"] for e in pe):
                out.append({"id": pid, "kind": "miss", "type": g["type"], "name": g["name"]})
        for e in pe:
            if not any(e["_f"] & g["_f"] and e["type"] == g["type"] for g in ge):
                out.append({"id": pid, "kind": "false_positive", "type": e["type"], "name": e["name"]})
    return out


def predict(gold_path: str | Path, extractor: str = "default") -> dict[str, list[dict]]:
    """Run an extractor over the title and abstract of every gold record."""
    from .registry import get_extractor

    recs = [json.loads(line) for line in Path(gold_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    ex = get_extractor(extractor)
    results = ex.pipe((r.get("title", ""), r.get("abstract", "")) for r in recs)
    return {str(r["id"]): [e.to_dict() for e in ents] for r, ents in zip(recs, results, strict=True)}


def evaluate(
    gold_path: str | Path, pred_path: str | Path | None = None, extractor: str = "default"
) -> tuple[dict, list[dict]]:
    gold = load(gold_path)
    pred = load(pred_path) if pred_path else predict(gold_path, extractor)
    return score(gold, pred), errors(gold, pred)


def format_table(res: dict, keys: Iterable[str]) -> str:
    """The scorer's table: P, R, F1, predicted and gold per key, for the keys ``res`` has."""
    lines = [f"{'':10} {'P':>6} {'R':>6} {'F1':>6} {'pred':>6} {'gold':>6}"]
    for k in keys:
        if k in res:
            r = res[k]
            lines.append(f"{k:10} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} {r['predicted']:6d} {r['gold']:6d}")
    return "\n".join(lines)
