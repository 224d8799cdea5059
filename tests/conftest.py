"""Shared fixtures: the real inputs every test reads (../shared beside the
checkout, or KG_SHARED), and the seed graph built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KG_SHARED", ROOT.parent / "shared"))
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))
ARXIV_5K = SHARED / "data" / "arxiv_ml_abstracts_2025_2026" / "ml_abstracts_5k_sample.jsonl"


def pytest_collection_modifyitems(config, items):
    if not SEEDS:
        msg = f"the shared seed listings are missing: {SHARED / 'seeds'} (set KG_SHARED)"
        if os.environ.get("CI"):
            raise pytest.UsageError(msg)
        skip = pytest.mark.skip(reason=msg)
        for item in items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def seed_papers():
    from kg.readers import read_papers

    papers, report = read_papers(SEEDS)
    return papers, report


@pytest.fixture(scope="session")
def seed_graph(seed_papers):
    from kg.graph import build

    return build(seed_papers[0])
