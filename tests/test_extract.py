"""The rule extractor on the shared gold set (the floors it was tuned to), and
the default (trained) extractor on hostile text."""

from __future__ import annotations

import importlib.util
import json

import pytest
from conftest import ROOT, SHARED

from extractors import canonical_key, document_text, get_extractor
from extractors.rules import MAX_CHARS
from extractors.scoring import evaluate, load, score

DEV = SHARED / "eval" / "dev.jsonl"


@pytest.fixture(scope="module")
def ex():
    return get_extractor()


@pytest.fixture(scope="module")
def rules():
    return get_extractor("rules")


@pytest.fixture(scope="module")
def dev_scores():
    return evaluate(DEV, extractor="rules")


def test_scoring_matches_the_shared_scorer(dev_scores, tmp_path):
    spec = importlib.util.spec_from_file_location("shared_score", SHARED / "eval" / "score.py")
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    from extractors.scoring import predict

    pred = predict(DEV, "rules")
    path = tmp_path / "pred.jsonl"
    path.write_text("".join(json.dumps({"id": k, "entities": v}) + "\n" for k, v in pred.items()))
    assert shared.score(shared.load(DEV), shared.load(path)) == score(load(DEV), load(path))


def test_dev_quality_meets_the_issue_targets(dev_scores):
    # Issue 3's floors, for the rules: they were tuned on dev. The trained default is measured on the
    # corpus instead (tests/test_trained.py). Mission micro F1 >= 0.75, each mission type >= 0.60,
    # Task >= 0.50, proposed >= 0.75.
    scores, _ = dev_scores
    assert scores["mission"]["f1"] >= 0.75
    for t in ("Method", "Model", "Dataset", "Metric"):
        assert scores[t]["f1"] >= 0.6, t
    assert scores["Task"]["f1"] >= 0.5
    assert scores["proposed"]["f1"] >= 0.75


@pytest.mark.parametrize("name", ["seeds_a", "seeds_b"])
def test_held_out_annotations_stay_close_to_dev(name):
    # Guideline-following annotations of non-dev seed abstracts (docs/quality.md): floors a little
    # under the measured figures, so a rule that only helps dev shows up as a gap here.
    path = ROOT / "training" / "annotations" / f"{name}.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not written yet")
    scores, _ = evaluate(path, extractor="rules")
    assert scores["mission"]["f1"] >= 0.65
    assert scores["proposed"]["f1"] >= 0.7


def test_offsets_and_sentences_are_exact(ex):
    for line in DEV.read_text().splitlines()[:15]:
        d = json.loads(line)
        text = document_text(d["title"], d["abstract"])
        for e in ex.extract(d["title"], d["abstract"]):
            assert e.name in text and all(a in text for a in e.aliases)
            for m in e.mentions:
                assert text[m.start : m.end] == m.text
                assert m.text in m.sentence and m.sentence in text
                assert "\n" not in m.sentence or m.start > len(d["title"])  # the title is a sentence of its own


def test_acronym_and_long_form_are_one_entity(rules):
    ents = rules.extract(
        "Disposable Transfer Learning for Selective Source Task Unlearning",
        "We propose a novel loss named Gradient Collision loss (GC loss). GC loss selectively unlearns. "
        "It is measured by piggyback learning accuracy (PL accuracy).",
    )
    by_name = {e.name: e for e in ents}
    gc = by_name["Gradient Collision loss"]
    assert gc.type == "Method" and gc.aliases == ["GC loss"] and gc.proposed and len(gc.mentions) == 3
    assert by_name["piggyback learning accuracy"].type == "Metric"


def test_proposed_from_title_and_cue(rules):
    ents = rules.extract("ZIP-FIT: Embedding-Free Data Selection", "We introduce CodePlan, a framework. We use GPT-4.")
    flags = {e.name: (e.type, e.proposed) for e in ents}
    assert flags["ZIP-FIT"] == ("Method", True)
    assert flags["CodePlan"] == ("Method", True)
    assert flags["GPT-4"] == ("Model", False)
    assert rules.extract("WildBench: Benchmarking LLMs with Challenging Tasks", "")[0].type == "Dataset"


def test_models_keep_versions_and_sizes(rules):
    ents = rules.extract("", "We fine-tune Llama-3.1-8B and Llama-3.2-3B, Qwen2.5-7B-Instruct, GPT-4o and GPT-4.")
    assert {e.name for e in ents if e.type == "Model"} == {
        "Llama-3.1-8B", "Llama-3.2-3B", "Qwen2.5-7B-Instruct", "GPT-4o", "GPT-4"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("Llama-3.1-8B", "LLaMA 3.1 8B", True), ("CIFAR100", "CIFAR-100", True), ("accuracy", "Accuracy", True),
     ("Transformers", "Transformer", True), ("GPT-4", "GPT-4o", False), ("ResNet-50", "ResNet-101", False)],
)  # fmt: skip
def test_canonical_keys(a, b, same):
    assert (canonical_key(a) == canonical_key(b)) is same


HOSTILE = {
    "empty": ("", ""),
    "latex": ("On $\\mathcal{O}(n \\log n)$ bounds", "We show $\\frac{a}{b}$ \\cite{x} \\textbf{LoRA} 95\\% on \\emph{MMLU}."),
    "brackets": ("((( [[[ {{{", "An (unbalanced [bracket { here (GC loss (( and BERT ) ) ] } ((((("),
    "emoji": ("🚀 GPT-4 🤖", "We use 😀 BERT 👍🏽 on ImageNet 🇫🇷 and 中文 数据集 with accuracy."),
    "control": ("Ti\x00tle\x07", "Abs\x1btract \x0b with\x0c BERT\u200b and \ufeff ImageNet\r\n."),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_text_neither_crashes_nor_hangs(ex, case):
    title, abstract = HOSTILE[case]
    text = document_text(title, abstract)
    for e in ex.extract(title, abstract):
        assert all(text[m.start : m.end] == m.text for m in e.mentions)


def test_five_megabyte_abstract_is_bounded(ex):
    abstract = ("We propose FooNet (FN), evaluated on ImageNet with accuracy. " * 90_000)[:5_000_000]
    ents = ex.extract("A huge abstract", abstract)
    assert any(e.name == "ImageNet" for e in ents)
    # the text is cut at MAX_CHARS, so no mention lies beyond it
    assert max(m.end for e in ents for m in e.mentions) <= MAX_CHARS
