"""The ``kg`` command line: build, extract, query, stats, export, evaluate,
load (Neo4j) and viz. Errors a user can fix are one line on stderr and a
non-zero exit, never a traceback (``-v`` shows details)."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

import click

from . import schema as S
from .records import ReadReport

log = logging.getLogger("kg")

DEFAULT_GRAPH = "kg-graph"


class KgError(click.ClickException):
    """A failure the user can act on: printed as one line."""


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    from rich.logging import RichHandler

    handler = RichHandler(console=_err_console(), show_time=False, show_path=verbose > 1, markup=False)
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)
    for noisy in ("neo4j", "urllib3"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _err_console():
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def _out_console():
    from rich.console import Console

    return Console(soft_wrap=True)


def terminal_safe(value: Any) -> str:
    """Text from papers as it may reach a terminal: control, format and other
    unprintable characters shown as escapes (an ESC can retitle a window or
    clear the screen), never sent raw."""
    text = value if isinstance(value, str) else json.dumps(_jsonable(value), ensure_ascii=False)
    from .chars import UNPRINTABLE_RE

    return UNPRINTABLE_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _cell(value: Any):
    """A table cell that rich prints as it is: no markup is read from paper text."""
    from rich.text import Text

    return Text(terminal_safe(value))


def user_errors(fn: Callable) -> Callable:
    """Turn the errors users cause (bad paths, bad queries, servers down) into
    one-line messages."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .query import QueryError

        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (QueryError, KeyError, ValueError, OSError) as e:
            if log.isEnabledFor(logging.DEBUG):
                log.exception("details")
            msg = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
            raise KgError(str(msg)) from e
        except Exception as e:
            from .stores import StoreUnavailable

            if isinstance(e, StoreUnavailable):
                raise KgError(str(e)) from e
            raise

    return wrapper


def _keep_neo4j_timeout(ctx: click.Context, _param: Any, value: float | None) -> None:
    """--timeout goes to the context, not to every command: _neo4j_store reads it."""
    if value is not None:
        ctx.meta["kg.neo4j_timeout"] = value


def neo4j_options(fn: Callable) -> Callable:
    """Connection options; the password is read from NEO4J_PASSWORD only, so it
    never appears in a command line or a log."""
    fn = click.option("--database", envvar="NEO4J_DATABASE", default=None, help="Database name [NEO4J_DATABASE].")(fn)
    fn = click.option("--user", envvar="NEO4J_USER", default="neo4j", show_default=True, help="[NEO4J_USER]")(fn)
    fn = click.option(
        "--neo4j", "neo4j_uri", envvar="NEO4J_URI", default=None, metavar="URI",
        help="Bolt URI of a Neo4j server, e.g. bolt://localhost:7687 [NEO4J_URI]. Password from NEO4J_PASSWORD.",
    )(fn)  # fmt: skip
    fn = click.option(
        "--timeout", type=click.FloatRange(min=0), envvar="KG_NEO4J_TIMEOUT", default=None, metavar="SECONDS",
        expose_value=False, callback=_keep_neo4j_timeout,
        help="Give up on a Neo4j server that does not answer a statement within SECONDS "
             "(default 120; 0 waits for ever) [KG_NEO4J_TIMEOUT].",
    )(fn)  # fmt: skip
    return fn


def _neo4j_store(uri: str, user: str, database: str | None, batch_size: int | None = None):
    from .stores import open_store

    opts: dict[str, Any] = {"uri": uri, "user": user, "password": os.environ.get("NEO4J_PASSWORD", ""),
                            "database": database}  # fmt: skip
    if batch_size:
        opts["batch_size"] = batch_size
    ctx = click.get_current_context(silent=True)
    if ctx is not None and "kg.neo4j_timeout" in ctx.meta:
        opts["timeout"] = ctx.meta["kg.neo4j_timeout"]
    return open_store("neo4j", **opts)


def _graph_given_over_env_uri() -> bool:
    """An explicit --graph wins over a NEO4J_URI left in the environment for
    kg load; an explicit --neo4j wins over everything."""
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return False
    return (ctx.get_parameter_source("graph_dir") == ParameterSource.COMMANDLINE
            and ctx.get_parameter_source("neo4j_uri") == ParameterSource.ENVIRONMENT)  # fmt: skip


