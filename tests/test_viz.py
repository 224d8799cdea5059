"""kg viz: choosing subgraphs, the page's HTML, and the pages in headless
Debian Chromium driven over the DevTools protocol (``browser`` marker).

Browser tests skip when chromium is missing, except in CI (``CI`` set), where
they fail instead. The browser runs with ``--remote-debugging-pipe``: DevTools
messages travel over two pipes (fds 3 and 4) as NUL-terminated JSON, so no
port and no websocket package is needed.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner

from kg import schema as S
from kg.graph import add_edge, add_node, new_graph
from kg.viz import find_nodes, nodes_from_result, page_html, render, show, subgraph_for, trim

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
)  # fmt: skip


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def chromium_binary() -> str | None:
    return os.environ.get("KG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


# -- a small DevTools client --------------------------------------------------
class DevToolsError(RuntimeError):
    pass


class Chromium:
    """Headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, binary: str, width: int = 1280, height: int = 860, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="kg-chromium-")
        self._stderr = open(Path(self.profile) / "stderr.log", "wb")  # noqa: SIM115
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # above 10, so that placing them at 3 and 4 in the child never clobbers one
        hi_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        hi_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)

        def place_fds() -> None:
            os.dup2(hi_r, 3)  # dup2 leaves the copies inheritable
            os.dup2(hi_w, 4)

        args = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe",
                f"--window-size={width},{height}", "--hide-scrollbars", "--mute-audio", "about:blank"]  # fmt: skip
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr,
                                     preexec_fn=place_fds, close_fds=False)  # fmt: skip
        for fd in (to_chrome_r, from_chrome_w, hi_r, hi_w):
            os.close(fd)
        self._next_id = 0
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._replies: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session: str | None = None
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})  # fmt: skip

    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_chrome, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self._cond:
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    else:
                        self.events.append(msg)
                    self._cond.notify_all()

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float | None = None) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            mid = self._next_id
        msg: dict[str, Any] = {"id": mid, "method": method, "params": params or {}}
        if self.session and not method.startswith(("Target.", "Browser.")):
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while mid not in self._replies:
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise DevToolsError(f"no reply to {method} ({'browser gone' if self._closed else 'timeout'})")
                self._cond.wait(left)
            reply = self._replies.pop(mid)
        if "error" in reply:
            raise DevToolsError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, timeout: float | None = None, since: int = 0) -> dict[str, Any]:
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while True:
                for ev in self.events[since:]:
                    if ev.get("method") == method:
                        return ev
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise DevToolsError(f"no {method} event")
                self._cond.wait(left)

    def evaluate(self, expression: str) -> Any:
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in res:
            raise DevToolsError(f"{expression!r} threw: {res['exceptionDetails']}")
        return res["result"].get("value")

    def open(self, path: Path) -> float:
        """Navigate to a file and wait for its load event; returns when the
        navigation started (time.monotonic)."""
        mark = len(self.events)
        started = time.monotonic()
        self.send("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_event("Page.loadEventFired", since=mark)
        return started

    def wait_for(self, expression: str, timeout: float = 30.0, interval: float = 0.05) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise DevToolsError(f"timed out waiting for {expression!r}")
            time.sleep(interval)

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def mouse_move(self, x: float, y: float) -> None:
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    def click(self, x: float, y: float) -> None:
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    # what the page did
    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def errors(self) -> list[str]:
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(
                    f"exception: {p['exceptionDetails'].get('text')} {p['exceptionDetails'].get('exception', {}).get('description', '')}"
                )
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(
                    "console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
                )
            elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        return out

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except DevToolsError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        self._stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def local_only(urls: list[str]) -> list[str]:
    """The URLs that would leave the machine."""
    return [u for u in urls if not u.startswith(("file://", "data:", "about:"))]


@pytest.fixture
def chromium() -> Any:
    binary = chromium_binary()
    if not binary:
        msg = "chromium is not installed (apt-get install chromium)"
        if in_ci():
            pytest.fail(msg + "; CI must run the browser tests")
        pytest.skip(msg)
    browser = Chromium(binary)
    try:
        yield browser
    finally:
        browser.close()


# -- graphs ------------------------------------------------------------------
EVIL = '<script>window.__xss=1</script><img src=x onerror="window.__xss2=1">'
EVIL_TITLE = f"Attention is all you need {EVIL}"
EVIL_METHOD = f"EvilNet{EVIL}"


def xss_graph() -> nx.MultiDiGraph:
    """Papers whose every text field carries markup that must never run."""
    g = new_graph()
    p1 = add_node(g, S.PAPER, "arxiv:2501.00001", title=EVIL_TITLE, abstract=f"We study {EVIL} at length.", year=2025,
                  url="javascript:window.__xss3=1", authors=[f"Mallory {EVIL}", "Bob"], venue=f"Conf {EVIL}")  # fmt: skip
    p2 = add_node(g, S.PAPER, "arxiv:2501.00002", title="A plain follow-up", abstract="Nothing odd.", year=2026,
                  url='https://example.org/paper?a=1&b="><script>window.__xss5=1</script>')  # fmt: skip
    m = add_node(g, S.METHOD, "evilnet", name=EVIL_METHOD, aliases=["<b onmouseover=window.__xss4=1>bold</b>"],
                 paper_count=2)  # fmt: skip
    d = add_node(g, S.DATASET, "imagenet", name="ImageNet", aliases=[], paper_count=1)
    add_edge(g, p1, m, S.PROPOSES, evidence=f"We propose {EVIL}.", extractor="rules", confidence=0.9)
    add_edge(g, p2, m, S.USES, evidence=f"Building on {EVIL} we go further.", extractor="rules", confidence=0.8)
    add_edge(g, p2, d, S.EVALUATES_ON, evidence="We evaluate on ImageNet.", extractor="rules", confidence=0.8)
    add_edge(g, p2, p1, S.CITES, source="test")
    return g


def synthetic_graph(n_papers: int, n_entities: int, seed: int = 1) -> nx.MultiDiGraph:
    """A paper-entity graph shaped like a real one (skewed entity popularity), without extraction."""
    import random

    rnd = random.Random(seed)
    g = new_graph()
    labels = list(S.ENTITY_LABELS)
    ents = [add_node(g, labels[i % len(labels)], f"e{i}", name=f"Entity {i}", aliases=[], paper_count=0)
            for i in range(n_entities)]  # fmt: skip
    weights = [1.0 / (i + 1) for i in range(n_entities)]
    for j in range(n_papers):
        p = add_node(g, S.PAPER, f"p{j}", title=f"Paper {j}", year=2025, abstract="An abstract.")
        for e in set(rnd.choices(ents, weights, k=3)):
            add_edge(g, p, e, S.MENTION_REL[g.nodes[e]["label"]], evidence=f"Paper {j} uses it.", confidence=0.5)
            g.nodes[e]["paper_count"] += 1
        if j and rnd.random() < 0.3:
            add_edge(g, p, f"Paper:p{rnd.randrange(j)}", S.CITES)
    return g


def pairs(g: nx.MultiDiGraph) -> int:
    """Edges as drawn: one per (from, to), whatever the number of types."""
    return len({(u, v) for u, v in g.edges()})


# -- choosing what to draw ---------------------------------------------------
def test_find_nodes_ignores_case_and_reads_aliases_and_titles(seed_graph):
    assert find_nodes(seed_graph, "bert") == find_nodes(seed_graph, "  BERT ") == ["Model:bert"]
    title = next(d["title"] for _, d in seed_graph.nodes(data=True) if d["label"] == S.PAPER)
    assert find_nodes(seed_graph, title.upper())[0].startswith("Paper:")
    g = xss_graph()
    assert find_nodes(g, "<B ONMOUSEOVER=window.__xss4=1>bold</b>") == ["Method:evilnet"]
    assert find_nodes(g, "Method:evilnet") == find_nodes(g, "evilnet") == ["Method:evilnet"]
    assert find_nodes(g, "no such thing") == []


def test_entity_neighbourhood(seed_graph):
    sub = subgraph_for(seed_graph, entity="BERT", hops=1)
    assert "Model:bert" in sub
    assert set(sub) == {"Model:bert", *seed_graph.predecessors("Model:bert"), *seed_graph.successors("Model:bert")}
    assert sub.graph["kg_viz"]["centres"] == ["Model:bert"]
    two = subgraph_for(seed_graph, entity="bert", hops=2)
    assert set(sub) < set(two)
    assert set(subgraph_for(seed_graph, entity="bert", hops=0)) == {"Model:bert"}
    # labels kept, and the centre kept whatever its label
    only = subgraph_for(seed_graph, entity="bert", hops=2, types=["dataset", "Method"])
    assert {d["label"] for n, d in only.nodes(data=True) if n != "Model:bert"} <= {"Dataset", "Method"}
    assert "Model:bert" in only
    # the graph in the store is left alone
    assert "kg_viz" not in seed_graph.graph


def test_types_and_min_papers(seed_graph):
    sub = subgraph_for(seed_graph, types=["Method", "Dataset"], min_papers=3)
    assert sub.number_of_nodes() > 0
    for _, d in sub.nodes(data=True):
        assert d["label"] in ("Method", "Dataset") and d["paper_count"] >= 3
    kept = subgraph_for(seed_graph, min_papers=2)
    assert all(d["paper_count"] >= 2 for _, d in kept.nodes(data=True) if d["label"] in S.ENTITY_LABELS)
    assert sum(1 for _, d in kept.nodes(data=True) if d["label"] == S.PAPER) == 397  # papers are not filtered
    with pytest.raises(ValueError, match="unknown node type 'Algorithm'"):
        subgraph_for(seed_graph, types=["Algorithm"])


def test_unknown_entity_suggests_names(seed_graph):
    with pytest.raises(ValueError, match="(?i)no entity or paper named 'transform' .*did you mean: .*'transformer'"):
        subgraph_for(seed_graph, entity="transform")


def test_query_nodes_and_relationships(seed_graph):
    sub = subgraph_for(seed_graph, query="MATCH (p:Paper)-[r:EVALUATES_ON]->(d:Dataset) RETURN p, r, d")
    expected = {(u, v) for u, v, k in seed_graph.edges(keys=True) if k == S.EVALUATES_ON}
    assert {(u, v) for u, v in sub.edges()} == expected
    assert {k for *_, k in sub.edges(keys=True)} == {S.EVALUATES_ON}  # only the returned relationships' type
    assert set(sub) == {n for e in expected for n in e}
    # keys, names and ids name nodes too; without relationships, every edge among them is drawn
    by_key = subgraph_for(seed_graph, query="MATCH (d:Dataset) WHERE d.paper_count >= 3 RETURN d.key, d.paper_count")
    assert by_key.number_of_nodes() > 0 and all(d["label"] == "Dataset" for _, d in by_key.nodes(data=True))
    by_name = subgraph_for(seed_graph, query="MATCH (m:Model) WHERE m.key = 'bert' RETURN m.name")
    assert set(by_name) == {"Model:bert"}
    both = subgraph_for(seed_graph, query="MATCH (p:Paper)-[:USES]->(m:Model) WHERE m.key = 'bert' RETURN p.key, m.key")
    assert "Model:bert" in both and both.number_of_edges() >= 1
    # a query, then the neighbourhood inside its result
    ego = subgraph_for(seed_graph, query="MATCH (p:Paper)-[r]->(m:Model) RETURN p, r, m", entity="bert", hops=1)
    assert all(d["label"] in ("Paper", "Model") for _, d in ego.nodes(data=True))
    with pytest.raises(ValueError, match="names a graph node"):
        subgraph_for(seed_graph, query="MATCH (d:Dataset) RETURN d.paper_count")


def test_query_through_a_store(tmp_path, seed_graph):
    from kg.stores import open_store

    store = open_store("networkx", path=tmp_path / "g")
    store.write(seed_graph.copy())
    sub = subgraph_for(store, query="MATCH (m:Model) WHERE m.key = $k RETURN m", params={"k": "bert"})
    assert set(sub) == {"Model:bert"}


def test_nodes_from_result_reads_driver_like_values(seed_graph):
    class Node(dict):
        labels = frozenset({"Model"})

    class Rel:
        type = "USES"
        nodes = (Node(key="bert"), None)

    nodes, types = nodes_from_result([[Node(key="bert"), Rel(), 7, None, ["Dataset:imagenet"]]], seed_graph)
    assert nodes == {"Model:bert", "Dataset:imagenet"} and types == {"USES"}


def test_trim_grows_the_most_connected_part():
    g = synthetic_graph(400, 120)
    g.add_node("Paper:lonely", label="Paper", key="lonely", title="Lonely")
    kept = trim(g, 50)
    assert len(kept) == 50
    assert nx.is_connected(g.subgraph(kept).to_undirected())
    best = max(g, key=lambda n: len(set(g.successors(n)) | set(g.predecessors(n))))
    assert best in kept and "Paper:lonely" not in kept
    assert "Paper:lonely" in trim(g, 50, keep=["Paper:lonely"])
    assert trim(g, 10_000) == set(g)


# -- the page -------------------------------------------------------------------
RESOURCE_PATTERNS = (
    r"<script[^>]*\bsrc\s*=", r"<link\b", r"<iframe\b", r"@import", r"url\(\s*['\"]?(?:https?:)?//",
    r"\b(?:src|href|action|poster|srcset)\s*=\s*[\"']?(?:https?:)?//",
)  # fmt: skip


PAGE_TAGS = {"meta": 4, "style": 2, "script": 3}  # besides div and span


def tags(page: str) -> dict[str, int]:
    """Elements in the page as a browser's parser sees them, less the plain
    layout ones; any markup from a paper would show up here."""
    from html.parser import HTMLParser

    found: Counter = Counter()

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            found[tag] += 1

    Parser(convert_charrefs=True).feed(page)
    for tag in ("html", "head", "title", "body", "header", "h1", "input", "main", "aside", "p", "div", "span"):
        found.pop(tag, None)
    return dict(found)


def test_page_is_self_contained(tmp_path, seed_graph):
    path = render(seed_graph, tmp_path / "sub" / "seed.html")
    assert path == tmp_path / "sub" / "seed.html" and path.exists()
    page = path.read_text(encoding="utf-8")
    for pattern in RESOURCE_PATTERNS:
        assert not re.search(pattern, page, re.I), pattern
    for cdn in ("cdnjs", "jsdelivr", "unpkg", "bootstrap.min", "bootstrap@"):
        assert cdn not in page, cdn
    assert "vis.Network" in page and 'id="kg-data"' in page
    assert "sourceMappingURL" not in page
    assert tags(page) == PAGE_TAGS


def test_paper_text_is_escaped(tmp_path):
    g = xss_graph()
    page = page_html(subgraph_for(g, entity=EVIL_METHOD, hops=1))
    assert EVIL not in page and "<img" not in page and "<b onmouseover" not in page
    assert tags(page) == PAGE_TAGS
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page  # the caption in <title> and <h1>
    data = json.loads(re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S).group(1))
    info = {n["id"]: n["info"] for n in data["nodes"]}
    assert info["Paper:arxiv:2501.00001"]["heading"] == EVIL_TITLE  # the text survives, as data
    assert "url" not in info["Paper:arxiv:2501.00001"] or info["Paper:arxiv:2501.00001"]["url"] is None
    assert info["Paper:arxiv:2501.00002"]["url"].startswith("https://example.org/")


