"""What kg writes it reads back whole: every check here writes through the CLI
(or the store) and reads back in a new process, under hostile input and faults
(docs/reliability.md lists the cases)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ARXIV_5K, SEEDS, SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "citations"
SPECTER = SHARED / "data" / "citations_specter_sample"

# A new interpreter that prints the stored graph as canonical JSON: what a
# later process really finds on disk, not what this one holds in memory.
DUMP = r"""
import json, sys
from kg.stores.networkx_store import load_graph
g = load_graph(__import__("pathlib").Path(sys.argv[1]) / "graph.json.gz")
clean = lambda d: {k: v for k, v in sorted(d.items()) if k != "__labels__"}
json.dump({"nodes": sorted([n, clean(d)] for n, d in g.nodes(data=True)),
           "edges": sorted([u, v, k, clean(d)] for u, v, k, d in g.edges(keys=True, data=True))}, sys.stdout)
"""


@pytest.fixture(autouse=True)
def _rule_extractor(monkeypatch):
    """These tests are about storage, not extraction: they and their `kg` processes use the
    fast rule extractor as the default (KG_EXTRACTOR); the trained one is tested in test_trained.py and test_build.py."""
    monkeypatch.setenv("KG_EXTRACTOR", "rules")


def kg(*args: str, check: bool = True, **kw) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, timeout=900, **kw)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def stored(graph_dir: Path) -> dict:
    p = subprocess.run([sys.executable, "-c", DUMP, str(graph_dir)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def canonical(g) -> dict:
    """The in-memory graph in ``stored``'s shape, after the store's own
    refresh (paper counts, best results), through JSON as the file is."""
    from kg.stores.networkx_store import refresh_counts

    refresh_counts(g)
    clean = lambda d: {k: v for k, v in sorted(d.items()) if k != "__labels__"}  # noqa: E731
    data = {"nodes": sorted([n, clean(d)] for n, d in g.nodes(data=True)),
            "edges": sorted([u, v, k, clean(d)] for u, v, k, d in g.edges(keys=True, data=True))}  # fmt: skip
    return json.loads(json.dumps(data))


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def arxiv_records(n: int) -> list[dict]:
    with ARXIV_5K.open(encoding="utf-8") as f:
        return [json.loads(next(f)) for _ in range(n)]


# -- every reader, written by `kg build` and read back in a new process ---------
def _csv_input(tmp: Path) -> Path:
    import csv

    path = tmp / "papers.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "abstract", "date"])
        for r in arxiv_records(15):
            w.writerow([r["arxiv_id"], r["title"], r["abstract"], r["date"]])  # abstracts hold line breaks
    return path


READERS = {
    "listing": lambda tmp: SEEDS[1],
    "jsonl": lambda tmp: write_jsonl(tmp / "papers.jsonl", arxiv_records(15)),
    "csv": _csv_input,
    "openalex": lambda tmp: DATA / "openalex_page.json",
    "semantic_scholar": lambda tmp: DATA / "s2_batch.json",
    "specter": lambda tmp: SPECTER,
    "arxiv-snapshot": lambda tmp: DATA / "arxiv_snapshot.jsonl",
    "bibtex": lambda tmp: DATA / "references.bib",
    "ris": lambda tmp: DATA / "references.ris",
}


@pytest.mark.slow
@pytest.mark.parametrize("reader", sorted(READERS))
def test_every_reader_round_trips_through_the_embedded_store(reader, tmp_path):
    import kg as api

    source = READERS[reader](tmp_path)
    kg("build", str(source), "--out", str(tmp_path / "g"))
    papers, _ = api.read_papers([source])
    expected = canonical(api.build(papers))
    got = stored(tmp_path / "g")
    assert len(got["nodes"]) == len(expected["nodes"]) and len(got["edges"]) == len(expected["edges"])
    assert got == expected


def test_specter_sample_keeps_its_85_direct_citations(tmp_path):
    kg("build", str(SPECTER), "--out", str(tmp_path / "g"))
    got = stored(tmp_path / "g")
    cites = [e for e in got["edges"] if e[2] == "CITES"]
    assert len(cites) == 85
    assert all(u.startswith("Paper:") and v.startswith("Paper:") for u, v, *_ in cites)
    assert {e[3]["source"] for e in cites} == {"specter"}  # the property, not the endpoint
    for cmd in (["stats"], ["query", "MATCH (a:Paper)-[:CITES]->(b:Paper) RETURN count(a) AS n"]):
        kg(*cmd, "--graph", str(tmp_path / "g"))
    # the next build into the folder reads it back and keeps every edge
    kg("build", str(DATA / "s2_batch.json"), "--out", str(tmp_path / "g"))
    assert len([e for e in stored(tmp_path / "g")["edges"] if e[2] == "CITES"]) >= 85


# -- hostile records ---------------------------------------------------------
_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
_KEYS = st.sampled_from(["source", "target", "id", "key", "label", "type", "__labels__", "properties"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titles=st.lists(_TEXT, min_size=1, max_size=4), extra=st.dictionaries(_KEYS, _TEXT, max_size=4),
       huge=st.integers(0, 3))  # fmt: skip
def test_hostile_records_round_trip(tmp_path_factory, titles, extra, huge):
    import kg as api
    from kg.readers._text import clean_text

    tmp = tmp_path_factory.mktemp("h")
    records = [{**extra, "id": f"p{i}\x00\x1b{t}", "title": t or "x", "abstract": ("word " * (huge * 5000)) + t,
                "url": f"http://e.org/\x1b]0;{t}\x07", "date": "2024\u200b-01"} for i, t in enumerate(titles)]  # fmt: skip
    source = write_jsonl(tmp / "h.jsonl", records)
    built = kg("build", str(source), "--out", str(tmp / "g"), check=False)
    papers, _ = api.read_papers([source])
    if not papers:
        assert built.returncode != 0
        return
    assert built.returncode == 0, built.stderr
    got = stored(tmp / "g")
    assert got == canonical(api.build(papers))
    for _, d in got["nodes"]:
        for v in d.values():
            if isinstance(v, str):
                assert v == clean_text(v), v  # no control or invisible character is stored


def test_cleaning_is_the_same_for_every_field(tmp_path):
    source = write_jsonl(tmp_path / "p.jsonl", [
        {"id": "a\x1b[2J\x00", "title": "Fine-tuning Lo\u200dRA and B\ufeffERT\u200bmodels", "abstract": "We use LoRA.",
         "url": "http://x/\x07", "date": "2024-01-02\x1b"},
        {"id": "b", "title": ["a", "list"], "abstract": "x"},
        {"id": "c", "title": 42, "abstract": "x"},
        {"id": "d", "abstract": "An abstract without a title that uses BERT."},
    ])  # fmt: skip
    p = kg("build", str(source), "--out", str(tmp_path / "g"))
    assert "title is not text but list" in p.stderr and "title is not text but int" in p.stderr
    nodes = {n: d for n, d in stored(tmp_path / "g")["nodes"]}
    a = nodes["Paper:a [2J"]
    assert a["title"] == "Fine-tuning LoRA and BERTmodels" and a["url"] == "http://x/" and a["date"] == "2024-01-02"
    assert "Paper:d" in nodes and nodes["Paper:d"]["title"] == ""
    assert "Method:lora" in nodes or any(d.get("name") == "LoRA" for d in nodes.values())
    assert not any("b" == n.split(":", 1)[1] or n == "Paper:c" for n in nodes)
    out = kg("query", "MATCH (p:Paper) RETURN p.key, p.url", "--graph", str(tmp_path / "g")).stdout
    assert "\x1b" not in out and "\x07" not in out


def test_query_output_shows_escapes_not_raw_control_characters(tmp_path):
    """Readers clean what they store, but a graph written before that (or a
    Neo4j database filled by other tools) may hold anything."""
    from kg.graph import add_node, new_graph
    from kg.stores.networkx_store import save_graph

    g = new_graph()
    add_node(g, "Paper", "a", title="T [bold red]x[/] y \x1b]0;owned\x07\x1b[2J end")
    (tmp_path / "g").mkdir()
    save_graph(g, tmp_path / "g" / "graph.json.gz")
    out = kg("query", "MATCH (p:Paper) RETURN p.title", "--graph", str(tmp_path / "g"))
    assert "[bold red]x[/]" in out.stdout  # rich markup in paper text is printed, not interpreted
    assert "\x1b" not in out.stdout and "\x07" not in out.stdout and "\\x1b" in out.stdout


def test_csv_fields_keep_line_breaks_as_spaces(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text('id,title,abstract\n1,"deep\nlearning","one\r\ntwo"\n', encoding="utf-8")
    kg("build", str(path), "--out", str(tmp_path / "g"))
    d = dict(stored(tmp_path / "g")["nodes"])["Paper:1"]
    assert d["title"] == "deep learning" and d["abstract"] == "one two"


def test_duplicate_ids_and_dois(tmp_path):
    source = write_jsonl(tmp_path / "p.jsonl", [
        {"id": "x", "title": "Alpha paper on LoRA", "abstract": "We propose LoRA adapters."},
        {"id": "x", "title": "A different paper entirely", "abstract": "We study BERT at great length here."},
        {"id": "mine", "doi": "10.1000/XYZ", "title": "Shared DOI paper", "abstract": "Uses BERT."},
    ])  # fmt: skip
    p = kg("build", str(source), "--out", str(tmp_path / "g"))
    assert "conflicting title" in p.stderr
    nodes = dict(stored(tmp_path / "g")["nodes"])
    assert nodes["Paper:x"]["title"] == "Alpha paper on LoRA" and nodes["Paper:x"]["abstract"] == "We propose LoRA adapters."
    bib = tmp_path / "r.bib"
    bib.write_text("@article{k, title={Shared DOI paper}, doi={10.1000/xyz}, year={2020}}\n", encoding="utf-8")
    kg("build", str(bib), "--out", str(tmp_path / "g"))
    papers = [n for n, d in stored(tmp_path / "g")["nodes"] if d["label"] == "Paper"]
    assert sorted(papers) == ["Paper:mine", "Paper:x"]


def test_huge_text_without_sentence_ends_stays_small(tmp_path):
    from kg.readers._text import clean_text

    words = " ".join(r["abstract"].replace(".", " ") for r in arxiv_records(200))[:190_000]
    small = write_jsonl(tmp_path / "small.jsonl", [{"id": "s", "title": "Small", "abstract": "We use BERT."}])
    huge = write_jsonl(tmp_path / "huge.jsonl", [{"id": "h", "title": words, "abstract": ""}])
    peak = "import resource, runpy, sys; sys.argv = ['kg'] + sys.argv[1:]\ntry:\n runpy.run_module('kg.cli', run_name='__main__')\nexcept SystemExit: pass\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"  # noqa: E501

    def rss(src: Path) -> int:
        p = subprocess.run([sys.executable, "-c", peak, "build", str(src), "--out", str(tmp_path / src.stem)],
                           capture_output=True, text=True, timeout=600)  # fmt: skip
        return int(p.stdout.strip().splitlines()[-1])

    base, big = rss(small), rss(huge)
    assert big < base + 200_000, (base, big)  # KiB: was gigabytes (every mention kept the whole title)
    assert dict(stored(tmp_path / "huge")["nodes"])["Paper:h"]["title"] == clean_text(words)


# -- faults -------------------------------------------------------------------
def test_concurrent_builds_into_one_folder_lose_nothing(tmp_path):
    records = arxiv_records(120)
    a = write_jsonl(tmp_path / "a.jsonl", records[:60])
    b = write_jsonl(tmp_path / "b.jsonl", records[60:])
    out = tmp_path / "g"
    procs = [subprocess.Popen([sys.executable, "-m", "kg.cli", "build", str(src), "--out", str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for src in (a, b)]  # fmt: skip
    for p in procs:
        _, err = p.communicate(timeout=900)
        assert p.returncode == 0, err
    papers = {n for n, d in stored(out)["nodes"] if d["label"] == "Paper" and d.get("in_corpus")}
    assert papers == {f"Paper:arxiv:{r['arxiv_id']}" for r in records} or len(papers) == 120
    assert not list(out.glob("*.tmp"))


def test_sigkill_during_save_keeps_the_earlier_graph(tmp_path):
    out = tmp_path / "g"
    kg("build", str(write_jsonl(tmp_path / "a.jsonl", arxiv_records(30))), "--out", str(out))
    before = stored(out)
    big = write_jsonl(tmp_path / "b.jsonl", arxiv_records(600)[30:])
    p = subprocess.Popen([sys.executable, "-m", "kg.cli", "build", str(big), "--out", str(out)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    # kill it as soon as its temporary graph file appears (or at the end, whichever comes first)
    for _ in range(6000):
        if list(out.glob("graph.json.gz.*.tmp")) or p.poll() is not None:
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    after = stored(out)  # readable either way: the old graph whole, or the new one whole
    assert after == before or len(after["nodes"]) > len(before["nodes"])
    kg("build", str(big), "--out", str(out))  # the next write clears the leftover and completes
    assert not list(out.glob("*.tmp"))
    assert len(stored(out)["nodes"]) > len(before["nodes"])


def test_corrupt_graph_is_one_line_naming_the_file_and_fresh(tmp_path):
    out = tmp_path / "g"
    kg("build", str(write_jsonl(tmp_path / "a.jsonl", arxiv_records(5))), "--out", str(out))
    good = (out / "graph.json.gz").read_bytes()
    for damage in (b"not gzip at all", good[: len(good) // 2], b""):
        (out / "graph.json.gz").write_bytes(damage)
        for cmd in (["stats", "--graph", str(out)], ["build", str(tmp_path / "a.jsonl"), "--out", str(out)]):
            p = kg(*cmd, check=False)
            assert p.returncode != 0
            err = [ln for ln in p.stderr.splitlines() if ln.startswith("Error")]
            assert len(err) == 1 and "graph.json.gz" in err[0] and "--fresh" in err[0], p.stderr
            assert "Traceback" not in p.stderr and "Aborted" not in p.stderr
    kg("build", str(tmp_path / "a.jsonl"), "--out", str(out), "--fresh")
    assert len([n for n, d in stored(out)["nodes"] if d["label"] == "Paper"]) == 5


def test_out_that_is_a_file_fails_before_extraction(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    p = kg("build", str(SEEDS[0]), "--out", str(target), check=False)
    assert p.returncode != 0 and "is a file, not a graph directory" in p.stderr and "Errno" not in p.stderr
    assert "read " not in p.stderr  # nothing was read or extracted first


def test_full_disk_leaves_no_temporary_file_and_the_graph_unchanged(tmp_path):
    """A real write error from the kernel: the file-size limit (EFBIG) stands in
    for a full disk (ENOSPC); both reach save_graph as the same OSError."""
    out = tmp_path / "g"
    kg("build", str(write_jsonl(tmp_path / "a.jsonl", arxiv_records(5))), "--out", str(out))
    before = (out / "graph.json.gz").read_bytes()
    limit = len(before) + 2048
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
            "from kg.cli import main; main()")  # fmt: skip
    p = subprocess.run([sys.executable, "-c", code, "build", str(write_jsonl(tmp_path / "b.jsonl", arxiv_records(300))),
                        "--out", str(out)], capture_output=True, text=True, timeout=900)  # fmt: skip
    assert p.returncode != 0 and "graph there is unchanged" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr
    assert (out / "graph.json.gz").read_bytes() == before
    assert not list(out.glob("*.tmp"))


def test_spacy_finds_the_component_without_importing_extractors():
    code = "import spacy; nlp = spacy.blank('en'); nlp.add_pipe('kg_entity_rules'); print(nlp.pipe_names)"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": ""})  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "kg_entity_rules" in p.stdout


# -- every reader through the Bolt store, read back from the server in a new process
BOLT_DUMP = r"""
import json, os, sys
from kg.stores import open_store
s = open_store("neo4j", uri=os.environ["KG_TEST_BOLT_URI"], user=os.environ.get("KG_TEST_BOLT_USER", "falkordb"),
               password=os.environ.get("KG_TEST_BOLT_PASSWORD", ""))
