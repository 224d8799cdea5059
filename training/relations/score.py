#!/usr/bin/env python3
"""Score relation and result predictions against a gold JSONL file (GUIDELINE.md).

usage: python training/relations/score.py GOLD.jsonl [--pred PRED.jsonl] [--write PRED.jsonl] [--json]
           [--extractor NAME] [--rules] [--parser PIPELINE]

Without --pred it runs an extractor (the default one unless --extractor) and ``read_relations`` on each
gold abstract itself (--write saves those predictions). A prediction file has
one object per abstract: {"id", "relations": [...], "results": [...]}, where a
relation is {"type", "head", "tail", "head_aliases"?, "tail_aliases"?} (head
null or "PAPER" for the paper) and a result is the ``Result`` fields, with
optional "metric_aliases", "dataset_aliases", "achieved_by_aliases".

Names match when they are equal after normalisation (lower case, letters and
digits only, one trailing "s" dropped); any surface form of the predicted
entity (name or aliases) may match the gold string or any of its aliases.
A result matches when value (and high, if any) agree within 1e-6, the relative
flag agrees, and metric and dataset agree (both null, or names match).
MENTIONS relations are not annotated and are ignored.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from extractors.scoring import _prf  # noqa: E402  (the entity scorer's precision/recall/F1 record)

RELATION_TYPES = ("PROPOSES", "USES", "EVALUATES_ON", "MEASURES", "ADDRESSES", "COMPARES_WITH",
                  "USED_FOR", "TRAINED_ON", "FINE_TUNED_ON", "OUTPERFORMS", "BENCHMARK_FOR")  # fmt: skip
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def norm(s: str | None) -> str:
    """The guideline's normalisation: lower case, letters and digits, one plural "s" dropped."""
    s = _NON_ALNUM.sub("", (s or "").lower())
    return s[:-1] if len(s) > 3 and s.endswith("s") else s


def _forms(name: str | None, aliases: list[str] | None = None) -> set[str]:
    return {n for n in (norm(x) for x in [name, *(aliases or [])] if x) if n}


def _is_paper(head: str | None) -> bool:
    return head is None or head == "PAPER"


def _names_match(pred: str | None, pred_aliases: list[str] | None, gold: str | None, gold_aliases=None) -> bool:
    """Both absent, or a surface form of the prediction equals a gold form."""
    if not pred and not gold:
        return True
    if not pred or not gold:
        return False
    return bool(_forms(pred, pred_aliases) & _forms(gold, gold_aliases))


def _relation_match(p: dict, g: dict) -> bool:
    if p["type"] != g["type"]:
        return False
    if _is_paper(p.get("head")) != _is_paper(g.get("head")):
        return False
    if not _is_paper(p.get("head")) and not _names_match(p.get("head"), p.get("head_aliases"), g.get("head"),
                                                         g.get("head_aliases")):  # fmt: skip
        return False
    return _names_match(p.get("tail"), p.get("tail_aliases"), g.get("tail"), g.get("tail_aliases"))


def _value_match(p: dict, g: dict) -> bool:
    if abs(float(p["value"]) - float(g["value"])) > 1e-6:
        return False
    gh, ph = g.get("high"), p.get("high")
    if gh is None:
        return True
    return ph is not None and abs(float(ph) - float(gh)) <= 1e-6


def _result_match(p: dict, g: dict) -> bool:
    return (
        _value_match(p, g)
        and bool(p.get("relative")) == bool(g.get("relative"))
        and _names_match(p.get("metric"), p.get("metric_aliases"), g.get("metric"))
        and _names_match(p.get("dataset"), p.get("dataset_aliases"), g.get("dataset"))
    )


def _greedy(preds: list[dict], golds: list[dict], match) -> list[tuple[int, int]]:
    """One-to-one pairs of matching prediction and gold, in order."""
    used: set[int] = set()
    pairs = []
    for i, p in enumerate(preds):
        for j, g in enumerate(golds):
            if j not in used and match(p, g):
                used.add(j)
                pairs.append((i, j))
                break
    return pairs


