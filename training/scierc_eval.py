#!/usr/bin/env python3
"""A reference figure on SciERC (Luan et al., 2018): the default extractor on
the test abstracts, scored with the project's matching rules.

usage: python training/scierc_eval.py [--split test] [--data DIR] [--json]

SciERC is annotated with different conventions from the project guideline
(every generic "method" or "system" mention, no Model type, no proposed flag),
so the figure is a reference point, not a target. Mapping: Method, Metric and
Task keep their names; Material becomes Dataset; OtherScientificTerm and
Generic are dropped. Our Model predictions are scored as Method, since SciERC
files models under Method. The text of a document is its tokens joined by
single spaces, sentence after sentence; gold spans are document-level
inclusive token offsets. Penn Treebank bracket tokens (-LRB-, -RSB-, ``)
are turned back into the characters they stand for.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from extractors import get_extractor
from extractors.scoring import format_table, score

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared"))
TYPE_MAP = {"Method": "Method", "Metric": "Metric", "Task": "Task", "Material": "Dataset"}
# Penn Treebank bracket and quote tokens back to characters, in the text and in the gold names alike.
PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}", "``": '"', "''": '"'}


def load_scierc(path: Path) -> tuple[dict[str, str], dict[str, list[dict]]]:
    """Abstract texts and document-level gold entity sets, keyed by doc_key."""
    texts: dict[str, str] = {}
    gold: dict[str, list[dict]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        tokens = [PTB.get(t, t) for sent in d["sentences"] for t in sent]
        texts[d["doc_key"]] = " ".join(tokens)
        seen: set[tuple[str, str]] = set()
        ents = []
        for sent in d["ner"]:
            for start, end, label in sent:
                etype = TYPE_MAP.get(label)
                name = " ".join(tokens[start : end + 1])
                if etype and (etype, name) not in seen:
                    seen.add((etype, name))
                    ents.append({"type": etype, "name": name})
        gold[d["doc_key"]] = ents
    return texts, gold


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="test", choices=["train", "dev", "test"])
    ap.add_argument("--data", type=Path, default=SHARED / "data" / "scierc")
    ap.add_argument("--extractor", default="default")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    texts, gold = load_scierc(args.data / f"{args.split}.json")
    ex = get_extractor(args.extractor)
    pred: dict[str, list[dict]] = {}
    for key, ents in zip(texts, ex.pipe(("", t) for t in texts.values()), strict=True):
        pred[key] = [dict(e.to_dict(), type="Method" if e.type == "Model" else e.type) for e in ents]
    res = score(gold, pred)
    if args.json:
        print(json.dumps(res, indent=1))
        return 0
    print(f"SciERC {args.split}: {len(gold)} abstracts")
    print(format_table(res, ("Method", "Dataset", "Metric", "Task", "untyped")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
