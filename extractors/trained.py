"""The default extractor: the shipped spaCy pipeline in extractors/pipeline.

Its config.cfg assembles the components (kg_entity_rules, kg_abbreviations,
tok2vec, ner, kg_entities, kg_proposals); training/ner/train.py rebuilds it.
``KG_PIPELINE=DIR`` loads another build of it instead (a retrained one).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

import spacy
from spacy.language import Language

from . import abbreviations, entities, proposals, rules  # noqa: F401  (register the factories)
from .records import Entity, document_text
from .registry import register


def pipeline_path() -> Path:
    env = os.environ.get("KG_PIPELINE")
    return Path(env) if env else Path(str(resources.files("extractors").joinpath("pipeline")))


def load_pipeline(path: Path | None = None) -> Language:
    return spacy.load(path or pipeline_path())


class TrainedExtractor:
    name = "trained"

    def __init__(self, path: Path | None = None) -> None:
        self.nlp = load_pipeline(path)

    def extract(self, title: str, abstract: str) -> list[Entity]:
        return self.nlp(rules._bounded(document_text(title, abstract)))._.kg_entities

    def pipe(
        self, docs: Iterable[tuple[str, str]], *, n_process: int = 1, batch_size: int = 64
    ) -> Iterator[list[Entity]]:
        texts = (rules._bounded(document_text(t, a)) for t, a in docs)
        if n_process == 1:
            for doc in self.nlp.pipe(texts, batch_size=batch_size):
                yield doc._.kg_entities
            return
        # As for the rules: workers send back entities as dicts, not serialised Docs.
        ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with ctx.Pool(n_process, initializer=_init_worker, initargs=(str(pipeline_path()),)) as pool:
            for batch in pool.imap(_extract_batch, rules._batched(texts, batch_size)):
                for ents in batch:
                    yield [Entity.from_dict(d) for d in ents]


_WORKER_NLP: Language | None = None


def _init_worker(path: str) -> None:
    global _WORKER_NLP
    _WORKER_NLP = load_pipeline(Path(path))


def _extract_batch(texts: list[str]) -> list[list[dict]]:
    assert _WORKER_NLP is not None
    return [[e.to_dict() for e in doc._.kg_entities] for doc in _WORKER_NLP.pipe(texts)]


@register("default")
@register("trained")
def trained_extractor() -> TrainedExtractor:
    return TrainedExtractor()
