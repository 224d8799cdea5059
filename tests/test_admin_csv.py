"""kg.admin_csv: the neo4j-admin CSV written from a stream of papers is the
graph ``build_graph`` makes of them, as ``export_csv`` writes it. Both
exports are read back in a new process by test_export's reader (which checks
every header against neo4j-admin's format) and compared node by node and
relationship by relationship, every property and its type."""

from __future__ import annotations

import csv
import dataclasses
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import ARXIV_5K, ROOT, SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st
from test_export import NODE_FILE, REL_FILE, csv_columns

from kg import schema as S
from kg.admin_csv import HashedPaperIndex, write_admin_csv
from kg.dedup import PaperIndex
from kg.export import export_csv
from kg.graph import Extraction, build_graph, extract_all
from kg.readers import read_papers
from kg.records import Paper, PaperRef

CITATIONS = sorted((ROOT / "tests" / "data" / "citations").iterdir())
DOCS = ROOT / "docs" / "schema.md"

# Reads each CSV folder named on the command line with test_export's reader and prints it as JSON.
READ_BACK = r"""
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from test_export import read_csv_graph
out = {}
for d in sys.argv[2:]:
    g = read_csv_graph(Path(d))
    out[d] = {"nodes": {n: {k: v for k, v in a.items()} for n, a in g.nodes(data=True)},
              "edges": [[u, k, v, {x: y for x, y in a.items() if x != "type"}] for u, v, k, a in g.edges(keys=True, data=True)]}
print(json.dumps(out))
"""