def _open_store(graph_dir: str, neo4j_uri: str | None, user: str, database: str | None, must_exist: bool = True):
    from .stores import open_store

    if neo4j_uri and not _graph_given_over_env_uri():
        return _neo4j_store(neo4j_uri, user, database)
    store = open_store("networkx", path=graph_dir)
    if must_exist and not store.exists():
        raise KgError(f"no graph in {graph_dir!r}: run 'kg build INPUT... --out {graph_dir}' first")
    return store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kg")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
def main(verbose: int, quiet: bool) -> None:
    """kg: build a citation and knowledge graph from research papers."""
    _setup_logging(verbose, quiet)


# -- reading ---------------------------------------------------------------
def _read(inputs: tuple[str, ...], fmt: str | None):
    from .readers import read_papers

    papers, report = read_papers(inputs, fmt)
    return papers, report


def _print_read_summary(report: ReadReport, n_papers: int) -> None:
    err = _err_console()
    err.print(f"read {report.papers_read} records from {len(report.files)} file(s): "
              f"{n_papers} papers, {report.duplicates} duplicates merged")  # fmt: skip
    if report.skipped:
        err.print(f"skipped {len(report.skipped)}:")
        for reason, n in report.skip_reasons().most_common():
            err.print(f"  {n:6d}  {reason}")


def _progress(total: int, label: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=_err_console(), transient=True, disable=total < 200 or not sys.stderr.isatty(),
    )  # fmt: skip


def _check_parser(parser: str | None) -> None:
    """Load the --parser pipeline before any reading, so a missing one fails at once."""
    if parser:
        from extractors.dependency import load_parser

        load_parser(parser)


def _extract(papers, extractor: str, workers: int, all_mentions: bool = False, parser: str | None = None,
             min_confidence: float = 0.0):  # fmt: skip
    from .graph import extract_all

    with _progress(len(papers), "extracting") as prog:
        task = prog.add_task("extract", total=len(papers))
        return extract_all(papers, extractor, workers, progress=lambda n: prog.advance(task, n),
                           all_mentions=all_mentions, parser=parser, min_confidence=min_confidence)  # fmt: skip


input_args = click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=str))
format_opt = click.option("--format", "fmt", default=None, help="Input format (default: by file extension).")
extractor_opt = click.option("--extractor", default="default", show_default=True,
                             help="Extractor name: default (the trained pipeline, or what KG_EXTRACTOR names) or rules.")  # fmt: skip
parser_opt = click.option(
    "--parser", default=None, envvar="KG_PARSER", metavar="PIPELINE",
    help="An installed spaCy pipeline with a dependency parser (package name or folder, e.g. en_core_web_sm): "
         "its parse adds entity-level relations. Off by default (slower).",
)  # fmt: skip
min_confidence_opt = click.option(
    "--min-confidence", default=0.0, show_default=True, type=click.FloatRange(0.0, 1.0), metavar="P",
    help="Keep only entities whose calibrated confidence (a probability of being right) is at least P.",
)
workers_opt = click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
                           help="Extraction processes.")


scheduler_opt = click.option(
    "--scheduler", default=None, envvar="KG_DASK_SCHEDULER", metavar="tcp://HOST:8786",
    help="Extract on this running Dask cluster (see docs/scale.md) instead of on this machine.",
)


