"""Text in, structured mentions out: methods, models, datasets, metrics and
tasks in paper titles and abstracts. Knows nothing about graphs or storage."""

from . import rules  # noqa: F401  (registers the default extractor)
from .canonical import canonical_key, canonical_name, same_entity
from .records import ENTITY_TYPES, Entity, Mention, document_text
from .registry import Extractor, get_extractor, names, register

__all__ = [
    "ENTITY_TYPES",
    "Entity",
    "Extractor",
    "Mention",
    "canonical_key",
    "canonical_name",
    "document_text",
    "get_extractor",
    "names",
    "register",
    "same_entity",
]
