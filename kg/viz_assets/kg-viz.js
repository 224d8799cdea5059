/* kg viz: draws the graph data embedded in the page with vis-network.
 *
 * Every text from a paper reaches the page as JSON data and is put into the DOM
 * with textContent only, so titles, names and evidence show as text and never
 * run as markup. Tooltips are DOM elements (vis-network shows them as given).
 * window.kgViz exposes the network and the layout state for tests and scripts.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var state = {
    network: null, nodes: null, edges: null,
    stabilized: false, stabilizationMs: null, iterations: 0, started: performance.now(),
    showDetails: showDetails, hideDetails: hideDetails, find: find
  };
  window.kgViz = state;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function safeUrl(u) {
    try {
      var p = new URL(String(u));
      return p.protocol === "https:" || p.protocol === "http:" ? p.href : null;
    } catch (err) {
      return null;
    }
  }

  // info: {kind, heading, fields: [[name, value]], url, evidence: [{s, p}], text}
  function card(info, full) {
    var box = el("div", "kg-card");
    if (info.kind) box.appendChild(el("div", "kg-card-kind", info.kind));
    box.appendChild(el("div", "kg-card-title", info.heading));
    if (info.fields && info.fields.length) {
      var dl = el("dl");
      info.fields.forEach(function (f) {
        dl.appendChild(el("dt", null, f[0]));
        dl.appendChild(el("dd", null, f[1]));
      });
      box.appendChild(dl);
    }
    var url = info.url ? safeUrl(info.url) : null;
    if (url) {
      var a = el("a", "kg-link", url);
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      box.appendChild(a);
    }
    if (info.evidence && info.evidence.length) {
      box.appendChild(el("div", "kg-card-sub", "Evidence"));
      var ul = el("ul");
      info.evidence.forEach(function (ev) {
        var li = el("li", null, ev.s);
        if (ev.p) {
          li.appendChild(document.createTextNode(" "));
          li.appendChild(el("span", "kg-card-source", "(" + ev.p + ")"));
        }
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    if (full && info.text) box.appendChild(el("p", "kg-card-text", info.text));
    return box;
  }

  var infoById = {};
  data.nodes.forEach(function (n) {
    infoById[n.id] = n.info;
    n.title = card(n.info, false);
    delete n.info;
  });
  data.edges.forEach(function (e) {
    if (e.info) e.title = card(e.info, false);
    delete e.info;
  });

  var details = document.getElementById("kg-details");

  function showDetails(id) {
    var info = infoById[id];
    if (!info) return false;
    while (details.firstChild) details.removeChild(details.firstChild);
    var close = el("button", "kg-close", "\u00d7");
    close.type = "button";
    close.title = "Close";
    close.addEventListener("click", hideDetails);
    details.appendChild(close);
    details.appendChild(card(info, true));
    details.hidden = false;
    return true;
  }

  function hideDetails() {
    details.hidden = true;
  }

  function find(text) {
    var q = String(text || "").trim().toLowerCase();
    if (!q || !state.nodes) return null;
    var hit = null;
    state.nodes.forEach(function (n) {
      var name = (infoById[n.id] && infoById[n.id].heading || "").toLowerCase();
      if (hit === null && name === q) hit = n.id;
    });
    if (hit === null) {
      state.nodes.forEach(function (n) {
        var name = (infoById[n.id] && infoById[n.id].heading || "").toLowerCase();
        if (hit === null && name.indexOf(q) >= 0) hit = n.id;
      });
    }
    if (hit !== null) {
      state.network.selectNodes([hit]);
      state.network.focus(hit, { scale: 1.2, animation: { duration: 400 } });
      showDetails(hit);
    }
    return hit;
  }

  var loading = document.getElementById("kg-loading");
  var fill = document.getElementById("kg-bar-fill");

  function done(iterations) {
    if (state.stabilized) return;
    state.stabilized = true;
    state.iterations = iterations || 0;
    state.stabilizationMs = performance.now() - state.started;
    if (state.network) state.network.setOptions({ physics: { enabled: false } });
    loading.classList.add("kg-done");
    document.body.setAttribute("data-stabilized", "true");
  }

  state.nodes = new vis.DataSet(data.nodes);
  state.edges = new vis.DataSet(data.edges);
  var container = document.getElementById("kg-network");
  state.started = performance.now();
  var network = new vis.Network(container, { nodes: state.nodes, edges: state.edges }, data.options);
  state.network = network;
  window.network = network;

  network.on("stabilizationProgress", function (p) {
    fill.style.width = Math.round((100 * p.iterations) / Math.max(1, p.total)) + "%";
  });
  network.once("stabilizationIterationsDone", function () {
    done(data.options.physics.stabilization.iterations);
  });
  network.once("stabilized", function (p) {
    done(p && p.iterations);
  });
  if (data.nodes.length === 0 || !data.options.physics.enabled) done(0);

  network.on("click", function (params) {
    if (params.nodes && params.nodes.length) showDetails(params.nodes[0]);
    else hideDetails();
  });

  document.getElementById("kg-find").addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") find(ev.target.value);
  });
})();
