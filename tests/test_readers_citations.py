"""Bibliographic readers (OpenAlex, Semantic Scholar, SPECTER sample, arXiv
snapshot, BibTeX, RIS), the citation graph, inferred BUILDS_ON, and the
bibliometric queries of docs/citations.md.

Fixtures in tests/data/citations/ are records written to the published schemas
(OpenAlex Works, Semantic Scholar Graph API papers, the arXiv metadata
snapshot), with the bad records real dumps contain."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ARXIV_5K, SHARED

from extractors import Entity, Mention
from kg import schema as S
from kg.citations import (
    BUILDS_ON_EXTRACTOR,
    CitedRef,
    add_builds_on,
    add_citations,
    bib_key,
    cites_pairs,
    introduces,
    is_specific,
)
from kg.cli import main
from kg.graph import build_graph, new_graph, summary
from kg.query import run_embedded
from kg.readers import read_papers, reader_for
from kg.readers.openalex import rebuild_abstract
from kg.records import Paper, PaperRef, ReadReport

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "citations"
SPECTER = SHARED / "data" / "citations_specter_sample"
DOC = (ROOT / "docs" / "citations.md").read_text(encoding="utf-8")

ATT, BERT, LORA, QLORA = "arxiv:1706.03762", "doi:10.18653/v1/n19-1423", "arxiv:2106.09685", "arxiv:2305.14314"
ROBERTA, XLNET = "arxiv:1907.11692", "arxiv:1906.08237"


def reasons(report: ReadReport) -> list[str]:
    return [s.reason for s in report.skipped]


def by_key(papers: list[Paper]) -> dict[str, Paper]:
    return {p.id: p for p in papers}


# -- format choice --------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("openalex_works.jsonl", "openalex"),
        ("openalex_page.json", "openalex"),
        ("s2_papers.jsonl", "semantic_scholar"),
        ("s2_batch.json", "semantic_scholar"),
        ("s2_search_page.json", "semantic_scholar"),
        ("arxiv_snapshot.jsonl", "arxiv-snapshot"),
        ("references.bib", "bibtex"),
        ("references.ris", "ris"),
    ],
)
def test_each_format_is_recognised(name, fmt):
    assert reader_for(DATA / name).name == fmt


def test_generic_json_keeps_plain_records_and_specter_is_sniffed(tmp_path):
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"title": "A Title", "abstract": "Text."}) + "\n")
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"name": "no title here"}) + "\n")
    assert reader_for(plain).name == "jsonl"
    assert reader_for(unknown).name == "jsonl"  # the fallback for JSON nobody recognises
    assert reader_for(ARXIV_5K).name == "jsonl"  # flat arXiv records are not the snapshot format
    assert reader_for(SPECTER / "metadata.json").name == "specter"


# -- OpenAlex --------------------------------------------------------------------
def test_openalex_works_fields_and_references():
    papers, report = read_papers([DATA / "openalex_works.jsonl"])
    p = by_key(papers)
    assert set(p) == {ATT, BERT, LORA, QLORA}
    att = p[ATT]
    assert att.openalex_id == "W2963403868" and att.arxiv_id == "1706.03762" and att.year == 2017
    assert att.authors[0] == "Ashish Vaswani" and "Łukasz Kaiser" in att.authors
    assert att.venue == "arXiv (Cornell University)" and att.date == "2017-06-12"
    assert att.abstract.startswith("The dominant sequence transduction models are based on complex recurrent")
    assert att.abstract.endswith("significantly less time to train.")
    assert p[QLORA].arxiv_id == "2305.14314"  # from the arxiv.org landing page: the work has no DOI
    assert p[BERT].doi == "10.18653/v1/n19-1423"
    # references: repeated entries once, author ids / null / "" dropped, the self-citation dropped
    assert [r.openalex_id for r in p[LORA].references] == ["W2963403868", "W2896457183", "W3030163527"]
    assert all(isinstance(r, CitedRef) and r.source == "openalex" for r in p[LORA].references)
    why = reasons(report)
    assert "abstract inverted index has gaps: 3 of 98 word positions missing" in why
    assert "abstract inverted index repeats positions: 1 words dropped" in why
    assert "unusable referenced_works entries dropped: 3" in why
    assert "self-citation dropped: W3168867926" in why
    assert any(r.startswith("malformed JSON") for r in why)
    assert "missing title" in why
    assert any(r.startswith("duplicate record with a conflicting title") for r in why)
    # the duplicate was merged into the first record: first title kept, both sources listed
    assert p[BERT].title == "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    assert len(p[BERT].sources) == 2 and report.duplicates == 1


def test_openalex_gappy_abstract_keeps_the_words_present_in_order():
    papers, _ = read_papers([DATA / "openalex_works.jsonl"])
    lora = by_key(papers)[LORA].abstract
    # positions 5-7 ("language processing consists") were never listed; "paradigm" was listed again at 0
    assert lora.startswith("An important paradigm of natural of large-scale pre-training")
    assert "We propose Low-Rank Adaptation, or LoRA," in lora


@pytest.mark.parametrize(
    ("index", "text", "problems"),
    [
        ({"b": [1], "a": [0]}, "a b", []),
        ({"a": [0], "c": [4]}, "a c", ["gaps: 3 of 5"]),
        ({"a": [0], "b": [0, 1]}, "a b", ["repeats positions: 1"]),
        ({"a": [0, "x", -1, True], "b": "1"}, "a", ["invalid positions: 4"]),
        ({}, "", []),
        (None, "", []),
        ([["a", 0]], "", ["not an object"]),
    ],
)
def test_inverted_index_rebuild(index, text, problems):
    got, why = rebuild_abstract(index)
    assert got == text
    assert len(why) == len(problems) and all(p in w for p, w in zip(problems, why, strict=True))


def test_openalex_api_page():
    papers, report = read_papers([DATA / "openalex_page.json"])
    assert {p.id for p in papers} == {ATT, QLORA} and not report.skipped


# -- Semantic Scholar --------------------------------------------------------------
def test_semantic_scholar_papers_references_and_citations():
    papers, report = read_papers([DATA / "s2_papers.jsonl"])
    p = by_key(papers)
    assert set(p) == {BERT, ROBERTA, XLNET, ATT}
    bert = p[BERT]
    assert bert.s2_id == "df2b0e26d0599ce3e70df8a9da02e51594e0e992" and bert.arxiv_id == "1810.04805"
    assert bert.venue == "North American Chapter of the Association for Computational Linguistics"
    assert bert.date == "2019-06-01" and bert.authors[:2] == ["Jacob Devlin", "Ming-Wei Chang"]
    # a reference S2 could not match keeps its title; one with nothing is dropped; the self-citation too
    assert [(r.s2_id, r.title) for r in bert.references] == [
        ("204e3073870fae3d05bcbc2f6a8e263d9b72e776", "Attention is All you Need"),
        (None, "Semi-supervised sequence tagging with bidirectional language models"),
    ]
    assert {r.s2_id for r in bert.cited_by} == {p[ROBERTA].s2_id, p[XLNET].s2_id}
    assert p[ATT].abstract == "" and p[ATT].year == 2017
    # references wrapped as the /references endpoint returns them ({"citedPaper": ...})
    assert {r.s2_id for r in p[XLNET].references} == {bert.s2_id, p[ROBERTA].s2_id, p[ATT].s2_id}
    why = reasons(report)
    assert "references without any identifier dropped: 1" in why
    assert f"self-citation dropped: {bert.s2_id}" in why
    assert "missing title" in why
    assert any(r.startswith("duplicate record with a conflicting title") for r in why)
    assert p[ROBERTA].title == "RoBERTa: A Robustly Optimized BERT Pretraining Approach"


def test_semantic_scholar_batch_with_nulls_and_search_page():
    papers, report = read_papers([DATA / "s2_batch.json"])
    assert {p.id for p in papers} == {ATT, ROBERTA}
    assert reasons(report) == ["null record (an id the API did not know): record 2"]
    papers, _ = read_papers([DATA / "s2_search_page.json"])
    assert {p.id for p in papers} == {BERT, XLNET}


# -- arXiv snapshot ----------------------------------------------------------------
def test_arxiv_snapshot():
    papers, report = read_papers([DATA / "arxiv_snapshot.jsonl"])
    p = by_key(papers)
    lora = p[LORA]
    assert lora.title == "LoRA: Low-Rank Adaptation of Large Language Models"  # the wrapped title joined
    assert lora.authors[0] == "Edward J. Hu" and lora.date == "2021-06-17" and lora.year == 2021
    assert "\n" not in lora.abstract and lora.url == "https://arxiv.org/abs/2106.09685"
    old = p["doi:10.1023/a:1026654312961"]  # the first of two DOIs
    assert old.arxiv_id == "hep-th/9711200" and old.year == 1997 and old.venue.startswith("Adv.Theor.Math.Phys")
    assert reasons(report) == ["arXiv id is not a string: 704.0001", "missing title"]


# -- BibTeX and RIS ------------------------------------------------------------------
def test_bibtex():
    papers, report = read_papers([DATA / "references.bib"])
    p = by_key(papers)
    att = p[ATT]  # arXiv id from eprint + archivePrefix
    assert att.title == "Attention is All you Need" and att.year == 2017
    assert att.venue == "Advances in Neural Information Processing Systems"  # @string expanded
    assert "Łukasz Kaiser" in att.authors  # LaTeX decoded, "Last, First" turned around
    assert p[BERT].authors == ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"]
    roberta = p[ROBERTA]  # arXiv id from "arXiv preprint arXiv:1907.11692"
    assert roberta.venue == "arXiv" and "others" not in roberta.authors
    lora = next(x for x in papers if x.title.startswith("LoRA"))
    assert lora.abstract.startswith("An important paradigm") and lora.venue.startswith("International Conference")
    why = reasons(report)
    assert len(why) == 4
    assert why[0].startswith("unparsable BibTeX block")
    assert "duplicate BibTeX key (later entry skipped): hu2022lora" in why
    assert "BibTeX entry repeats a field: year" in why
    assert "missing title: notitle2023" in why


def test_ris():
    papers, report = read_papers([DATA / "references.ris"])
    p = by_key(papers)
    assert set(p) == {QLORA, BERT}
    q = p[QLORA]
    assert q.authors[0] == "Tim Dettmers" and q.year == 2023 and q.date == "2023-05-23"
    assert q.venue == "Advances in Neural Information Processing Systems" and "LoRA" in q.abstract
    assert p[BERT].title.startswith("BERT") and p[BERT].sources[0].endswith(":16")
    assert reasons(report) == ["RIS records without an end (ER) tag dropped: 1", "missing title"]


def test_garbage_never_raises(tmp_path):
    rng = random.Random(5)
    values = [
        None,
        1,
        "x",
        [],
        {},
        [None],
        {"title": None},
        {"title": 3},
        {"referenced_works": 5, "title": "T"},
        {"paperId": 7, "title": "T", "references": [None, 1, {"paperId": None}]},
        {"id": "https://openalex.org/W1", "title": "T", "abstract_inverted_index": {"a": "b"}, "authorships": [1]},
        {"id": 5, "authors_parsed": "x", "title": "T", "versions": [{"version": "v1", "created": "garbage"}]},
    ]
    for fmt in ("openalex", "semantic_scholar", "arxiv-snapshot"):
        f = tmp_path / f"{fmt}.jsonl"
        lines = [json.dumps(rng.choice(values)) for _ in range(40)] + ["{not json", "\x00\xff"]
        f.write_text("\n".join(lines) + "\n")
        read_papers([f], fmt)  # reported, never raised
    for name, text in (("x.bib", "@article{a, title={T}, author={and and}} @@@ {"), ("x.ris", "ER  - \nTY  -\n")):
        (tmp_path / name).write_text(text)
        read_papers([tmp_path / name])


# -- the citation graph --------------------------------------------------------------
@pytest.fixture(scope="module")
def fixture_graph():
    papers, report = read_papers(sorted(DATA.iterdir()))
    g = build_graph(papers, [])
    return papers, report, g


def test_papers_from_all_sources_are_one_node_each(fixture_graph):
    papers, _, g = fixture_graph
    corpus = {n: d for n, d in g.nodes(data=True) if d["label"] == S.PAPER and d["in_corpus"]}
    assert {d["key"] for d in corpus.values()} == {
        ATT,
        BERT,
        LORA,
        QLORA,
        ROBERTA,
        XLNET,
        "doi:10.1023/a:1026654312961",
    }
    att = g.nodes[S.node_id(S.PAPER, ATT)]  # OpenAlex, S2, arXiv snapshot and BibTeX
    assert (att["openalex_id"], att["s2_id"], att["arxiv_id"]) == (
        "W2963403868", "204e3073870fae3d05bcbc2f6a8e263d9b72e776", "1706.03762")  # fmt: skip
    assert len(att["sources"]) >= 5
    # the ICLR BibTeX entry of LoRA (no DOI, no arXiv id) joined by its title
    assert any(s.endswith("references.bib:33") for s in g.nodes[S.node_id(S.PAPER, LORA)]["sources"])
    # one Author node per person across formats ("Vaswani, Ashish" / "Ashish Vaswani")
    authors = [d["name"] for _, d in g.nodes(data=True) if d["label"] == S.AUTHOR]
    assert len(authors) == len(set(authors)) and "Ashish Vaswani" in authors


def test_cites_edges_with_sources_and_external_papers(fixture_graph):
    _, _, g = fixture_graph
    pairs = cites_pairs(g)
    assert (BERT, ATT) in pairs and (LORA, BERT) in pairs and (QLORA, LORA) in pairs
    assert (ROBERTA, BERT) in pairs and (XLNET, BERT) in pairs  # from BERT's "citations" list too
    both = g.edges[S.node_id(S.PAPER, BERT), S.node_id(S.PAPER, ATT), S.CITES]
    assert both["source"] == "openalex,semantic_scholar"
    assert all(u != v for u, v in pairs)
    external = [d for _, d in g.nodes(data=True) if d["label"] == S.PAPER and not d["in_corpus"]]
    assert external and all(not d.get("abstract") for d in external)
    keys = {d["key"] for d in external}
    assert "openalex:W3030163527" in keys  # cited by LoRA and QLoRA: one node
    assert sum(1 for u, v in pairs if v == "openalex:W3030163527") == 2
    assert "s2:9405cc0d6169988371b2755e573cc28650d14dfe" in keys
    unmatched = [
        d for d in external if d.get("title") == "Semi-supervised sequence tagging with bidirectional language models"
    ]
    assert len(unmatched) == 1 and unmatched[0]["key"].startswith("title:")


def test_citation_stats_count_self_citations_cycles_and_broken_references():
    papers = [
        Paper(id="a", title="Paper A", doi="10.1/a", references=[PaperRef(doi="10.1/b"), PaperRef(doi="10.1/A"),
                                                                 PaperRef(), CitedRef(openalex_id="W99", source="openalex")]),
        Paper(id="b", title="Paper B", doi="10.1/b", references=[PaperRef(title="paper a")]),
        Paper(id="c", title="Paper C", cited_by=[PaperRef(doi="10.1/a"), PaperRef(doi="10.1/a")],
              references=[CitedRef(openalex_id="https://openalex.org/W99", source="openalex"), CitedRef(s2_id="zz")]),
    ]  # fmt: skip
    g = new_graph()
    for p in papers:
        g.add_node(S.node_id(S.PAPER, p.id), label=S.PAPER, key=p.id, in_corpus=True)
    stats = add_citations(g, papers)
    assert cites_pairs(g) == {("a", "b"), ("b", "a"), ("a", "c"), ("a", "openalex:W99"), ("c", "openalex:W99")}
    assert stats.self_citations == 1  # a's reference to its own DOI
    assert stats.unresolvable == 2  # an empty reference, and an S2 id that is not one
    assert stats.mutual == 1 and stats.external == 1 and stats.duplicates == 1
    assert add_citations(g, papers).edges == 0  # idempotent


def test_bib_key_prefers_publisher_doi_then_arxiv():
    assert bib_key(doi="10.48550/arXiv.2106.09685", title="x") == "arxiv:2106.09685"
    assert bib_key(doi="https://doi.org/10.18653/V1/N19-1423", arxiv_id="1810.04805") == "doi:10.18653/v1/n19-1423"
    assert bib_key(s2_id="DF2B0E26D0599CE3E70DF8A9DA02E51594E0E992") == "s2:df2b0e26d0599ce3e70df8a9da02e51594e0e992"
    assert bib_key(openalex_id="https://openalex.org/w123") == "openalex:W123"
    with pytest.raises(ValueError):
        bib_key()


# -- the SPECTER sample ----------------------------------------------------------------
def specter_direct_edges() -> set[tuple[str, str]]:
    with (SPECTER / "edges.tsv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert {(r["count"], r["relation"]) for r in rows} == {("5", "direct_citation"), ("1", "citation_of_citation")}
    return {(f"s2:{r['query_paper_id']}", f"s2:{r['candidate_paper_id']}") for r in rows if r["count"] == "5"}


def test_specter_sample_gives_exactly_its_direct_citations():
    papers, report = read_papers([SPECTER], "specter")
    assert len(papers) == 379 and report.duplicates == 0 and not report.skipped
    g = build_graph(papers, [])
    direct = specter_direct_edges()
    assert len(direct) == 85
    assert cites_pairs(g) == direct  # count 1 (citation of a citation) draws no edge
    assert all(d["source"] == "specter" for *_, k, d in g.edges(keys=True, data=True) if k == S.CITES)
    nodes = [d for _, d in g.nodes(data=True) if d["label"] == S.PAPER]
    assert len(nodes) == 399  # 379 with metadata + the 20 query papers
    assert len({d["s2_id"] for d in nodes}) == len(nodes)  # no duplicate papers
    assert sum(1 for d in nodes if not d["in_corpus"]) == 20
    titles = [S.normalise_title(d["title"]) for d in nodes if d["in_corpus"]]
    assert len(titles) == len(set(titles))


def test_kg_build_specter_folder(tmp_path):
    res = CliRunner().invoke(
        main, ["build", str(SPECTER), "--format", "specter", "--out", str(tmp_path / "g"), "--json", "--fresh"])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["this_run"]["edges"]["CITES"] == 85 and out["store"]["nodes"]["Paper"] == 399


# -- BUILDS_ON ----------------------------------------------------------------------
def _entity(name: str, sentence: str, proposed: bool, type_: str = "Method") -> Entity:
    return Entity(type=type_, name=name, proposed=proposed, confidence=0.8,
                  mentions=[Mention(0, len(name), name, sentence)])  # fmt: skip


@pytest.fixture(scope="module")
def builds_on_graph():
    papers, _ = read_papers(sorted(DATA.iterdir()))
    by = by_key(papers)
    extractions = [
        (
            LORA,
            [
                _entity(
                    "LoRA",
                    "We propose Low-Rank Adaptation, or LoRA, which freezes the pre-trained model weights "
                    "and injects trainable rank decomposition matrices into each layer of the Transformer "
                    "architecture, greatly reducing the number of trainable parameters for downstream tasks.",
                    True,
                ),
                _entity("Transformer", "the Transformer architecture", True),
            ],
        ),
        (ATT, [_entity("Transformer", "We propose a new simple network architecture, the Transformer", True)]),
        (QLORA, [_entity("QLoRA", "We present QLoRA, an efficient finetuning approach", True)]),
        (BERT, [_entity("BERT", "We introduce a new language representation model called BERT", True, "Model")]),
        # XLNet "proposes" RoBERTa: an extractor error the introduction check catches
        (XLNET, [_entity("RoBERTa", "We propose XLNet", True, "Model")]),
    ]
    assert all(pid in by for pid, _ in extractions)
    return build_graph(papers, extractions)


def builds_on(g) -> dict[tuple[str, str], dict]:
    return {
        (g.nodes[u]["key"], g.nodes[v]["key"]): d for u, v, k, d in g.edges(keys=True, data=True) if k == S.BUILDS_ON
    }


def test_builds_on_links_mentions_of_what_one_paper_proposes(builds_on_graph):
    links = builds_on(builds_on_graph)
    lora = links[(QLORA, LORA)]
    assert lora["via"] == "LoRA" and lora["extractor"] == BUILDS_ON_EXTRACTOR
    assert lora["evidence"] == (
        "QLoRA backpropagates gradients through a frozen, 4-bit quantized pretrained language "
        "model into Low Rank Adapters (LoRA)."
    )
    # 0.5 x the PROPOSES confidence + 0.2 (text match) + 0.2 (QLoRA's metadata cites LoRA)
    g = builds_on_graph
    proposes = next(d for u, v, k, d in g.edges(keys=True, data=True)
                    if k == S.PROPOSES and g.nodes[u]["key"] == LORA and g.nodes[v]["name"] == "LoRA")  # fmt: skip
    assert lora["confidence"] == pytest.approx(min(1.0, 0.5 * proposes["confidence"] + 0.4), abs=1e-3)
    # BERT is proposed by BERT and named in RoBERTa's and XLNet's abstracts
    assert (ROBERTA, BERT) in links and (XLNET, BERT) in links
    assert "BERT" in links[(ROBERTA, BERT)]["evidence"]
    for (a, b), d in links.items():
        assert a != b and d["evidence"] and 0 < d["confidence"] <= 1
    # "Transformer" is proposed by two papers (and generic): never a link; "QLoRA" is named by nobody else;
    # XLNet does not introduce RoBERTa, so mentions of RoBERTa do not point at XLNet
    assert {b for _, b in links} == {LORA, BERT}


def test_builds_on_filters():
    assert is_specific("LoRA") and is_specific("BIG-bench") and is_specific("GPT-4") and is_specific("MMLU")
    assert not is_specific("contrastive learning") and not is_specific("LLM") and not is_specific("Transformer")
    assert not is_specific("T5")  # too short to trust
    assert is_specific("Mamba", "Mamba: Linear-Time Sequence Modeling with Selective State Spaces")
    assert not is_specific("Mamba", "Selective State Spaces")
    assert introduces("We introduce the Beyond the Imitation Game benchmark (BIG-bench).", "BIG-bench")
    assert not introduces("We propose Shopping MMLU, a benchmark.", "MMLU")
    assert not introduces("we propose a framework that builds a library of task-specific LoRA modules", "LoRA")
    assert introduces("", "LoRA", "LoRA: Low-Rank Adaptation of Large Language Models")


def test_builds_on_respects_years_and_self():
    old = Paper(id="old", title="An Old Paper", abstract="We use LoRA here, somehow.", year=2015)
    new = Paper(id="new", title="LoRA: Low-Rank Adaptation", abstract="We propose LoRA. LoRA is small.", year=2021)
    g = build_graph([old, new], [("new", [_entity("LoRA", "We propose LoRA.", True)]), ("old", [])])
    assert builds_on(g) == {}
    stats = add_builds_on(g)
    assert stats.anachronistic == 1 and stats.links == 0


def test_builds_on_skips_a_homonym_the_citing_paper_introduces_itself():
    """A paper that defines its own "meta-prompting" does not build on the
    paper that proposed another meta-prompting; one that uses it does."""
    b = Paper(id="b", title="Meta-Prompting: Task-Agnostic Scaffolding", abstract="We propose Meta-Prompting here.",
              year=2023)  # fmt: skip
    own = Paper(id="own", title="A Study of Prompts", abstract="We introduce Meta-Prompting, our own scheme, and test it.",
                year=2024)  # fmt: skip
    uses = Paper(id="uses", title="Agents at Work", abstract="We apply Meta-Prompting to agents.", year=2024)
    g = build_graph([b, own, uses], [("b", [_entity("Meta-Prompting", "We propose Meta-Prompting here.", True)]),
                                     ("own", []), ("uses", [])])  # fmt: skip
    assert set(builds_on(g)) == {("uses", "b")}


def test_builds_on_on_the_seed_listings(seed_graph):
    """The count changes with the extractor (docs/citations.md has the figure);
    every link must hold up."""
    g = seed_graph
    for u, v, k, d in g.edges(keys=True, data=True):
        if k != S.BUILDS_ON:
            continue
        a, b = g.nodes[u], g.nodes[v]
        assert u != v and d["extractor"] == BUILDS_ON_EXTRACTOR and 0 < d["confidence"] <= 1
        assert d["evidence"].replace("\n", " ") in f"{a['title']} {a['abstract']}".replace("\n", " ")
        proposed = [g.nodes[x] for _, x, kk in g.out_edges(v, keys=True) if kk == S.PROPOSES]
        assert d["via"] in [x["name"] for x in proposed]
        assert is_specific(d["via"], b["title"])


# -- bibliometric queries (the text of docs/citations.md) ------------------------------------
MOST_CITED = """MATCH (citing:Paper)-[:CITES]->(p:Paper)
WHERE p.in_corpus = true
RETURN p.key AS paper, p.title AS title, COUNT(citing) AS citations
ORDER BY citations DESC
LIMIT 10"""
MOST_CITED_OUTSIDE = MOST_CITED.replace("p.in_corpus = true", "p.in_corpus = false")
COCITED_BY = """MATCH (a:Paper)<-[:CITES]-(citing:Paper)-[:CITES]->(b:Paper)
WHERE a.key = $a AND b.key = $b
RETURN citing.key AS paper, citing.title AS title"""
COCITATION_PAIRS = """MATCH (a:Paper)<-[:CITES]-(citing:Paper)-[:CITES]->(b:Paper)
WHERE a.key < b.key
RETURN a.key AS first, b.key AS second, COUNT(citing) AS cocitations
ORDER BY cocitations DESC
LIMIT 10"""
COUPLING = """MATCH (p:Paper)-[:CITES]->(ref:Paper)<-[:CITES]-(other:Paper)
WHERE p.key = $paper AND other.key <> $paper
RETURN other.key AS paper, other.title AS title, COUNT(ref) AS shared_references
ORDER BY shared_references DESC
LIMIT 10"""
BUILD_ON_METHOD = """MATCH (a:Paper)-[r:BUILDS_ON]->(b:Paper)-[:PROPOSES]->(m:Method)
WHERE m.name = $method
RETURN a.title AS paper, b.title AS builds_on, r.via AS via, r.evidence AS evidence, r.confidence AS confidence
ORDER BY confidence DESC"""
PATHS = """MATCH (a:Paper)-[r:CITES*1..3]->(b:Paper)
WHERE a.key = $citing AND b.key IN [$cited]
RETURN a.title AS citing, b.title AS cited, r AS hops"""
TWO_HOP = """MATCH (a:Paper)-[:CITES]->(mid:Paper)-[:CITES]->(b:Paper)
WHERE a.key = $citing AND b.key = $cited
RETURN mid.key AS paper, mid.title AS title"""
MUTUAL = """MATCH (a:Paper)-[:CITES]->(b:Paper)-[:CITES]->(a)
WHERE a.key < b.key
RETURN a.title AS paper, b.title AS cites_back"""
QUERIES = [MOST_CITED, MOST_CITED_OUTSIDE, COCITED_BY, COCITATION_PAIRS, COUPLING, BUILD_ON_METHOD, PATHS, TWO_HOP,
           MUTUAL]  # fmt: skip


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.split("\n")[0][:40])
def test_queries_are_documented_verbatim(query):
    assert f"```cypher\n{query}\n```" in DOC


def q(g, cypher, **params) -> list[dict]:
    return run_embedded(g, cypher, params).records()


def test_most_cited(builds_on_graph):
    rows = q(builds_on_graph, MOST_CITED)
    assert rows[0] == {"paper": ATT, "title": "Attention Is All You Need", "citations": 4}  # BERT, LoRA, QLoRA, XLNet
    assert rows[1]["paper"] == BERT and rows[1]["citations"] == 3  # LoRA, RoBERTa, XLNet
    assert [r["citations"] for r in rows] == sorted((r["citations"] for r in rows), reverse=True)
    outside = q(builds_on_graph, MOST_CITED_OUTSIDE)
    assert outside[0]["citations"] == 2 and outside[0]["paper"] in {"openalex:W2130942839", "openalex:W3030163527"}


def test_cocitation(builds_on_graph):
    rows = q(builds_on_graph, COCITED_BY, a=ATT, b=BERT)
    assert {r["paper"] for r in rows} == {LORA, XLNET}
    pairs = q(builds_on_graph, COCITATION_PAIRS)
    top = {(r["first"], r["second"]): r["cocitations"] for r in pairs}
    assert top[(ATT, BERT)] == 2 and pairs[0]["cocitations"] >= 2


def test_bibliographic_coupling(builds_on_graph):
    rows = q(builds_on_graph, COUPLING, paper=LORA)
    shared = {r["paper"]: r["shared_references"] for r in rows}
    assert shared[QLORA] == 2  # Attention and W3030163527
    assert shared[BERT] == 1 and shared[XLNET] == 2 and LORA not in shared


def test_papers_building_on_a_methods_proposer(builds_on_graph):
    rows = q(builds_on_graph, BUILD_ON_METHOD, method="LoRA")
    assert [r["paper"] for r in rows] == ["QLoRA: Efficient Finetuning of Quantized LLMs"]
    assert rows[0]["builds_on"] == "LoRA: Low-Rank Adaptation of Large Language Models" and rows[0]["via"] == "LoRA"


def hop_count(hops) -> int:
    """grand-cypher gives a one-hop path's relationship alone, not in a list."""
    return 1 if isinstance(hops, dict) else len(hops)


def test_citation_paths(builds_on_graph):
    rows = q(builds_on_graph, PATHS, citing=QLORA, cited=ATT)
    hops = sorted(hop_count(r["hops"]) for r in rows)
    assert hops == [1, 2, 3]  # QLoRA->Att, QLoRA->LoRA->Att, QLoRA->LoRA->BERT->Att
    mids = q(builds_on_graph, TWO_HOP, citing=QLORA, cited=ATT)
    assert [r["paper"] for r in mids] == [LORA]


def test_cycles_are_kept_and_paths_terminate(builds_on_graph):
    rows = q(builds_on_graph, MUTUAL)
    assert len(rows) == 1 and {rows[0]["paper"][:7], rows[0]["cites_back"][:7]} == {"RoBERTa", "XLNet: "}
    rows = q(builds_on_graph, PATHS, citing=XLNET, cited=BERT)  # across the RoBERTa <-> XLNet cycle
    assert {1, 2} <= {hop_count(r["hops"]) for r in rows} and len(rows) < 10


def test_fixture_graph_summary(builds_on_graph):
    counts = summary(builds_on_graph)
    assert counts["nodes"]["Paper"] > 7 and counts["edges"]["CITES"] > 10 and counts["edges"]["AUTHORED"] > 20