@contextmanager
def _stages():
    """A progress bar per stage (papers done, rate, time left) on a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task):
            return Text(f"{task.speed:,.0f} papers/s" if task.speed else "", style="progress.data.speed")

    prog = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
                    TimeRemainingColumn(), console=_err_console(), transient=True,
                    disable=not sys.stderr.isatty())  # fmt: skip
    with prog:
        def stage(name: str, total: int | None) -> Callable[[int], None]:
            task = prog.add_task(name, total=total)
            return lambda n: prog.advance(task, n)

        yield stage


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=str))
@click.option("--out", "graph_dir", default=DEFAULT_GRAPH, show_default=True, help="Graph directory (embedded store).")
@click.option("--backend", type=click.Choice(["networkx", "neo4j", "csv"]), default="networkx", show_default=True,
              help="networkx: the embedded store in --out; neo4j: a server over Bolt; csv: files for "
                   "neo4j-admin database import in --out/neo4j-import, streamed, for corpora too big for memory.")
@click.option("--fresh", is_flag=True, help="Start from an empty graph instead of merging into the existing one.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@format_opt
@extractor_opt
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 256),
              help="Extraction processes: above 1, a Dask LocalCluster of that many workers.")  # fmt: skip
@scheduler_opt
@parser_opt
@min_confidence_opt
@neo4j_options
@user_errors
def build(inputs, graph_dir, backend, fresh, as_json, fmt, extractor, workers, scheduler, parser, min_confidence,
          neo4j_uri, user, database):  # fmt: skip
    """Read papers, extract entities, resolve them and write the graph.

    The graph directory keeps the papers and the extractions (in shards), so a
    second build into it gives the graph of all inputs, and a build that was
    stopped resumes where it stopped. With no INPUTS, the graph is laid out
    again from the papers the directory holds (after a model change, only
    extraction runs again)."""
    from .builder import CSV_DIR, build_csv, build_into, build_lock, check_fits_in_memory, extract_into
    from .graph import build_graph, summary
    from .shards import PAPERS_FILE

    _check_parser(parser)
    out = Path(graph_dir)
    options = {"workers": workers, "scheduler": scheduler, "parser": parser, "min_confidence": min_confidence}
    if backend == "csv":
        if out.exists() and not out.is_dir():
            raise KgError(f"{out} is a file, not a graph directory: choose another --out")
        from .readers import iter_records

        report = ReadReport()
        records = (p for _, p in iter_records(inputs, fmt, report))
        with build_lock(out), _stages() as stage:
            run = build_csv(out, records, extractor, fresh=fresh, progress=stage, **options)
        report.duplicates = run.merged_records
        if inputs:
            _print_read_summary(report, report.papers_read - run.merged_records)
        if not run.papers:
            raise KgError("no papers could be read")
        counts = {k: v for k, v in run.counts.items() if k != "held"}
        result = {"papers_read": report.papers_read, "papers": run.papers, "duplicates_merged": run.merged_records,
                  "skipped": len(report.skipped), "skipped_by_reason": dict(report.skip_reasons()),
                  "store": counts, "csv": str(out / CSV_DIR), "held": run.counts.get("held"),
                  "directory": {"papers": run.papers, "new_papers": run.new_papers, "chunks": run.chunks,
                                "chunks_extracted": run.extracted}}  # fmt: skip
        if as_json:
            click.echo(json.dumps(result, indent=1))
        else:
            _print_counts(counts, title=f"neo4j-admin CSV in {out / CSV_DIR} (import: docs/schema.md)")
        return
    if backend == "neo4j":
        if not neo4j_uri:
            raise KgError("--backend neo4j needs --neo4j URI or NEO4J_URI")
        store = _neo4j_store(neo4j_uri, user, database)  # a down server fails before any work
    else:
        store = _open_store(graph_dir, None, user, database, must_exist=False)
        store.prepare(fresh)  # an --out that is a file, unwritable or holds a damaged graph fails before any work
    try:
        if inputs:
            papers, report = _read(inputs, fmt)
            _print_read_summary(report, len(papers))
            if not papers:
                raise KgError("no papers could be read")
        elif backend == "networkx" and not fresh and (out / PAPERS_FILE).exists():
            papers, report = [], ReadReport()
        else:
            raise KgError(f"no INPUTS given, and {out} holds no stored papers to build from")
        run = None
        with build_lock(out), _stages() as stage:
            # a directory an older kg built holds a graph but not the papers: merge into it as that kg did
            merge = backend == "neo4j" or (not fresh and store.exists() and not (out / PAPERS_FILE).exists())
            if merge:
                check_fits_in_memory(len(papers), str(out) if backend == "networkx" else neo4j_uri)
                if backend == "networkx":
                    log.warning("%s holds no stored papers (built by an older kg): merging the new papers into its "
                                "graph; build with --fresh to rebuild it from stored inputs from now on", out)  # fmt: skip
                found, _, _ = extract_into(out, papers, extractor, progress=stage, **options)
                graph = build_graph(papers, found)
                if fresh:
                    store.clear()
                store.write(graph)
            else:
                run = build_into(out, papers, extractor, fresh=fresh, progress=stage, **options)
                graph = run.graph
                if fresh:
                    store.clear()
                store.replace(graph)
        counts = store.counts()
    finally:
        store.close()
    result = {
        "papers_read": report.papers_read, "papers": len(papers), "duplicates_merged": report.duplicates,
        "skipped": len(report.skipped), "skipped_by_reason": dict(report.skip_reasons()),
        "this_run": summary(graph), "store": counts,
        "graph": graph_dir if backend == "networkx" else neo4j_uri,
    }  # fmt: skip
    if run is not None:
        result["directory"] = {"papers": run.papers, "new_papers": run.new_papers, "chunks": run.chunks,
                               "chunks_extracted": run.extracted}  # fmt: skip
    if as_json:
        click.echo(json.dumps(result, indent=1))
    else:
        _print_counts(counts, title=f"graph in {result['graph']}")


def _print_counts(counts: dict[str, dict[str, int]], title: str) -> None:
    from rich.table import Table

    t = Table(title=title)
    t.add_column("kind")
    t.add_column("name")
    t.add_column("count", justify="right")
    for label, n in counts["nodes"].items():
        t.add_row("node", label, str(n))
    for rel, n in counts["edges"].items():
        t.add_row("edge", rel, str(n))
    _out_console().print(t)


@main.command()
@input_args
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="JSON Lines file to write ('-' for stdout).")
@format_opt
@extractor_opt
@workers_opt
@parser_opt
@min_confidence_opt
@user_errors
def extract(inputs, output, fmt, extractor, workers, parser, min_confidence):
    """Extraction only: one JSON object per paper with its entities, relations
    and results (the shapes eval/score.py and training/relations/score.py read)."""
    _check_parser(parser)
    papers, report = _read(inputs, fmt)
    _print_read_summary(report, len(papers))
    if not papers:
        raise KgError("no papers could be read")
    found = _extract(papers, extractor, workers, all_mentions=True, parser=parser, min_confidence=min_confidence)
    out = sys.stdout if str(output) == "-" else output.open("w", encoding="utf-8")
    try:
        for p, x in zip(papers, found, strict=True):
            rec = {"id": p.id, "title": p.title, "entities": [e.to_dict() for e in x.entities],
                   "relations": [r.to_dict() for r in x.relations], "results": [r.to_dict() for r in x.results]}  # fmt: skip
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    counts = [sum(len(getattr(x, k)) for x in found) for k in ("entities", "relations", "results")]
    _err_console().print(f"wrote {len(papers)} papers, {counts[0]} entities, {counts[1]} relations, "
                         f"{counts[2]} results to {output}")  # fmt: skip


def _parse_params(pairs: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise KgError(f"--param takes NAME=VALUE, got {pair!r}")
        k, v = pair.split("=", 1)
        try:
            params[k] = json.loads(v)
        except json.JSONDecodeError:
            params[k] = v
    return params


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple | set):
        return [_jsonable(x) for x in v]
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)


@main.command()
@click.argument("cypher")
@click.option("--graph", "graph_dir", default=DEFAULT_GRAPH, show_default=True, help="Graph directory.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Query parameter ($NAME); JSON values allowed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of a table.")
@neo4j_options
@user_errors
def query(cypher, graph_dir, params, as_json, neo4j_uri, user, database):
    """Run a Cypher query (Neo4j's dialect) on the graph.

    On the embedded store it is answered from the query database beside the
    graph file, without loading the graph; what the embedded engine cannot
    run is refused by name, with the rewrite (docs/cypher.md)."""
    store = _open_store(graph_dir, neo4j_uri, user, database)
    try:
        res = store.query(cypher, _parse_params(params))
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(_jsonable(res.records()), ensure_ascii=False, indent=1))
        return
    from rich.table import Table

    t = Table(show_lines=False)
    for c in res.columns:
        t.add_column(_cell(c), overflow="fold")
    for row in res.rows:
        t.add_row(*[_cell(v) for v in row])
    _out_console().print(t)
    _err_console().print(f"{len(res.rows)} row(s)")


@main.command()
@click.option("--graph", "graph_dir", default=DEFAULT_GRAPH, show_default=True, help="Graph directory.")
@click.option("--json", "as_json", is_flag=True)
@neo4j_options
@user_errors
def stats(graph_dir, as_json, neo4j_uri, user, database):
    """Nodes per label and relationships per type."""
    store = _open_store(graph_dir, neo4j_uri, user, database)
    try:
        counts = store.counts()
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(counts, indent=1))
    else:
        _print_counts(counts, title=f"graph in {getattr(store, 'uri', graph_dir)}")


@main.command()
@click.option("--graph", "graph_dir", default=DEFAULT_GRAPH, show_default=True, help="Graph directory.")
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json", "csv"]), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File (graphml, gexf, json) or directory (csv). Default: graph.<format> / csv/.")
@user_errors
def export(graph_dir, fmt, output):
    """Export the graph for other tools (CSV is neo4j-admin import's layout)."""
    from .export import export as do_export

    store = _open_store(graph_dir, None, "", None)
    output = output or Path("csv" if fmt == "csv" else f"graph.{fmt}")
    paths = do_export(store.read(), fmt, output)
    _err_console().print(f"wrote {len(paths)} file(s): {', '.join(str(p) for p in paths[:6])}"
                         + (" ..." if len(paths) > 6 else ""))  # fmt: skip


@main.command()
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("pred", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@extractor_opt
@click.option("--errors/--no-errors", default=True, show_default=True, help="List misses and false positives.")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def evaluate(gold, pred, extractor, errors, as_json):
    """Score extraction against gold annotations (the rules of eval/score.py)."""
    from extractors.scoring import evaluate as run_eval

    scores, mistakes = run_eval(gold, pred, extractor=extractor)
    if as_json:
        click.echo(json.dumps({"scores": scores, "errors": mistakes if errors else []}, indent=1))
        return
    from rich.table import Table

    t = Table(title=f"{gold.name}: {'predictions ' + pred.name if pred else 'extractor ' + extractor}")
    for c in ("", "P", "R", "F1", "pred", "gold"):
        t.add_column(c, justify="right" if c else "left")
    for k in ("mission", *S.ENTITY_LABELS, "untyped", "proposed"):
        if k in scores:
            r = scores[k]
            t.add_row(k, f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}", str(r["predicted"]),
                      str(r["gold"]))  # fmt: skip
    _out_console().print(t)
    if errors:
        for m in mistakes:
            click.echo("\t".join(terminal_safe(m[k]) for k in ("id", "kind", "type", "name")))


@main.command()
@click.argument("source", type=click.Path(path_type=str))
@click.option("--format", "fmt", default=None, help="Input format, when SOURCE is papers rather than a graph.")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@extractor_opt
@workers_opt
@parser_opt
@min_confidence_opt
@neo4j_options
@user_errors
def load(source, fmt, batch_size, extractor, workers, parser, min_confidence, neo4j_uri, user, database):
    """Load a graph directory (or papers, extracted on the way) into Neo4j."""
    from .stores import open_store

    _check_parser(parser)
    if not neo4j_uri:
        raise KgError("kg load needs --neo4j URI or NEO4J_URI")
    store = _neo4j_store(neo4j_uri, user, database, batch_size)  # a down server fails before any work
    try:
        src = Path(source)
        local = open_store("networkx", path=src) if src.is_dir() else None
        if local is not None and local.exists():
            graph = local.read()
        else:
            from .graph import build_graph

            papers, report = _read((source,), fmt)
            _print_read_summary(report, len(papers))
            if not papers:
                raise KgError(f"{source}: neither a graph directory nor readable papers")
            graph = build_graph(papers, _extract(papers, extractor, workers, parser=parser,
                                                 min_confidence=min_confidence))  # fmt: skip
        store.write(graph)
        counts = store.counts()
    finally:
        store.close()
    _print_counts(counts, title=f"Neo4j at {neo4j_uri}")


@main.command()
@click.option("--graph", "graph_dir", default=DEFAULT_GRAPH, show_default=True, help="Graph directory.")
@click.option("--query", "cypher", default=None, help="Render the nodes and edges this Cypher query returns.")
@click.option("--entity", default=None, help="Centre on the entity or paper with this name.")
@click.option("--hops", default=1, show_default=True, type=click.IntRange(0, 5))
@click.option("--types", default=None, help="Comma-separated labels to keep, e.g. Method,Dataset.")
@click.option("--min-papers", default=0, show_default=True, type=click.IntRange(0), help="Drop entities in fewer papers.")
@click.option("--max-nodes", default=300, show_default=True, type=click.IntRange(1), help="Keep the most connected part.")
@click.option("-o", "--output", default="graph.html", show_default=True, type=click.Path(dir_okay=False, path_type=Path))
@neo4j_options
@user_errors
def viz(graph_dir, cypher, entity, hops, types, min_papers, max_nodes, output, neo4j_uri, user, database):
    """Render the graph, or part of it, as an interactive HTML page (works offline)."""
    from .viz import render, subgraph_for

    store = _open_store(graph_dir, neo4j_uri, user, database)
    try:
        g = subgraph_for(store, query=cypher, entity=entity, hops=hops,
                         types=[t.strip() for t in types.split(",")] if types else None, min_papers=min_papers)  # fmt: skip
    finally:
        store.close()
    path = render(g, output, max_nodes=max_nodes)
    _err_console().print(f"wrote {path}")


if __name__ == "__main__":
    main()
