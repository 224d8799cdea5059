"""The default extractor: the shipped spaCy pipeline in extractors/pipeline.

Its config.cfg assembles the components (kg_entity_rules, kg_abbreviations,
tok2vec, ner, kg_entities, kg_proposals); training/ner/train.py rebuilds it.
``KG_PIPELINE=DIR`` loads another build of it instead (a retrained one).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import OrderedDict
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
    """The shipped pipeline behind the ``Extractor`` interface. The last
    ``CACHE`` texts' entities are kept (as dicts: callers may change the
    entities they get), so building the same papers again, as a rebuild into
    the same directory does, skips the tagger."""

    name = "trained"
    CACHE = 4096

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path else pipeline_path()
        self.nlp = load_pipeline(self.path)
        self._seen: OrderedDict[str, list[dict]] = OrderedDict()

    def extract(self, title: str, abstract: str) -> list[Entity]:
        return next(self.pipe([(title, abstract)]))

    def pipe(
        self, docs: Iterable[tuple[str, str]], *, n_process: int = 1, batch_size: int = 64
    ) -> Iterator[list[Entity]]:
        texts = (rules._bounded(document_text(t, a)) for t, a in docs)
        if n_process == 1:
            for batch in rules._batched(texts, batch_size):
                new = list(dict.fromkeys(t for t in batch if t not in self._seen))
                for text, doc in zip(new, self.nlp.pipe(new, batch_size=batch_size), strict=True):
                    self._remember(text, [e.to_dict() for e in doc._.kg_entities])
                for text in batch:
                    self._seen.move_to_end(text)
                    yield [Entity.from_dict(d) for d in self._seen[text]]
            return
        # As for the rules: workers send back entities as dicts, not serialised Docs.
        ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with ctx.Pool(n_process, initializer=_init_worker, initargs=(str(self.path),)) as pool:
            for batch in pool.imap(_extract_batch, rules._batched(texts, batch_size)):
                for ents in batch:
                    yield [Entity.from_dict(d) for d in ents]

    def _remember(self, text: str, found: list[dict]) -> None:
        self._seen[text] = found
        while len(self._seen) > self.CACHE:
            self._seen.popitem(last=False)


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
