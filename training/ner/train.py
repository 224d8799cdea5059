#!/usr/bin/env python3
"""Rebuild the shipped entity pipeline (extractors/pipeline) from the repository's corpus.

usage: python -m training.ner.train [--out extractors/pipeline] [--work DIR]
           [--vectors DIR] [--max-steps N] [--limit N] [--seed 0] [--tagger DIR]

Steps, each logged: floret vectors on the 50k arXiv abstracts (skipped when
--vectors names a vectors directory, or one is already in --work); the corpus
as spaCy docs; ``spacy train`` of tok2vec + ner with training/ner/config.cfg;
then the pipeline is assembled (kg_entity_rules, kg_abbreviations, tok2vec,
ner, kg_entities, kg_proposals), its small models are fitted
(training/ner/fit.py), it is written to --out, and the paper-level relation
model is fitted on it (training/relations/fit.py). --tagger DIR starts from a
tagger trained earlier (a model-best folder) instead of training one. A fixed seed gives the same
weights on the same machine. --limit trains on the first N training abstracts
and fewer vectors (CI runs that on a slice).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import spacy

from training.relations.fit import main as fit_relations

from .corpus import records, write_docbins
from .fit import fit_entities, fit_proposals
from .vectors import train_vectors

log = logging.getLogger("train")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def assemble(model_dir: Path) -> spacy.Language:
    """The trained tagger inside the full entity pipeline."""
    import extractors.abbreviations  # noqa: F401  (registers the factories)
    import extractors.entities  # noqa: F401
    import extractors.proposals  # noqa: F401
    import extractors.rules  # noqa: F401

    nlp = spacy.load(model_dir)
    nlp.add_pipe("kg_entity_rules", first=True)
    nlp.add_pipe("kg_abbreviations", after="kg_entity_rules")
    nlp.add_pipe("kg_entities", last=True)
    nlp.add_pipe("kg_proposals", last=True)
    return nlp


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "extractors" / "pipeline")
    ap.add_argument("--work", type=Path, default=None, help="where vectors and checkpoints go (a temporary folder by default)")
    ap.add_argument("--vectors", type=Path, default=None)
    ap.add_argument("--max-steps", type=int, default=None)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tagger", type=Path, default=None, help="a trained tok2vec+ner folder: skip vectors and spacy train")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        counts = write_docbins(spacy.blank("en"), work / "data", limit=args.limit)
        log.info("corpus: %s", counts)
        tagger = args.tagger or train_tagger(work, args)
        nlp = assemble(tagger)
        recs = list(records())
        train = [r for r in recs if r.split == "train"][: args.limit or None]
        validation = [r for r in recs if r.split == "validation"]
        stats = {"entities": fit_entities(nlp, validation), "proposals": fit_proposals(nlp, train, validation)}
        log.info("fitted %s", stats)
        if args.out.exists():
            shutil.rmtree(args.out)
        nlp.meta.update({"name": "kg_entities", "version": "0.1.0", "description":
                         "kg's entity extractor: rules and lexicons as candidates, a trained tagger, "
                         "fitted keep-or-drop and proposal models (training/ner/train.py)",
                         "kg_corpus": counts, "kg_fit": stats})  # fmt: skip
        nlp.to_disk(args.out)
    log.info("wrote %s", args.out)
    fit_relations(["--pipeline", str(args.out), "--limit", str(args.limit)])
    return 0


def train_tagger(work: Path, args: argparse.Namespace) -> Path:
    """floret vectors (unless given) and ``spacy train`` of tok2vec + ner; returns model-best."""
    vectors = args.vectors or work / "vectors"
    if not (vectors / "config.cfg").exists():
        log.info("training floret vectors into %s", vectors)
        train_vectors(vectors, limit=args.limit * 20 or None, epochs=5 if not args.limit else 1)
    overrides = [f"--paths.train={work / 'data' / 'train.spacy'}", f"--paths.dev={work / 'data' / 'validation.spacy'}",
                 f"--paths.vectors={vectors}", f"--system.seed={args.seed}"]  # fmt: skip
    if args.max_steps:
        overrides.append(f"--training.max_steps={args.max_steps}")
    subprocess.run([sys.executable, "-m", "spacy", "train", str(HERE / "config.cfg"), "--output", str(work / "model"),
                    *overrides], check=True)  # fmt: skip
    return work / "model" / "model-best"


if __name__ == "__main__":
    sys.exit(main())
