"""The rule extractor (the trained pipeline's candidates) on short real-world sentences: acronyms,
lists, metrics, proposals, canonical names, and the spaCy component."""

from __future__ import annotations

import pytest
import spacy

from extractors import canonical_name, document_text, get_extractor, same_entity


@pytest.fixture(scope="module")
def ex():
    return get_extractor("rules")


def _by_name(ents):
    return {e.name: e for e in ents}


def test_short_form_first_acronym_is_one_entity(ex):
    ents = _by_name(ex.extract("", "We propose SoKA (SVD on Kronecker Adaptation), a novel PEFT strategy. SoKA is fast."))
    soka = ents["SVD on Kronecker Adaptation"]
    assert soka.aliases == ["SoKA"] and soka.proposed and soka.type == "Method"
    assert len(soka.mentions) == 3


def test_acronym_letters_from_one_word_are_no_definition(ex):
    ents = ex.extract("", "We combine multiple AAC datasets (AC, CL, MACS, WavCaps) for training.")
    names = {(e.type, e.name) for e in ents}
    assert ("Dataset", "AAC datasets") not in names
    assert {("Dataset", "MACS"), ("Dataset", "WavCaps")} <= names


def test_list_next_to_a_typing_noun(ex):
    ents = _by_name(ex.extract("", "Recent models such as HyKnow and SeKnow fail. We outperform prior work on both "
                                   "MVTec-3D AD and Eyecandies datasets."))
    assert ents["HyKnow"].type == ents["SeKnow"].type == "Model"
    assert ents["MVTec-3D AD"].type == ents["Eyecandies"].type == "Dataset"
    assert not any(e.proposed for e in ents.values())


def test_metrics_after_numbers_and_at_cutoffs(ex):
    ents = _by_name(ex.extract("", "It reaches 97.1% I-AUROC and improves RP@10 and F1 scores by 3 points."))
    assert ents["I-AUROC"].type == "Metric" and ents["RP@10"].type == "Metric"
    assert ents["F1 scores"].aliases == ["F1"]


def test_names_the_text_gives(ex):
    ents = _by_name(ex.extract(
        "State Tuning: State-based Test-Time Scaling",
        "We introduce a novel state-based approach, which we term state tuning, to test-time scaling. "
        "We also present BarNet, a new model, and FooBench, a new benchmark of 500 tasks.",
    ))
    assert ents["State Tuning"].proposed
    assert (ents["BarNet"].type, ents["BarNet"].proposed) == ("Model", True)
    assert (ents["FooBench"].type, ents["FooBench"].proposed) == ("Dataset", True)


def test_someone_elses_name_is_not_proposed(ex):
    ents = _by_name(ex.extract("", "We propose a method that outperforms GraphFoo and LoRA on GLUE."))
    assert not ents["GraphFoo"].proposed and not ents["LoRA"].proposed


def test_title_subtitle_types_the_coined_name(ex):
    assert ex.extract("CliCR: A Dataset of Clinical Case Reports", "")[0].type == "Dataset"
    assert ex.extract("AnyVoice: A Unified Generative Model for Speech", "")[0].type == "Model"
    assert ex.extract("Fragile Mastery: Are Trade-Offs Undermining Models?", "Nothing named here.") == []


def test_versions_sizes_and_paradigm_modifiers(ex):
    ents = _by_name(ex.extract("", "We compare GPT 3.5, Gemma 2 and Mistral-7B-Instruct using zero-shot transfer "
                                   "learning on SQuAD 2.0 and Natural Instructions V2."))
    for name, etype in [("GPT 3.5", "Model"), ("Gemma 2", "Model"), ("Mistral-7B-Instruct", "Model"),
                        ("zero-shot transfer learning", "Method"), ("SQuAD 2.0", "Dataset"),
                        ("Natural Instructions V2", "Dataset")]:  # fmt: skip
        assert ents[name].type == etype, name


def test_common_words_are_not_names(ex):
    ents = ex.extract("", "Agents react to the weather; we rest and star the repo, then zero in on traffic.")
    assert ents == []


@pytest.mark.parametrize(
    ("forms", "expected"),
    [(["cifar100", "CIFAR100"], "CIFAR-100"), (["LLaMA 3.1 8B", "Llama-3.1-8B", "Llama-3.1-8B"], "Llama-3.1-8B"),
     (["imagenet"], "ImageNet"), (["FooNet", "FooNets", "FooNet"], "FooNet")],
)  # fmt: skip
def test_canonical_name(forms, expected):
    assert canonical_name(forms) == expected


def test_same_entity():
    assert same_entity("Llama-3.1-8B", "LLaMA 3.1 8B") and same_entity("CIFAR100", "CIFAR-100")
    assert not same_entity("GPT-4", "GPT-4o") and not same_entity("", "")


def test_component_in_a_users_pipeline():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("kg_entity_rules")
    doc = nlp(document_text("LoRA: Low-Rank Adaptation", "We fine-tune BERT on GLUE."))
    assert {e.name for e in doc._.kg_entities} >= {"LoRA", "BERT", "GLUE"}


def test_pipe_keeps_input_order_across_processes(ex):
    docs = [("", f"We evaluate on ImageNet with ResNet-{n}.") for n in (18, 34, 50, 101, 152)] * 4
    single = [[e.name for e in ents] for ents in ex.pipe(docs)]
    double = [[e.name for e in ents] for ents in ex.pipe(docs, n_process=2, batch_size=3)]
    assert single == double
    assert [d for d in single[:5]] == [["ImageNet", f"ResNet-{n}"] for n in (18, 34, 50, 101, 152)]
