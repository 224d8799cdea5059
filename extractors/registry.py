"""Registry of extractors, so kg can pick one by name (``--extractor``) and
users can plug in their own without touching kg."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from .records import Entity


class Extractor(Protocol):
    name: str

    def extract(self, title: str, abstract: str) -> list[Entity]: ...

    def pipe(
        self, docs: Iterable[tuple[str, str]], *, n_process: int = 1, batch_size: int = 64
    ) -> Iterator[list[Entity]]: ...


_EXTRACTORS: dict[str, Callable[[], Extractor]] = {}
_CACHE: dict[str, Extractor] = {}


def register(name: str) -> Callable[[Callable[[], Extractor]], Callable[[], Extractor]]:
    def deco(factory: Callable[[], Extractor]) -> Callable[[], Extractor]:
        _EXTRACTORS[name] = factory
        return factory

    return deco


def resolve_name(name: str = "default") -> str:
    """``default`` is the trained pipeline unless ``KG_EXTRACTOR`` names another."""
    return (os.environ.get("KG_EXTRACTOR") or name) if name == "default" else name


def get_extractor(name: str = "default") -> Extractor:
    name = resolve_name(name)
    if name not in _EXTRACTORS:
        raise KeyError(f"unknown extractor {name!r}; known: {', '.join(sorted(_EXTRACTORS))}")
    if name not in _CACHE:
        _CACHE[name] = _EXTRACTORS[name]()
    return _CACHE[name]


def names() -> list[str]:
    return sorted(_EXTRACTORS)