def test_max_nodes_leaves_a_note_and_a_warning(tmp_path, seed_graph, caplog):
    with caplog.at_level(logging.WARNING, logger="kg.viz"):
        page = render(seed_graph, tmp_path / "g.html", max_nodes=40).read_text(encoding="utf-8")
    assert 'id="kg-note"' in page and "Showing the 40 most connected of" in page
    assert any("left out" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    caplog.clear()
    small = subgraph_for(seed_graph, entity="bert")
    with caplog.at_level(logging.WARNING, logger="kg.viz"):
        page = page_html(small)
    assert 'id="kg-note"' not in page and not caplog.records


def test_show_for_jupyter():
    obj = show(xss_graph())
    html_text = obj._repr_html_() if hasattr(obj, "_repr_html_") else obj.data
    assert html_text.startswith("<iframe srcdoc=") and "sandbox=" in html_text
    assert EVIL not in html_text


def test_cli_viz(tmp_path, seed_graph):
    from kg.cli import main
    from kg.stores import open_store

    open_store("networkx", path=tmp_path / "g").write(seed_graph.copy())
    out = tmp_path / "bert.html"
    runner = CliRunner()
    res = runner.invoke(main, ["viz", "--graph", str(tmp_path / "g"), "--entity", "bert", "--hops", "2",
                               "--types", "Paper,Model,Dataset", "--max-nodes", "50", "-o", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert out.exists() and "2 hops around" in out.read_text(encoding="utf-8")
    res = runner.invoke(main, ["viz", "--graph", str(tmp_path / "g"), "--entity", "nosuchthing", "-o", str(out)])
    assert res.exit_code != 0 and "no entity or paper named 'nosuchthing'" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(main, ["viz", "--graph", str(tmp_path / "g"), "--query", "MATCH (d:Dataset) RETURN d",
                               "-o", str(tmp_path / "q.html")])  # fmt: skip
    assert res.exit_code == 0, res.output


# -- in the browser ---------------------------------------------------------------
def open_page(browser: Chromium, path: Path, timeout: float = 30.0) -> float:
    """Open the page and wait until its layout has settled; seconds taken."""
    started = browser.open(path)
    browser.wait_for("window.kgViz && window.kgViz.stabilized", timeout=timeout)
    return time.monotonic() - started


def node_position(browser: Chromium, node_id: str) -> tuple[float, float]:
    pos = browser.evaluate(f"""(() => {{
        const id = {json.dumps(node_id)};
        const p = network.canvasToDOM(network.getPositions([id])[id]);
        const r = document.getElementById('kg-network').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }})()""")
    return pos[0], pos[1]


def painted_pixels(browser: Chromium) -> int:
    return browser.evaluate("""(() => {
        const c = document.querySelector('#kg-network canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++;
        return n;
    })()""")


def assert_clean(browser: Chromium) -> None:
    assert browser.requests(), "no request was recorded at all"
    assert local_only(browser.requests()) == []
    assert browser.errors() == []


@pytest.mark.browser
def test_seed_graph_page_in_chromium(tmp_path, seed_graph, chromium):
    path = render(seed_graph, tmp_path / "seed.html")
    shown = trim(seed_graph, 300)
    seconds = open_page(chromium, path)
    assert chromium.evaluate("network.body.data.nodes.length") == 300
    assert chromium.evaluate("network.body.data.edges.length") == pairs(seed_graph.subgraph(shown))
    assert chromium.evaluate("Object.keys(network.getPositions()).length") == 300
    assert chromium.evaluate("network.physics.options.enabled") is False  # physics off once settled
    labels = chromium.evaluate("network.body.data.edges.get().map(e => e.label)")
    assert labels and {t for lb in labels for t in lb.split(" / ")} <= set(S.REL_TYPES)
    assert painted_pixels(chromium) > 5_000
    assert chromium.evaluate("document.getElementById('kg-note').textContent").startswith("Showing the 300")
    legend = chromium.evaluate(
        "[...document.querySelectorAll('.kg-legend-item[data-label]')].map(e => e.dataset.label)"
    )
    assert "Paper" in legend and "Method" in legend
    # the search box finds and selects a node
    hit = chromium.evaluate("kgViz.find('bert')")
    assert hit and chromium.evaluate("network.getSelectedNodes()") == [hit]
    time.sleep(0.6)  # the loading veil fades out
    shot = chromium.screenshot(tmp_path / "seed.png")
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert_clean(chromium)
    assert seconds < 30


@pytest.mark.browser
def test_xss_payloads_do_not_run(tmp_path, chromium):
    g = xss_graph()
    path = render(subgraph_for(g, entity=EVIL_METHOD, hops=2), tmp_path / "xss.html")
    open_page(chromium, path)
    assert chromium.evaluate("network.body.data.nodes.length") == 4
    assert "hops around 'EvilNet<script>window.__xss=1</script><img src=x" in chromium.evaluate("document.title")
    assert chromium.evaluate("document.querySelector('h1').textContent") == chromium.evaluate("document.title")
    # hover the paper: vis-network shows its tooltip, with the title as text
    x, y = node_position(chromium, "Paper:arxiv:2501.00001")
    chromium.mouse_move(x - 40, y - 40)
    chromium.mouse_move(x, y)
    tip = chromium.wait_for(
        """(() => { const t = document.querySelector('div.vis-tooltip');
        return t && t.style.visibility !== 'hidden' && t.textContent.length ? t.textContent : null; })()""",
        timeout=10,
    )
    assert EVIL_TITLE in tip and f"Mallory {EVIL}" in tip
    # click it: the details panel, with the abstract, and no link for a javascript: URL
    chromium.click(x, y)
    details = chromium.wait_for(
        "!document.getElementById('kg-details').hidden && document.getElementById('kg-details').textContent", timeout=10
    )
    assert EVIL_TITLE in details and f"We study {EVIL} at length." in details
    assert chromium.evaluate("document.querySelectorAll('#kg-details a').length") == 0
    # the other paper's link is kept, as a plain link
    assert chromium.evaluate("kgViz.showDetails('Paper:arxiv:2501.00002')")
    href = chromium.evaluate("document.querySelector('#kg-details a').href")
    assert href.startswith("https://example.org/paper?")
    # the entity's tooltip: name, alias and evidence as text
    assert chromium.evaluate("kgViz.showDetails('Method:evilnet')")
    details = chromium.evaluate("document.getElementById('kg-details').textContent")
    assert (
        EVIL_METHOD in details
        and "<b onmouseover=window.__xss4=1>bold</b>" in details
        and f"We propose {EVIL}." in details
    )
    time.sleep(0.3)
    chromium.screenshot(tmp_path / "xss.png")
    ran = chromium.evaluate("[window.__xss, window.__xss2, window.__xss3, window.__xss4, window.__xss5]")
    assert ran == [None, None, None, None, None]
    assert (
        chromium.evaluate("document.querySelectorAll('img, iframe, b, script:not([type])').length") == 2
    )  # vis + kg scripts
    assert not [u for u in chromium.requests() if u.endswith("/x")]
    assert_clean(chromium)


@pytest.mark.browser
def test_empty_and_tiny_pages(tmp_path, chromium):
    open_page(chromium, render(new_graph(), tmp_path / "empty.html"), timeout=10)
    assert chromium.evaluate("network.body.data.nodes.length") == 0
    g = new_graph()
    add_node(g, S.METHOD, "solo", name="Solo", aliases=[], paper_count=1)
    open_page(chromium, render(g, tmp_path / "one.html"), timeout=10)
    assert chromium.evaluate("network.body.data.nodes.length") == 1
    assert_clean(chromium)


@pytest.mark.browser
@pytest.mark.slow
def test_two_thousand_nodes_settle(tmp_path, chromium):
    """Functional only: the page settles with every node. How long it takes is
    a figure for benchmarks/bench_viz.py, not a pass mark on a shared machine."""
    g = synthetic_graph(1_700, 300)
    assert g.number_of_nodes() == 2_000
    open_page(chromium, render(g, tmp_path / "big.html", max_nodes=2_000), timeout=120)
    assert chromium.evaluate("network.body.data.nodes.length") == 2_000
    assert_clean(chromium)
