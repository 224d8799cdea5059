"""The trained default pipeline: its shape, what it decides on real text, its
confidence, and that the README's training command rebuilds it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT, SEEDS

from extractors import document_text, get_extractor

PIPELINE = ROOT / "extractors" / "pipeline"


@pytest.fixture(scope="module")
def ex():
    return get_extractor()


def test_default_is_the_shipped_pipeline_within_its_size(ex):
    assert ex.name == "trained"
    assert ex.nlp.pipe_names == ["kg_entity_rules", "kg_abbreviations", "tok2vec", "ner", "kg_entities", "kg_proposals"]
    size = sum(p.stat().st_size for p in PIPELINE.rglob("*") if p.is_file())
    assert size <= 30 * 2**20


def test_the_pipeline_loads_in_a_fresh_interpreter_through_entry_points():
    # spacy.load finds kg's factories through the spacy_factories entry points, without importing extractors first.
    code = (
        "import spacy, sys; nlp = spacy.load(sys.argv[1]); "
        "doc = nlp('LoRA\\nWe propose Low-Rank Adaptation (LoRA) and evaluate on ImageNet.'); "
        "print(sorted(nlp.pipe_names)); print(len(doc._.kg_entities))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(PIPELINE)], capture_output=True, text=True, check=True)
    assert "'kg_entities'" in out.stdout and int(out.stdout.split()[-1]) >= 1


@pytest.mark.parametrize(
    ("sentence", "long", "short"),
    [("We propose Low-Rank Adaptation (LoRA) for efficient tuning. LoRA freezes the weights.", "Low-Rank Adaptation", "LoRA"),
     ("We study Chain-of-Thought (CoT) prompting. CoT helps reasoning.", "Chain-of-Thought", "CoT"),
     ("Models are trained with supervised fine-tuning (SFT) and then RL. SFT is cheap.", "supervised fine-tuning", "SFT")],
)  # fmt: skip
def test_acronym_and_long_form_are_one_entity(ex, sentence, long, short):
    ents = ex.extract("", sentence)
    holding = [e for e in ents if short in (e.name, *e.aliases) or long in (e.name, *e.aliases)]
    assert len(holding) == 1, [(e.name, e.aliases) for e in ents]
    assert {long, short} <= {holding[0].name, *holding[0].aliases}


def test_a_proposed_acronym_is_proposed(ex):
    ents = ex.extract("", "We propose Low-Rank Adaptation (LoRA), which freezes the pretrained weights. "
                          "LoRA matches full fine-tuning on GLUE.")  # fmt: skip
    lora = next(e for e in ents if "LoRA" in (e.name, *e.aliases))
    assert lora.proposed and lora.name == "Low-Rank Adaptation"
    assert all(not e.proposed for e in ents if e is not lora)


def test_confidence_is_a_probability_and_mentions_are_exact(ex):
    title, abstract = "A Title: With a Subtitle", "We fine-tune BERT on SQuAD and report F1 and exact match (EM)."
    text = document_text(title, abstract)
    ents = ex.extract(title, abstract)
    assert ents
    for e in ents:
        assert 0.0 <= e.confidence <= 1.0 and e.extractor == "trained"
        assert e.mentions and all(text[m.start : m.end] == m.text and m.text in m.sentence for m in e.mentions)


def test_min_confidence_filters_what_is_written(tmp_path):
    # kg extract at two thresholds, each read back from its file: the strict one is the loose one's confident
    # part. The two runs hash strings differently, so this also shows the extraction does not depend on hash order.
    runs = {}
    for p, hash_seed in (("0", "1"), ("0.8", "2")):
        out = tmp_path / f"x{p}.jsonl"
        subprocess.run([sys.executable, "-m", "kg.cli", "extract", str(SEEDS[0]), "-o", str(out), "--min-confidence", p],
                       check=True, capture_output=True, cwd=ROOT, env=dict(os.environ, PYTHONHASHSEED=hash_seed))  # fmt: skip
        runs[p] = [json.loads(line) for line in out.read_text().splitlines()]
    loose = {(r["id"], e["type"], e["name"]): e["confidence"] for r in runs["0"] for e in r["entities"]}
    strict = {(r["id"], e["type"], e["name"]) for r in runs["0.8"] for e in r["entities"]}
    assert strict and strict < set(loose)
    assert strict == {k for k, c in loose.items() if c >= 0.8}


@pytest.mark.slow
def test_the_training_command_rebuilds_a_working_pipeline(tmp_path):
    # The README's command on a slice (CI): vectors, tagger, fitted models, written and loaded again.
    out = tmp_path / "pipeline"
    env = dict(os.environ, PYTHONHASHSEED="0")
    subprocess.run([sys.executable, "-m", "training.ner.train", "--out", str(out), "--limit", "30", "--max-steps", "60"],
                   check=True, capture_output=True, cwd=ROOT, env=env)  # fmt: skip
    for part in ("config.cfg", "ner", "tok2vec", "kg_entities/model.json", "kg_proposals/model.json"):
        assert (out / part).exists(), part
    code = ("import sys; from extractors.trained import TrainedExtractor; "
            "print(len(TrainedExtractor(sys.argv[1]).extract('BERT', 'We evaluate BERT on ImageNet with accuracy.')))")  # fmt: skip
    res = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, check=True, cwd=ROOT)
    assert int(res.stdout.strip()) >= 1


def test_paper_level_relations_come_from_the_learned_model(ex):
    from extractors import read_relations

    title, abstract = "FooNet: Fast Detection", "We propose FooNet. We fine-tune BERT and evaluate on ImageNet with accuracy."
    ents = ex.extract(title, abstract)
    rels, _ = read_relations(title, abstract, ents)
    paper = [r for r in rels if r.head is None]
    assert len(paper) == len(ents) and all(r.rule == "learned" and 0 <= r.confidence <= 1 for r in paper)
    by_tail = {r.tail: r.type for r in paper}
    assert by_tail.get("ImageNet") == "EVALUATES_ON" and by_tail.get("FooNet") == "PROPOSES"
    rules_only, _ = read_relations(title, abstract, ents, learned=False)
    assert all(r.rule != "learned" for r in rules_only)
