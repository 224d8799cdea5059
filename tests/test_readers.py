"""Readers on the real seed listings and the arXiv sample, and on bad input."""

from __future__ import annotations

import json

from conftest import ARXIV_5K, SEEDS

from kg.readers import read_papers, reader_for
from kg.records import ReadReport
from kg.schema import paper_key


def test_seed_listings_hold_397_distinct_papers(seed_papers):
    papers, report = seed_papers
    assert len(papers) == 397
    assert report.papers_read == len(papers) + report.duplicates
    assert report.skipped == []
    titles = {p.title for p in papers}
    # page furniture is never a paper, and a title glued to "Subscribe" is cleaned
    assert not any(t.lower() in {"subscribe", "new", "daily papers", "byak and the research community"} for t in titles)
    assert "Disposable Transfer Learning for Selective Source Task Unlearning" in titles
    assert not any(t.startswith("Subscribe") for t in titles)
    assert all(len(p.abstract) > 100 for p in papers)


def test_same_paper_in_two_listings_is_one_paper(seed_papers):
    papers, _ = seed_papers
    ids = [p.id for p in papers]
    assert len(ids) == len(set(ids))
    editing = [p for p in papers if p.title == "Editing Models with Task Arithmetic"]
    assert len(editing) == 1
    assert len(editing[0].sources) >= 2  # read from several files, kept once


def test_listing_reader_is_chosen_for_txt():
    assert reader_for(SEEDS[0]).name == "hf-listing"


def test_arxiv_jsonl_keeps_ids_and_metadata():
    papers, report = read_papers([ARXIV_5K])
    assert len(papers) == 5000 and not report.skipped
    p = papers[0]
    assert p.id == f"arxiv:{p.arxiv_id}"
    assert p.year and p.authors and "\n" not in p.abstract


def test_input_id_is_kept_as_is(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text(json.dumps({"id": "my-42", "title": "A Title", "abstract": "Text."}) + "\n")
    papers, _ = read_papers([f])
    assert papers[0].id == "my-42"


def test_stable_ids_without_input_id():
    assert paper_key(doi="https://doi.org/10.1000/XYZ") == "doi:10.1000/xyz"
    assert paper_key(arxiv_id="arXiv:2401.01234v3") == "arxiv:2401.01234"
    assert paper_key(title="Attention Is All You Need") == paper_key(title="attention is all you need!")


def test_bad_jsonl_lines_are_reported_with_line_numbers(tmp_path):
    f = tmp_path / "bad.jsonl"
    good = {"title": "Good Paper", "abstract": "We propose X."}
    f.write_bytes(
        (json.dumps(good) + "\n{not json\n" + json.dumps({"abstract": "no title"}) + "\n[1, 2]\n\n").encode()
        + b'{"title": "Latin-1 \xe9t\xe9", "abstract": "bytes"}\n'
    )
    papers, report = read_papers([f])
    assert [p.title for p in papers] == ["Good Paper", "Latin-1 \ufffdt\ufffd"]
    lines = {s.line: s.reason for s in report.skipped}
    assert set(lines) == {2, 3, 4}
    assert lines[2].startswith("malformed JSON")
    assert lines[3] == "missing title"
    assert all(s.path == str(f) for s in report.skipped)


def test_missing_empty_and_directory_inputs(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    d = tmp_path / "dir"
    d.mkdir()
    report = ReadReport()
    papers, report = read_papers([tmp_path / "nope.txt", empty, d, SEEDS[0]], report=report)
    assert len(papers) > 50  # the good file is still read
    reasons = [s.reason for s in report.skipped]
    assert "file does not exist" in reasons and "empty directory" in reasons
    assert report.files[str(empty)] == 0 and "empty file" in reasons


def test_csv_reader_and_odd_unicode(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text(
        'title,abstract,doi,authors\n'
        '"Zero\u200b-width, \u00e9t\u00e9 \U0001F600","Abstract with a\x07 bell and ""quotes"".",10.1/ABC,A. One; B. Two\n'
        ',"no title here",,\n',
        encoding="utf-8",
    )
    papers, report = read_papers([f])
    assert len(papers) == 1
    p = papers[0]
    assert p.id == "doi:10.1/abc" and p.authors == ["A. One", "B. Two"]
    assert "\x07" not in p.abstract and "\U0001F600" in p.title
    assert [s.reason for s in report.skipped] == ["missing title"]


def test_listing_with_orphan_lines(tmp_path):
    f = tmp_path / "listing.txt"
    abstract = "We study things. " * 20
    f.write_text(f"Subscribe\nJun 26\nA Title Without Abstract\nGood Title\n{abstract}\n{abstract}\n")
    papers, report = read_papers([f])
    assert [p.title for p in papers] == ["Good Title"]
    assert sorted(s.line for s in report.skipped) == [3, 6]
