"""The build in stages (issue 17): extraction shards under the graph
directory, resumed after a SIGKILL, and extraction on a Dask LocalCluster
giving the graph a single process gives. Every check reads the directory
back in a new process (``kg stats`` / ``kg query``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))
SAMPLE = ROOT.parent / "shared" / "data" / "arxiv_ml_abstracts_2025_2026" / "ml_abstracts_5k_sample.jsonl"
# the rule extractor: these tests are about the stages, not the model, and it is fast
ENV = {**os.environ, "KG_EXTRACTOR": "rules"}


def kg(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, timeout=900,
                       env=env or ENV, cwd=ROOT)  # fmt: skip
    if check:
        assert p.returncode == 0, p.stderr
    return p


def stats(d: Path) -> dict:
    return json.loads(kg("stats", "--graph", str(d), "--json").stdout)


def shard_files(d: Path) -> list[Path]:
    return sorted((d / "shards").glob("*/*.jsonl.gz"))


@pytest.mark.slow
def test_a_killed_build_resumes_from_its_shards_and_ends_as_an_uninterrupted_one(tmp_path):
    env = {**ENV, "KG_CHUNK_SIZE": "250"}
    whole = tmp_path / "whole"
    kg("build", str(SAMPLE), "--out", str(whole), env=env)
    chunks = len(shard_files(whole))
    assert chunks >= 10

    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "build", str(SAMPLE), "--out", str(killed)],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while len(shard_files(killed)) < 2 and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, "the build ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    done = len(shard_files(killed))
    assert 2 <= done < chunks and not (killed / "graph.json.gz").exists()

    rerun = json.loads(kg("build", str(SAMPLE), "--out", str(killed), "--json", env=env).stdout)
    assert rerun["directory"]["chunks"] == chunks
    assert rerun["directory"]["chunks_extracted"] == chunks - done  # the finished shards were skipped
    assert not list(killed.rglob("*.tmp"))
    assert stats(killed) == stats(whole)
    q = "MATCH (p:Paper)-[r]->(e) RETURN type(r) AS t, count(DISTINCT e) AS n ORDER BY t"
    assert kg("query", "--graph", str(killed), "--json", q).stdout == kg("query", "--graph", str(whole), "--json", q).stdout


@pytest.mark.slow
def test_a_local_dask_cluster_builds_the_graph_one_process_builds(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    env = {**ENV, "KG_CHUNK_SIZE": "100"}
    kg("build", *map(str, SEEDS), "--out", str(one), env=env)
    out = json.loads(kg("build", *map(str, SEEDS), "--out", str(two), "--workers", "2", "--json", env=env).stdout)
    assert out["directory"]["chunks_extracted"] == out["directory"]["chunks"] >= 4
    assert stats(two) == stats(one)
    q = ("MATCH (p:Paper)-[r]->(e) RETURN p.key AS p, type(r) AS t, labels(e)[0] AS l, e.key AS e, r.confidence AS c "
         "ORDER BY p, t, l, e")  # fmt: skip
    assert kg("query", "--graph", str(two), "--json", q).stdout == kg("query", "--graph", str(one), "--json", q).stdout


@pytest.mark.slow
def test_the_streamed_csv_on_a_local_dask_cluster_is_the_single_process_csv(tmp_path):
    """--backend csv --workers 2: extraction and the CSV passes on one
    LocalCluster; every file as one process writes it, byte for byte."""
    env = {**ENV, "KG_CHUNK_SIZE": "100"}
    one, two = tmp_path / "one", tmp_path / "two"
    kg("build", *map(str, SEEDS), "--out", str(one), "--backend", "csv", env=env)
    kg("build", *map(str, SEEDS), "--out", str(two), "--backend", "csv", "--workers", "2", env=env)
    files = sorted(p.name for p in (one / "neo4j-import").iterdir())
    assert "nodes_Paper.csv" in files and files == sorted(p.name for p in (two / "neo4j-import").iterdir())
    for name in files:
        assert (two / "neo4j-import" / name).read_bytes() == (one / "neo4j-import" / name).read_bytes(), name


def test_an_unreachable_scheduler_is_one_clear_line(tmp_path):
    p = kg("build", str(SEEDS[0]), "--out", str(tmp_path / "g"), "--scheduler", "tcp://127.0.0.1:9", check=False)
    assert p.returncode != 0 and "no Dask scheduler answers at tcp://127.0.0.1:9" in p.stderr
    assert "Traceback" not in p.stderr


def test_stored_papers_read_back_in_a_new_process_as_they_were_read(tmp_path):
    """papers.jsonl.gz keeps every field, references and their sources included."""
    out = tmp_path / "g"
    kg("build", *map(str, SEEDS), str(ROOT / "tests" / "data"), "--out", str(out), check=False)
    code = ("import json, sys; from dataclasses import asdict; from pathlib import Path; "
            "from kg.shards import load_papers; "
            "print(json.dumps([asdict(p) for p in load_papers(Path(sys.argv[1]))], default=str))")  # fmt: skip
    p = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    from dataclasses import asdict

    from kg.readers import read_papers

    papers, _ = read_papers([*SEEDS, ROOT / "tests" / "data"])
    assert json.loads(p.stdout) == json.loads(json.dumps([asdict(x) for x in papers], default=str))
    assert any(x.references for x in papers)


def test_a_build_with_no_inputs_lays_out_the_stored_papers_again(tmp_path):
    out = tmp_path / "g"
    kg("build", *map(str, SEEDS), "--out", str(out))
    before = stats(out)
    again = json.loads(kg("build", "--out", str(out), "--json").stdout)
    assert again["directory"]["chunks_extracted"] == 0 and stats(out) == before
    # another extraction setting is another fingerprint: extraction runs again, the papers are the stored ones
    cut = json.loads(kg("build", "--out", str(out), "--min-confidence", "0.9", "--json").stdout)
    assert cut["directory"]["chunks_extracted"] == cut["directory"]["chunks"]
    assert stats(out)["nodes"]["Paper"] == before["nodes"]["Paper"]
    assert len(list((out / "shards").iterdir())) == 2
    p = kg("build", "--out", str(tmp_path / "empty"), check=False)
    assert p.returncode != 0 and "holds no stored papers" in p.stderr


def test_the_streaming_csv_build_merges_papers_and_counts_as_the_embedded_build(tmp_path):
    """--backend csv merges the records on disk (hashed identifiers, two
    passes) and writes neo4j-admin CSV from the shards: the same papers, and
    the same counts, as the in-memory build of the same inputs; a second
    CSV build into the directory adds to it as the embedded store does."""
    inputs = [*map(str, SEEDS), str(ROOT / "tests" / "data")]
    emb, csv = tmp_path / "emb", tmp_path / "csv"
    kg("build", *inputs, "--out", str(emb), check=False)
    out = json.loads(kg("build", *inputs[:3], "--out", str(csv), "--backend", "csv", "--json", check=False).stdout)
    assert out["directory"]["chunks_extracted"] == out["directory"]["chunks"]
    out = json.loads(kg("build", *inputs[3:], "--out", str(csv), "--backend", "csv", "--json", check=False).stdout)
    code = ("import json, sys; from dataclasses import asdict; from pathlib import Path; "
            "from kg.shards import load_papers; "
            "print(json.dumps([asdict(p) for p in load_papers(Path(sys.argv[1]))], default=str))")  # fmt: skip

    def papers(d: Path) -> list:
        p = subprocess.run([sys.executable, "-c", code, str(d)], capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)

    assert papers(csv) == papers(emb)
    written = {}
    for f in sorted((csv / "neo4j-import").glob("*.csv")):
        kind, name = f.stem.split(".")[0].split("_", 1)
        with f.open(encoding="utf-8") as fh:
            rows = sum(1 for _ in __import__("csv").reader(fh)) - 1
        written.setdefault("nodes" if kind == "nodes" else "edges", {}).setdefault(name, 0)
        written["nodes" if kind == "nodes" else "edges"][name] += rows
    assert written == stats(emb) == out["store"]


def test_a_damaged_shard_is_extracted_again(tmp_path):
    out = tmp_path / "g"
    env = {**ENV, "KG_CHUNK_SIZE": "100"}
    kg("build", *map(str, SEEDS), "--out", str(out), env=env)
    before = stats(out)
    shard = shard_files(out)[1]
    shard.write_bytes(shard.read_bytes()[:200])  # cut short, as a failing disk might leave it
    p = kg("build", "--out", str(out), "--json", env=env)
    assert json.loads(p.stdout)["directory"]["chunks_extracted"] == 1
    said = " ".join(p.stderr.split())  # the log wraps long lines
    assert "damaged extraction shard" in said and "extracted again" in said and shard.name in "".join(p.stderr.split())
    assert stats(out) == before


def test_a_graph_too_big_for_memory_is_refused_before_extraction_with_the_way_out(tmp_path):
    env = {**ENV, "KG_BYTES_PER_PAPER": str(10**12)}  # as if each paper took a terabyte
    p = kg("build", *map(str, SEEDS), "--out", str(tmp_path / "g"), env=env, check=False)
    said = " ".join(p.stderr.split())
    assert p.returncode != 0 and "need about" in said and "--backend csv" in said and "Traceback" not in said
    assert not (tmp_path / "g" / "shards").exists() and not (tmp_path / "g" / "papers.jsonl.gz").exists()
    out = json.loads(kg("build", *map(str, SEEDS), "--out", str(tmp_path / "c"), "--backend", "csv", "--json",
                        env=env).stdout)  # fmt: skip
    assert out["store"]["nodes"]["Paper"] >= 397