def read_back(*dirs: Path) -> list[tuple[dict, dict]]:
    """(nodes by id, relationships by (start, type, end)) of each folder, read in a new process."""
    p = subprocess.run([sys.executable, "-c", READ_BACK, str(ROOT / "tests"), *map(str, dirs)],
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    out = []
    for d in dirs:
        edges: dict[tuple, dict] = {}
        for u, k, v, props in data[str(d)]["edges"]:
            assert (u, k, v) not in edges, ("one relationship of a type between two nodes", u, k, v)
            edges[(u, k, v)] = props
        out.append((data[str(d)]["nodes"], edges))
    return out


def same(a, b) -> bool:
    """Equal and of the same type (90 is not 90.0), NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b or (a != a and b != b)


def assert_same_graph(streamed: tuple[dict, dict], full: tuple[dict, dict]) -> None:
    (sn, se), (fn, fe) = streamed, full
    assert Counter(d["label"] for d in sn.values()) == Counter(d["label"] for d in fn.values())
    assert Counter(k for _, k, _ in se) == Counter(k for _, k, _ in fe)
    assert {(n, d["label"]) for n, d in sn.items()} == {(n, d["label"]) for n, d in fn.items()}
    assert set(se) == set(fe)
    for n, d in fn.items():
        if d["label"] in S.ENTITY_LABELS:
            assert [sn[n].get(p) for p in ("name", "aliases", "paper_count")] == [d.get(p) for p in
                                                                                   ("name", "aliases", "paper_count")], n  # fmt: skip
        if d["label"] == S.RESULT:
            assert sn[n]["best"] is d["best"], n
    bad_nodes = [(n, sn[n], d) for n, d in fn.items() if not same(sn[n], d)]
    assert not bad_nodes, bad_nodes[:3]
    bad_edges = [(e, se[e], d) for e, d in fe.items() if not same(se[e], d)]
    assert not bad_edges, bad_edges[:3]


def stream(papers: list[Paper], xs: list[Extraction], out: Path, **kw) -> dict:
    return write_admin_csv(lambda: zip(papers, xs, strict=True), out, **kw)


# -- a corpus with every kind of node and relationship ----------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The seed listings, the citation test files (authors, venues, CITES,
    papers known only as references) and 300 arXiv abstracts (authors shared
    across papers), read and extracted with the rules; streamed in chunks of
    37 papers into 5 buckets, so what papers share crosses chunks, and
    exported from build_graph."""
    tmp = tmp_path_factory.mktemp("admin_csv")
    inputs = [*SEEDS, *CITATIONS]
    if ARXIV_5K.exists():
        with ARXIV_5K.open(encoding="utf-8") as f:
            (tmp / "arxiv.jsonl").write_text("".join(next(f) for _ in range(300)), encoding="utf-8")
        inputs.append(tmp / "arxiv.jsonl")
    papers, _ = read_papers(inputs)
    xs = extract_all(papers, "rules", all_mentions=False)
    (tmp / "stream").mkdir()
    (tmp / "stream" / "nodes_Stale.csv").write_text("id:ID,:LABEL\n", encoding="utf-8")  # an earlier export's
    counts = stream(papers, xs, tmp / "stream", chunk_size=37, buckets=5)
    export_csv(build_graph(papers, xs), tmp / "full")
    return tmp / "stream", tmp / "full", counts, papers, xs


def test_streamed_csv_is_the_built_graph(corpus):
    streamed_dir, full_dir, counts, _, _ = corpus
    streamed, full = read_back(streamed_dir, full_dir)
    assert_same_graph(streamed, full)
    nodes, edges = full
    # the corpus exercises what is shared across papers and chunks
    labels = Counter(d["label"] for d in nodes.values())
    types = Counter(k for _, k, _ in edges)
    assert {S.PAPER, S.AUTHOR, S.VENUE, S.RESULT, *S.ENTITY_LABELS} <= set(labels)
    assert {S.CITES, S.BUILDS_ON, S.AUTHORED, S.PUBLISHED_IN, S.OUTPERFORMS, S.ON_DATASET, S.OF_METRIC} <= set(types)
    assert any(d["label"] == S.PAPER and d["in_corpus"] is False for d in nodes.values())
    assert any(d["label"] == S.RESULT and d["best"] for d in nodes.values())
    assert any(d["label"] in S.ENTITY_LABELS and d["aliases"] and d["paper_count"] > 1 for d in nodes.values())
    # what write_admin_csv reports is what it wrote
    assert counts["nodes"] == dict(sorted(labels.items())) and counts["edges"] == dict(sorted(types.items()))
    assert counts["held"]["corpus_papers"] == sum(1 for d in nodes.values() if d["label"] == S.PAPER and d["in_corpus"])
    # files replaced: the earlier export's are gone, no temporary folder is left
    assert not (streamed_dir / "nodes_Stale.csv").exists()
    assert all(NODE_FILE.match(p.name) or REL_FILE.match(p.name) for p in streamed_dir.iterdir())


def test_streamed_headers_are_neo4j_admin_headers(corpus):
    streamed_dir, *_ = corpus
    for path in sorted(streamed_dir.iterdir()):
        with path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        if m := NODE_FILE.match(path.name):
            assert header[0] in ("id:ID", ":ID") and header[-1] == ":LABEL", (path.name, header)
            cols = csv_columns(header[1:-1])
            if not m["n"]:  # the label's first file: the schema's properties, in its order
                assert [c for c, _ in cols] == [S.KEY, *S.NODE_PROPERTIES[m["label"]]], (path.name, header)
        else:
            m = REL_FILE.match(path.name)
            assert m and header[0] == ":START_ID" and header[-2:] == [":END_ID", ":TYPE"], (path.name, header)
            cols = csv_columns(header[1:-2])
            if not m["n"]:
                assert [c for c, _ in cols] == list(S.REL_PROPERTIES[m["type"]]), (path.name, header)
    paper = (streamed_dir / "nodes_Paper.csv").read_text(encoding="utf-8").splitlines()[0]
    assert paper.startswith("id:ID,key,title,abstract:string,year:long,") and "authors:string[]" in paper


def test_the_passes_on_a_dask_cluster_write_the_same_files(corpus, tmp_path):
    """Every chunk's graph and rows made on two Dask worker processes (each
    with its own hash seed), the tables and rows merged here in chunk order:
    the files are those of one process, byte for byte."""
    from dask.distributed import Client, LocalCluster

    from kg.cluster import dask_map

    streamed_dir, _, counts, papers, xs = corpus
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:  # fmt: skip
        on_dask = stream(papers, xs, tmp_path / "dask", chunk_size=37, buckets=5, mapper=dask_map(client, per_worker=2))
    assert on_dask == counts
    files = sorted(p.name for p in streamed_dir.iterdir())
    assert files == sorted(p.name for p in (tmp_path / "dask").iterdir())
    for name in files:
        assert (tmp_path / "dask" / name).read_bytes() == (streamed_dir / name).read_bytes(), name


def test_streamed_csv_import_command_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    assert "write_admin_csv" in text and text.count("neo4j-admin database import full") >= 2


# -- odd text ------------------------------------------------------------------------------

ODD = [
    'Quotes "double" and \'single\', commas, ; semicolons',
    "lines\nbroken\r\nwith CR\rand\ttabs",
    "unit\x1fseparator and other \x07 controls",
    "  spaces around  ",
    "数据集 😀 עברית e\u0301 \u2028 \U0010fffd",
    'true,1,NaN,"",\\N',
]


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
def test_odd_text_round_trips(tmp_path, text):
    """Titles, abstracts, author and venue names with delimiters, quotes,
    line breaks and scripts, read by kg's reader (which strips U+001F and
    other controls), come back from the streamed CSV as build_graph holds them."""
    records = [
        {"id": "odd-1", "title": f"{text} FooNet", "abstract": f"We propose FooNet ({text}); it outperforms BERT "
         "on ImageNet with 91.5% accuracy.", "authors": [text, f"Doe, {text}"], "venue": text, "year": 2024},
        {"id": "odd-2", "title": f"Using FooNet: {text}", "abstract": "We fine-tune FooNet on ImageNet and reach "
         "93.1% accuracy, beating BERT.", "authors": [text], "venue": f"{text} 2", "year": 2025},
    ]  # fmt: skip
    src = tmp_path / "odd.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    papers, _ = read_papers([src])
    assert len(papers) == 2 and "\x1f" not in papers[0].title
    xs = extract_all(papers, "rules", all_mentions=False)
    stream(papers, xs, tmp_path / "stream", chunk_size=1)
    export_csv(build_graph(papers, xs), tmp_path / "full")
    streamed, full = read_back(tmp_path / "stream", tmp_path / "full")
    assert_same_graph(streamed, full)
    assert streamed[0]["Paper:odd-1"]["title"] == papers[0].title
    assert streamed[0]["Paper:odd-1"]["authors"] == papers[0].authors


def test_rows_the_fixed_columns_cannot_hold_get_a_file_of_their_own(tmp_path):
    """An empty text where a missing value is read, a number where text is
    declared: such rows go to a file with their own header, typed by value."""
    papers = [Paper(id="a", title="A plain paper", abstract="", year=2024),
              Paper(id="b", title="An odd one", date="", url="", authors=["X"]),
              Paper(id="c", title="", abstract="Untitled.")]  # fmt: skip
    xs = [Extraction(p.id, []) for p in papers]
    stream(papers, xs, tmp_path / "stream")
    export_csv(build_graph(papers, xs), tmp_path / "full")
    streamed, full = read_back(tmp_path / "stream", tmp_path / "full")
    assert_same_graph(streamed, full)
    assert streamed[0]["Paper:b"]["date"] == "" and streamed[0]["Paper:c"]["title"] == ""
    assert len(list((tmp_path / "stream").glob("nodes_Paper*.csv"))) == 3


def test_a_source_out_of_step_is_refused(tmp_path):
    papers = [Paper(id="a", title="A"), Paper(id="b", title="B")]
    (tmp_path / "nodes_Paper.csv").write_text("id:ID,:LABEL\n", encoding="utf-8")
    with pytest.raises(ValueError, match="extraction of 'a'"):
        write_admin_csv(lambda: zip(papers[::-1], [Extraction("a", []), Extraction("b", [])], strict=True), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nodes_Paper.csv"]  # the earlier export is left whole
    once = iter(zip(papers, [Extraction("a", []), Extraction("b", [])], strict=True))
    with pytest.raises(ValueError, match="streamed 2 papers, then 0"):
        write_admin_csv(lambda: once, tmp_path)  # the same iterator twice: not a corpus streamed again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nodes_Paper.csv"]


# -- what is held ----------------------------------------------------------------------------


def test_held_tables_grow_with_distinct_names_not_papers(tmp_path, seed_papers):
    """The seeds streamed twice over with fresh ids and titles (as the scale
    benchmark repeats its corpus): entity tables stay as they are, the
    identifier index doubles, nothing else holds papers."""
    papers = seed_papers[0]
    xs = extract_all(papers, "rules", all_mentions=False)

    def twice():
        for k in range(2):
            for p, x in zip(papers, xs, strict=True):
                pid = f"{p.id}~{k}"
                yield dataclasses.replace(p, id=pid, title=f"{p.title} ({k})"), Extraction(pid, x.entities,
                                                                                          x.relations, x.results)  # fmt: skip

    once = stream(papers, xs, tmp_path / "once")["held"]
    held = write_admin_csv(twice, tmp_path / "twice")["held"]
    assert held["entity_keys"] == once["entity_keys"] and held["entities"] == once["entities"]
    assert held["corpus_papers"] == 2 * once["corpus_papers"]
    assert held["leaderboard_groups"] == once["leaderboard_groups"]


# -- the hashed identifier index is kg.dedup.PaperIndex ----------------------------------------

IDS = st.sampled_from([None, "p1", "p2", "doi:10.1/a"])
DOIS = st.sampled_from([None, "10.1/a", "https://doi.org/10.1/A", "10.1/b", "garbage"])
ARXIV = st.sampled_from([None, "2106.09685", "arXiv:2106.09685v2", "1907.11692", "nope"])
S2 = st.sampled_from([None, "a" * 40, "B" * 40])
OPENALEX = st.sampled_from([None, "W123", "https://openalex.org/W456"])
TITLES = st.sampled_from(["", "LoRA", "lora!", "RoBERTa", "Other"])
REFS = st.builds(PaperRef, id=IDS, doi=DOIS, arxiv_id=ARXIV, s2_id=S2, openalex_id=OPENALEX, title=TITLES,
                 year=st.sampled_from([None, 2020, 2021]))  # fmt: skip


def as_paper(r: PaperRef, in_corpus: bool) -> Paper:
    return Paper(id=r.id or f"k:{r.doi}:{r.arxiv_id}:{r.title}", title=r.title or "", doi=r.doi, arxiv_id=r.arxiv_id, s2_id=r.s2_id,
                 openalex_id=r.openalex_id, year=r.year, in_corpus=in_corpus)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), REFS), max_size=12))
def test_hashed_index_finds_what_paper_index_finds(steps):
    """Adds (True) and lookups (False) in any order: the same records found,
    with the same fields filled."""
    plain, hashed = PaperIndex(), HashedPaperIndex(keep_fields=True)
    for add, ref in steps:
        if add:
            p = as_paper(ref, in_corpus=False)
            assert plain.add(dataclasses.replace(p)) == hashed.add(p)
        a, b = plain.find(ref), hashed.find(ref)
        assert (a is None) == (b is None)
        if a is not None:
            fields = ("id", "title", "doi", "arxiv_id", "s2_id", "openalex_id", "year")
            assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]