def score(gold_records: list[dict], predictions: dict[str, dict] | list[dict]) -> dict:
    """Per relation type and for results: precision, recall, F1 and counts.

    ``predictions`` maps a gold id to {"relations": [...], "results": [...]}
    (or is a list of such objects with "id")."""
    if isinstance(predictions, list):
        predictions = {str(p["id"]): p for p in predictions}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp_pred, n_pred, tp_gold, n_gold
    res = {"strict": [0, 0, 0, 0], "value": [0, 0, 0, 0]}
    by_right, by_total = 0, 0
    for g in gold_records:
        pred = predictions.get(str(g["id"]), {})
        prels = [r for r in pred.get("relations") or [] if r.get("type") in RELATION_TYPES]
        seen, uniq = set(), []
        for r in prels:
            key = (r["type"], _is_paper(r.get("head")), frozenset(_forms(r.get("head"), r.get("head_aliases"))),
                   frozenset(_forms(r.get("tail"), r.get("tail_aliases"))))  # fmt: skip
            if key not in seen:
                seen.add(key)
                uniq.append(r)
        grels = g.get("relations") or []
        for t in RELATION_TYPES:
            ps = [r for r in uniq if r["type"] == t]
            gs = [r for r in grels if r["type"] == t]
            c = counts[t]
            c[0] += sum(any(_relation_match(p, x) for x in gs) for p in ps)
            c[1] += len(ps)
            c[2] += sum(any(_relation_match(p, x) for p in ps) for x in gs)
            c[3] += len(gs)
        presults = pred.get("results") or []
        gresults = g.get("results") or []
        for key, match in (("strict", _result_match), ("value", _value_match)):
            pairs = _greedy(presults, gresults, match)
            c = res[key]
            c[0] += len(pairs)
            c[1] += len(presults)
            c[2] += len(pairs)
            c[3] += len(gresults)
            if key == "strict":
                for i, j in pairs:
                    by_total += 1
                    by_right += _names_match(presults[i].get("achieved_by"), presults[i].get("achieved_by_aliases"),
                                             gresults[j].get("achieved_by"))  # fmt: skip
    out = {t: _prf(*counts[t]) for t in RELATION_TYPES}
    paper = [sum(counts[t][k] for t in RELATION_TYPES[:6]) for k in range(4)]
    entity = [sum(counts[t][k] for t in RELATION_TYPES[6:]) for k in range(4)]
    out["paper-level"] = _prf(*paper)
    out["entity-level"] = _prf(*entity)
    out["results"] = _prf(*res["strict"])
    out["results (value only)"] = _prf(*res["value"])
    out["achieved_by accuracy"] = {"accuracy": round(by_right / by_total, 4) if by_total else 0.0,
                                   "matched": by_total}  # fmt: skip
    return out


def _aliases(entities, name: str | None, types: tuple[str, ...] | None = None) -> list[str]:
    for e in entities:
        if e.name == name and (types is None or e.type in types):
            return list(e.aliases)
    return []


def predict(gold_records: list[dict], extractor: str = "default", learned: bool = True,
            parser: str | None = None) -> tuple[dict[str, dict], float]:  # fmt: skip
    """Run an extractor and read_relations on the gold abstracts (``learned``:
    with the shipped paper-level model; ``parser``: an installed spaCy
    pipeline whose dependency parse read_relations adds, as ``kg build
    --parser`` does). Returns the predictions and the seconds read_relations
    (and the parse) took in all."""
    import itertools

    from extractors import document_text, get_extractor, read_relations

    ex = get_extractor(extractor)
    docs = [(r.get("title", ""), r.get("abstract", "")) for r in gold_records]
    parses = itertools.repeat(None)
    if parser:
        from extractors.dependency import load_parser

        parses = load_parser(parser).pipe(document_text(t or "", a or "") for t, a in docs)
    out: dict[str, dict] = {}
    spent = 0.0
    for r, ents, (title, abstract) in zip(gold_records, ex.pipe(docs), docs, strict=True):
        t0 = time.perf_counter()
        rels, results = read_relations(title, abstract, ents, next(parses), learned=learned)
        spent += time.perf_counter() - t0
        out[str(r["id"])] = {
            "id": r["id"],
            "relations": [dict(x.to_dict(), head_aliases=_aliases(ents, x.head, (x.head_type,)) if x.head else [],
                               tail_aliases=_aliases(ents, x.tail, (x.tail_type,))) for x in rels],
            "results": [dict(x.to_dict(), metric_aliases=_aliases(ents, x.metric, ("Metric",)),
                             dataset_aliases=_aliases(ents, x.dataset, ("Dataset",)),
                             achieved_by_aliases=_aliases(ents, x.achieved_by, ("Method", "Model")))
                        for x in results],
        }  # fmt: skip
    return out, spent


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", type=Path)
    ap.add_argument("--pred", type=Path, help="predictions (JSONL); default: run the extractor")
    ap.add_argument("--write", type=Path, help="save the predictions made here")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    ap.add_argument("--extractor", default="default", help="entity extractor (default: the trained pipeline)")
    ap.add_argument("--rules", action="store_true", help="the rules' paper-level relations, not the learned model's")
    ap.add_argument("--parser", default=None, metavar="PIPELINE", help="add a spaCy pipeline's dependency parse")
    args = ap.parse_args(argv)
    gold = _load(args.gold)
    spent = None
    if args.pred:
        preds = {str(p["id"]): p for p in _load(args.pred)}
    else:
        preds, spent = predict(gold, args.extractor, learned=not args.rules, parser=args.parser)
        if args.write:
            args.write.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in preds.values()), "utf-8")
    s = score(gold, preds)
    if args.json:
        print(json.dumps(s, indent=2))
        return 0
    print(f"{'':24} {'P':>6} {'R':>6} {'F1':>6} {'pred':>5} {'gold':>5}")
    for k, v in s.items():
        if "precision" in v:
            print(f"{k:24} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['predicted']:5d} {v['gold']:5d}")
    acc = s["achieved_by accuracy"]
    print(f"{'achieved_by accuracy':24} {acc['accuracy']:6.3f} on {acc['matched']} matched results")
    if spent is not None:
        print(f"read_relations: {1000 * spent / max(1, len(gold)):.3f} ms per abstract ({len(gold)} abstracts)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
