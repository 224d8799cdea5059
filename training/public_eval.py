#!/usr/bin/env python3
"""Reference figures on two public sets: an extractor on their TEST splits,
name-level after type mapping, scored with the project's matching rules
(extractors.scoring.score: per document, as sets, a predicted entity matches a
gold entity of the same type when any normalised surface form is equal).

usage: python training/public_eval.py --set tdmsci|scier [--extractor NAME] [--data DIR] [--json]

Both sets follow their own annotation conventions, not the project guideline,
so the figures are reference points, not targets. Only the test splits are
read (there is no --split): TDMSci test_500_v2.conll, SciER PLM/test.jsonl.

TDMSci (Hou et al., EACL 2021; CoNLL, token, character offset, BIO tag):
  TASK, DATASET and METRIC become Task, Dataset and Metric. The file carries
  no paper ids and its consecutive sentences come from unrelated papers (the
  character offsets run through one concatenated text), so sentences cannot be
  grouped into papers: each sentence block is a document of its own (487).
  Only our Task, Dataset and Metric predictions are scored; Method and Model
  predictions are dropped, since TDMSci does not annotate them.
SciER (Zhang et al., EMNLP 2024; PLM format, DyGIE style):
  Method, Task and Dataset keep their names. A document is a record of the
  file as the data gives it (10 papers, each its annotated text, sentence
  after sentence); gold spans are document-level inclusive token offsets. Our
  Model predictions are scored as Method, since SciER files models under
  Method; our Metric predictions are dropped, since SciER has no Metric type.

The text of a document is its tokens joined by single spaces; gold names are
their tokens joined the same way. Penn Treebank bracket tokens (-LRB-, -RSB-,
``) are turned back into the characters they stand for, in the text and in the
gold names alike. Gold entities are kept once per document, type and
normalised name (scoring.norm), so "RNN" and "RNNs" count as one gold entity;
a name that normalises to nothing cannot match and is left out. "micro" pools
the counts of the scored types; "untyped" is the scorer's type-blind match.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from pathlib import Path

from extractors import get_extractor
from extractors.scoring import errors, format_table, norm, score

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared"))
# Penn Treebank bracket and quote tokens back to characters, in the text and in the gold names alike.
PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}", "``": '"', "''": '"'}

SETS = {
    "tdmsci": {
        "title": "TDMSci test",
        "dir": "tdmsci",
        "file": "test_500_v2.conll",
        "unit": "sentences",
        "types": ("Task", "Dataset", "Metric"),
        "gold_map": {"TASK": "Task", "DATASET": "Dataset", "METRIC": "Metric"},
        "pred_map": {"Task": "Task", "Dataset": "Dataset", "Metric": "Metric"},
    },
    "scier": {
        "title": "SciER test",
        "dir": "scier",
        "file": "PLM/test.jsonl",
        "unit": "papers",
        "types": ("Method", "Task", "Dataset"),
        "gold_map": {"Method": "Method", "Task": "Task", "Dataset": "Dataset"},
        "pred_map": {"Method": "Method", "Model": "Method", "Task": "Task", "Dataset": "Dataset"},
    },
}


class Gold:
    """Gold entities of one document, once per (type, normalised name)."""

    def __init__(self) -> None:
        self.entities: list[dict] = []
        self.mentions = 0
        self._seen: set[tuple[str, str]] = set()

    def add(self, etype: str, name: str) -> None:
        self.mentions += 1
        key = (etype, norm(name))
        if key[1] and key not in self._seen:
            self._seen.add(key)
            self.entities.append({"type": etype, "name": name})


def _conll_spans(tags: list[str]) -> Iterator[tuple[int, int, str]]:
    """(start, end exclusive, label) of BIO spans; an I- tag after another label opens a span."""
    start, label = None, None
    for i, tag in enumerate([*tags, "O"]):
        if tag.startswith("B-") or tag == "O" or (tag.startswith("I-") and tag[2:] != label):
            if label is not None:
                yield start, i, label
            start, label = (i, tag[2:]) if tag != "O" else (None, None)


def load_tdmsci(path: Path, gold_map: dict[str, str]) -> tuple[dict[str, str], dict[str, Gold]]:
    """Sentence texts and gold entities, one document per sentence block."""
    texts: dict[str, str] = {}
    gold: dict[str, Gold] = {}
    blocks = [b for b in path.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    for n, block in enumerate(blocks):
        rows = [line.split("\t") for line in block.strip().splitlines()]
        tokens = [PTB.get(r[0], r[0]) for r in rows]
        key = f"s{n:04d}"
        texts[key] = " ".join(tokens)
        g = gold[key] = Gold()
        for start, end, label in _conll_spans([r[-1] for r in rows]):
            if label in gold_map:
                g.add(gold_map[label], " ".join(tokens[start:end]))
    return texts, gold


def load_scier(path: Path, gold_map: dict[str, str]) -> tuple[dict[str, str], dict[str, Gold]]:
    """Document texts and gold entities, keyed by doc_id."""
    texts: dict[str, str] = {}
    gold: dict[str, Gold] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        tokens = [PTB.get(t, t) for sent in d["sentences"] for t in sent]
        key = str(d["doc_id"])
        texts[key] = " ".join(tokens)
        g = gold[key] = Gold()
        for sent in d["ner"]:
            for start, end, label in sent:
                if label in gold_map:
                    g.add(gold_map[label], " ".join(tokens[start : end + 1]))
    return texts, gold


def micro(res: dict, gold: dict[str, list[dict]], pred: dict[str, list[dict]], types: tuple[str, ...]) -> dict:
    """Counts of the scored types pooled; true positives from the scorer's own errors()."""
    n_p = sum(res.get(t, {}).get("predicted", 0) for t in types)
    n_g = sum(res.get(t, {}).get("gold", 0) for t in types)
    errs = errors(gold, pred)
    fp = sum(1 for e in errs if e["kind"] == "false_positive" and e["type"] in types)
    fn = sum(1 for e in errs if e["kind"] == "miss" and e["type"] in types)
    p = (n_p - fp) / n_p if n_p else 0.0
    r = (n_g - fn) / n_g if n_g else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "predicted": n_p, "gold": n_g}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", required=True, choices=sorted(SETS))
    ap.add_argument("--data", type=Path, default=None, help="the set's folder (default: shared/data/<set>)")
    ap.add_argument("--extractor", default="default")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    cfg = SETS[args.set]
    path = (args.data or SHARED / "data" / cfg["dir"]) / cfg["file"]
    loader = load_tdmsci if args.set == "tdmsci" else load_scier
    texts, gold_docs = loader(path, cfg["gold_map"])
    gold = {k: g.entities for k, g in gold_docs.items()}

    ex = get_extractor(args.extractor)
    pmap = cfg["pred_map"]
    pred: dict[str, list[dict]] = {}
    for key, ents in zip(texts, ex.pipe(("", t) for t in texts.values()), strict=True):
        pred[key] = [dict(e.to_dict(), type=pmap[e.type]) for e in ents if e.type in pmap]

    res = score(gold, pred)
    res["micro"] = micro(res, gold, pred, cfg["types"])
    res["documents"] = len(gold)
    res["gold_entities"] = sum(len(v) for v in gold.values())
    res["gold_mentions"] = sum(g.mentions for g in gold_docs.values())
    if args.json:
        print(json.dumps(dict(res, set=args.set, extractor=args.extractor), indent=1))
        return 0
    print(
        f"{cfg['title']} ({args.extractor}): {res['documents']} {cfg['unit']} as documents, "
        f"{res['gold_entities']} gold entities ({res['gold_mentions']} mentions)"
    )
    print(format_table(res, (*cfg["types"], "micro", "untyped")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
