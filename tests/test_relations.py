"""Relations and results read from abstracts: number forms, relative against
absolute, what is not a result, entity-level relations, paper-level relations,
and the scores on the annotated gold sets (training/relations)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from extractors import Entity, Relation, Result, get_extractor, read_relations

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "training" / "relations"


# These pin the rules (the cue patterns and the rule extractor's entities): the learned paper-level
# model and the trained tagger are measured on the corpus instead (tests/test_trained.py, docs/quality.md).
@pytest.fixture(scope="module")
def ex():
    return get_extractor("rules")


def _read(ex, title: str, abstract: str) -> tuple[list[Entity], list[Relation], list[Result]]:
    ents = next(iter(ex.pipe([(title, abstract)])))
    rels, results = read_relations(title, abstract, ents, learned=False)
    return ents, rels, results


def _one(results: list[Result], text: str) -> Result:
    found = [r for r in results if r.text == text]
    assert len(found) == 1, [(r.text, r.value) for r in results]
    return found[0]


# -- number forms ----------------------------------------------------------------------
def test_percentage_range_with_two_percent_signs(ex):
    _, _, res = _read(ex, "Soft Injection of Task Embeddings",
                      "In this work, we propose Soft Injection of task embeddings. Averaged across 57 tasks, our "
                      "method outperforms 10-shot ICL by 10.2%-14.3% across 12 LLMs.")  # fmt: skip
    r = _one(res, "10.2%-14.3%")
    assert (r.value, r.high, r.unit, r.relative) == (10.2, 14.3, "%", True)
    assert r.achieved_by == "Soft Injection"
    assert [x.text for x in res] == ["10.2%-14.3%"]  # not "10" of "10-shot", not "57" or "12"


def test_range_with_one_unit_and_multiple_range(ex):
    _, _, res = _read(ex, "Robust pruning", "We propose PAGCP, a pruning framework. PAGCP reduces inference latency by "
                                            "18-25% and achieves 1.2x to 3.3x acceleration on mobile platforms.")
    lat = _one(res, "18-25%")
    assert (lat.value, lat.high, lat.unit, lat.relative, lat.metric) == (18, 25, "%", True, "inference latency")
    acc = _one(res, "1.2x to 3.3x")
    assert (acc.value, acc.high, acc.unit, acc.relative, acc.metric) == (1.2, 3.3, "x", True, None)


def test_latex_sim_range_of_multiples(ex):
    _, _, res = _read(ex, "", "Experiments on several multitask datasets show that the proposed PAGCP achieves "
                              "1.2xsim3.3x acceleration on both cloud and mobile platforms.")
    r = _one(res, "1.2xsim3.3x")
    assert (r.value, r.high, r.unit, r.relative) == (1.2, 3.3, "x", True)


def test_plus_minus_is_one_absolute_result(ex):
    _, _, res = _read(ex, "", "On CIFAR-10, our ResNet-50 variant reaches an accuracy of 85.3 ± 0.4% after 100 "
                              "epochs.")
    r = _one(res, "85.3 ± 0.4%")
    assert (r.value, r.plus_minus, r.unit, r.relative) == (85.3, 0.4, "%", False)
    assert (r.metric, r.dataset) == ("accuracy", "CIFAR-10")
    assert len(res) == 1  # "100 epochs" is a setting


def test_fraction_tied_to_a_metric_is_a_bare_result(ex):
    _, rels, res = _read(ex, "", "We propose QANet, a model for question answering. QANet achieves an F1 of 0.89 on "
                                 "SQuAD, outperforming BERT.")  # fmt: skip
    f1 = _one(res, "0.89")
    assert (f1.value, f1.unit, f1.relative, f1.metric, f1.dataset, f1.achieved_by) == (
        0.89, "", False, "F1", "SQuAD", "QANet")  # fmt: skip
    assert ("OUTPERFORMS", "QANet", "BERT", "SQuAD") in {(r.type, r.head, r.tail, r.dataset) for r in rels}


def test_points_are_relative(ex):
    _, _, res = _read(ex, "", "We propose QANet, a reading model. On SQuAD, QANet outperforms BERT by 2.1 points.")
    pts = _one(res, "2.1 points")
    assert (pts.value, pts.unit, pts.relative, pts.metric, pts.dataset) == (2.1, "points", True, None, "SQuAD")


def test_multiples_written_three_ways(ex):
    _, _, res = _read(ex, "", "We introduce FastGen, a decoding method that generates text x2 faster than beam search "
                              "and 3.3 times faster than nucleus sampling, with a 2× reduction in memory.")
    assert [(r.text, r.value, r.unit, r.relative) for r in res] == [
        ("x2", 2.0, "x", True), ("3.3 times", 3.3, "x", True), ("2×", 2.0, "x", True)]  # fmt: skip
    assert all(r.achieved_by == "FastGen" for r in res)


def test_latex_percent_and_metric_points(ex):
    _, _, res = _read(ex, "Did You Read the Instructions?",
                      "We propose an automatic algorithm to compress task definitions, and find that 60\\% of tokens "
                      "can be removed while maintaining model performance. We achieve a 4.2 Rouge-L improvement over "
                      "119 unseen test tasks.")  # fmt: skip
    pct = _one(res, "60\\%")
    assert (pct.value, pct.unit, pct.relative) == (60, "%", True)  # removed: a reduction
    rouge = _one(res, "4.2")
    assert (rouge.unit, rouge.relative, rouge.metric) == ("", True, "Rouge-L")
    assert len(res) == 2  # not the 119 test tasks


def test_signed_number_with_metric(ex):
    _, _, res = _read(ex, "ProMoT", "We propose ProMoT, a two-stage fine-tuning framework. ProMoT improves the "
                                    "in-context ability to do summarization (+0.53 Rouge-2 score compared to the "
                                    "pretrained model).")  # fmt: skip
    r = _one(res, "+0.53")
    assert (r.value, r.unit, r.relative, r.metric, r.achieved_by) == (0.53, "", True, "Rouge-2", "ProMoT")


def test_percentage_points(ex):
    _, _, res = _read(ex, "", "Our approach, TaskMix, improves accuracy by 4.2 pp on MMLU and by 2.5 percentage "
                              "points on GSM8K.")
    pp = _one(res, "4.2 pp")
    assert (pp.value, pp.unit, pp.relative, pp.metric, pp.dataset) == (4.2, "pp", True, "accuracy", "MMLU")
    long = _one(res, "2.5 percentage points")
    assert (long.unit, long.dataset) == ("pp", "GSM8K")


# -- relative or absolute -----------------------------------------------------------------
def test_improvement_over_base_models_is_relative(ex):
    _, _, res = _read(ex, "", "Fine-tuning with our data yields more than 10% accuracy improvements over the base "
                              "models.")
    r = _one(res, "10%")
    assert (r.value, r.relative, r.metric) == (10, True, "accuracy")


def test_achieved_score_is_absolute_with_metric_and_dataset(ex):
    _, rels, res = _read(ex, "SwinFace: A Multi-task Transformer for Face Recognition",
                         "Especially, SwinFace achieves 90.97% accuracy on RAF-DB, which is state-of-the-art for "
                         "facial expression recognition.")  # fmt: skip
    r = _one(res, "90.97%")
    assert (r.value, r.relative, r.metric, r.dataset, r.achieved_by) == (90.97, False, "accuracy", "RAF-DB", "SwinFace")
    assert ("EVALUATES_ON", None, "RAF-DB") in {(x.type, x.head, x.tail) for x in rels}
    assert ("USED_FOR", "SwinFace", "Face Recognition") in {(x.type, x.head, x.tail) for x in rels}


def test_metric_phrase_that_is_no_entity_drops_the_number(ex):
    # "mean reciprocal rank" is not an entity here: reporting 32.3% with no metric would be wrong
    _, _, res = _read(ex, "", "HEF vastly surpasses the prior state-of-the-art by an average improvement of 46.7% in "
                              "accuracy and 32.3% in mean reciprocal rank.")  # fmt: skip
    assert [r.text for r in res] == ["46.7%"]
    assert res[0].metric == "accuracy" and res[0].relative


# -- not results ---------------------------------------------------------------------------------
def test_counts_sizes_years_and_names_are_not_results(ex):
    _, _, res = _read(ex, "", "We evaluate 7B and 13B models on 47 benchmarks with 200 experiments collected in 2023 "
                              "using Llama-3.1-8B, and release 10 demonstrations per task.")
    assert res == []


def test_training_share_is_a_setting_not_a_result(ex):
    _, rels, res = _read(ex, "", "Using only 10% of the labeled data, we train a ResNet-50 on ImageNet-1K.")
    assert res == []
    by_tail = {r.tail: r for r in rels if r.head is None}
    assert by_tail["ImageNet-1K"].type == "MENTIONS"  # trained on, not evaluated on
    assert ("TRAINED_ON", "ResNet-50", "ImageNet-1K") in {(r.type, r.head, r.tail) for r in rels}


def test_background_statistic_is_not_a_result(ex):
    _, _, res = _read(ex, "", "Abdominal aortic aneurysms may rupture, with a survival rate of only 20%.")
    assert res == []


# -- entity-level and paper-level relations ----------------------------------------------------------
def test_fine_tuned_on_and_evaluated_on(ex):
    _, rels, _ = _read(ex, "", "We fine-tune BERT on SQuAD and evaluate it on Natural Questions. Our model "
                               "outperforms RoBERTa on Natural Questions.")
    got = {(r.type, r.head, r.tail) for r in rels}
    assert ("FINE_TUNED_ON", "BERT", "SQuAD") in got
    assert ("MENTIONS", None, "SQuAD") in got  # only fine-tuned on
    assert ("EVALUATES_ON", None, "Natural Questions") in got
    assert ("COMPARES_WITH", None, "RoBERTa") in got


def test_outperforms_with_our_method_as_subject(ex):
    _, rels, _ = _read(ex, "Soft Injection of Task Embeddings",
                       "In this work, we propose Soft Injection of task embeddings. Our method outperforms 10-shot ICL "
                       "across 12 LLMs.")  # fmt: skip
    out = [r for r in rels if r.type == "OUTPERFORMS"]
    assert [(r.head, r.tail) for r in out] == [("Soft Injection", "ICL")]


def test_benchmark_for_from_title_and_from_such_as(ex):
    _, rels, _ = _read(ex, "GUIDE: A Guideline-Guided Dataset for Instructional Video Comprehension",
                       "We evaluate plenty of foundation models with GUIDE. Question answering benchmarks such as "
                       "SQuAD and TriviaQA are saturated.")  # fmt: skip
    got = {(r.type, r.head, r.tail) for r in rels}
    assert ("BENCHMARK_FOR", "GUIDE", "Instructional Video Comprehension") in got
    assert ("BENCHMARK_FOR", "SQuAD", "Question answering") in got
    assert ("BENCHMARK_FOR", "TriviaQA", "Question answering") in got
    assert ("PROPOSES", None, "GUIDE") in got


def test_used_for_and_exactly_one_paper_relation_per_entity(ex):
    ents, rels, _ = _read(ex, "", "We propose QANet, a model for question answering. QANet achieves an F1 of 0.89 on "
                                  "SQuAD, outperforming BERT.")  # fmt: skip
    paper = [r for r in rels if r.head is None]
    assert sorted((r.tail, r.tail_type) for r in paper) == sorted((e.name, e.type) for e in ents)
    kinds = {r.tail: r.type for r in paper}
    assert kinds == {"QANet": "PROPOSES", "question answering": "ADDRESSES", "F1": "MEASURES",
                     "SQuAD": "EVALUATES_ON", "BERT": "COMPARES_WITH"}  # fmt: skip
    assert ("USED_FOR", "QANet", "question answering") in {(r.type, r.head, r.tail) for r in rels}
    for r in rels:
        assert r.evidence and r.rule and 0 < r.confidence <= 1


def test_offsets_point_at_the_number(ex):
    title, abstract = "Robust pruning", "PAGCP reduces inference latency by 18-25% on mobile platforms."
    _, _, res = _read(ex, title, abstract)
    doc = f"{title}\n{abstract}"
    assert [doc[r.start : r.end] for r in res] == [r.text for r in res] == ["18-25%"]


def test_no_entities_and_empty_text():
    assert read_relations("", "", []) == ([], [])
    rels, res = read_relations("A title", "Our method improves performance by 5% over the baseline.", [])
    assert rels == [] and [(r.value, r.relative, r.metric) for r in res] == [(5.0, True, None)]
    # with no Metric entity, a metric word leaves the number's metric unknown: no result
    assert read_relations("A title", "Accuracy improves by 5% over the baseline.", []) == ([], [])


# -- the gold sets --------------------------------------------------------------------------------
def _scores(path: Path) -> dict:
    sys.path.insert(0, str(GOLD))
    try:
        import score as scorer
    finally:
        sys.path.remove(str(GOLD))
    gold = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    preds, _ = scorer.predict(gold, "rules", learned=False)
    return scorer.score(gold, preds)


# gold_a was used to develop the rules; gold_b and gold_c were held out, then looked at: their floors sit
# about 0.05 under today's figures (B: results 0.677, EVALUATES_ON 0.727; C: 0.784, 0.889), so a regression
# shows. gold_d was drawn after the rules were fixed and scored once (0.857, 0.919): its floors are the
# issue's target, precision 0.8 for both (docs/quality.md#relations).
@pytest.mark.parametrize(
    ("name", "result_floor", "evaluates_floor"),
    [("gold_a.jsonl", 0.8, 0.8), ("gold_b.jsonl", 0.62, 0.67), ("gold_c.jsonl", 0.73, 0.83), ("gold_d.jsonl", 0.8, 0.8)],
)
def test_precision_on_gold_sets(name, result_floor, evaluates_floor):
    s = _scores(GOLD / name)
    assert s["results"]["precision"] >= result_floor, s["results"]
    assert s["EVALUATES_ON"]["precision"] >= evaluates_floor, s["EVALUATES_ON"]
    assert s["results"]["recall"] > 0.3 and s["EVALUATES_ON"]["recall"] > 0.3
