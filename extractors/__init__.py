"""Text in, structured mentions out: methods, models, datasets, metrics and
tasks in paper titles and abstracts. Knows nothing about graphs or storage."""

from . import rules, trained  # noqa: F401  (register the extractors: "rules", and "trained", the default)
from .canonical import canonical_key, canonical_name, same_entity
from .records import (
    ENTITY_RELATION_TYPES,
    ENTITY_TYPES,
    PAPER_RELATION_TYPES,
    Entity,
    Mention,
    Relation,
    Result,
    document_text,
)
from .registry import Extractor, get_extractor, names, register
from .relations import read_relations

__all__ = [
    "ENTITY_RELATION_TYPES",
    "ENTITY_TYPES",
    "PAPER_RELATION_TYPES",
    "Entity",
    "Extractor",
    "Mention",
    "Relation",
    "Result",
    "canonical_key",
    "canonical_name",
    "document_text",
    "get_extractor",
    "names",
    "read_relations",
    "register",
    "same_entity",
]