g = s.read()
s.close()
json.dump({"counts": {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()},
           "props": sorted([n, {k: v for k, v in sorted(d.items()) if k in ("label", "key", "title", "name", "aliases")}]
                           for n, d in g.nodes(data=True))}, sys.stdout, default=str)
"""


@pytest.mark.bolt
@pytest.mark.slow
@pytest.mark.parametrize("reader", ["semantic_scholar", "specter", "bibtex", "jsonl"])
def test_readers_round_trip_through_bolt(reader, tmp_path):
    uri = os.environ.get("KG_TEST_BOLT_URI")
    if not uri:
        if os.environ.get("CI"):
            pytest.fail("CI must run the Bolt tests (KG_TEST_BOLT_URI unset)")
        pytest.skip("no Bolt server (scripts/test.sh starts one)")
    from kg.stores import open_store

    store = open_store("neo4j", uri=uri, user=os.environ.get("KG_TEST_BOLT_USER", "falkordb"),
                       password=os.environ.get("KG_TEST_BOLT_PASSWORD", ""))  # fmt: skip
    store.clear()
    store.close()
    source = READERS[reader](tmp_path)
    kg("build", str(source), "--out", str(tmp_path / "g"))
    env = {**os.environ, "NEO4J_PASSWORD": os.environ.get("KG_TEST_BOLT_PASSWORD", "")}
    kg("load", str(tmp_path / "g"), "--neo4j", uri, "--user", os.environ.get("KG_TEST_BOLT_USER", "falkordb"), env=env)
    p = subprocess.run([sys.executable, "-c", BOLT_DUMP], capture_output=True, text=True, timeout=600, env=env)
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)
    want = stored(tmp_path / "g")
    assert got["counts"] == {"nodes": len(want["nodes"]), "edges": len(want["edges"])}
    keep = ("label", "key", "title", "name", "aliases")
    assert got["props"] == sorted([n, {k: v for k, v in sorted(d.items()) if k in keep}] for n, d in want["nodes"])
