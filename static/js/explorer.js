// The graph explorer (templates/graph/explorer.html; the server side is graph/explorer.py).
//
// The state lives in the URL (expand, focus, types, from, to), as the server reads it. The graph
// of a state is the slice (data.base) and each expansion in order, as the server composes it;
// an expansion is fetched from the expand endpoint with the state before it, once, then kept.
// Filters hide, as graph/explorer.py `visible` does. Names are only ever set as text.
(function () {
  "use strict";

  var KINDS = ["researcher", "institution", "topic", "work"];
  var COLOURS = { researcher: "#1d4ed8", institution: "#047857", topic: "#7c3aed", work: "#b45309" };
  var SHAPES = { researcher: "ellipse", institution: "round-rectangle", topic: "diamond", work: "rectangle" };
  var NOUNS = { researcher: "researcher", institution: "institution", topic: "topic", work: "work" };

  var data, cy, state, graph, live, canvas;
  var steps = {}; // "<tokens before>|<token>" -> the expand endpoint's answer
  var anchor = null; // the node whose neighbours the arrow keys go through
  var selected = null; // the node the arrow keys are on
  var firstDraw = true;
  var serverDropped = null; // what the server left out of the URL it was asked for, said once

  // --- state <-> URL --------------------------------------------------------------------------

  function tokenNode(token) { return token.split("-")[0]; }

  function parseState(search) {
    var params = new URLSearchParams(search);
    var expand = (params.get("expand") || "").split(",").map(function (t) { return t.trim().toUpperCase(); })
      .filter(function (t) { return /^[AITCW][0-9]{1,12}(-[0-9]{1,4})?$/.test(t); });
    var types = params.get("types");
    var kinds = types === null ? KINDS.slice() : types.split(",").filter(function (k) { return KINDS.indexOf(k) >= 0; });
    var year = function (name) {
      var v = params.get(name);
      return v && /^[0-9]{4}$/.test(v) ? parseInt(v, 10) : null;
    };
    var from = year("from"), to = year("to");
    if (from && to && from > to) { var t = from; from = to; to = t; }
    return { expand: expand, focus: (params.get("focus") || "").toUpperCase() || null,
             types: kinds.length ? kinds : KINDS.slice(), from: from, to: to };
  }

  function query(s, extra) {
    var parts = [];
    var add = function (k, v) { if (v) { parts.push(k + "=" + encodeURIComponent(v).replace(/%2C/g, ",")); } };
    add("expand", s.expand.join(","));
    add("focus", s.focus);
    add("types", s.types.length < KINDS.length ? s.types.slice().sort().join(",") : "");
    add("from", s.from ? String(s.from) : "");
    add("to", s.to ? String(s.to) : "");
    Object.keys(extra || {}).forEach(function (k) { add(k, extra[k]); });
    return parts.length ? "?" + parts.join("&") : "";
  }

  function copy(s) {
    return { expand: s.expand.slice(), focus: s.focus, types: s.types.slice(), from: s.from, to: s.to };
  }

  // --- the graph of a state -------------------------------------------------------------------

  function undirected(e) { return e.source < e.target ? e.source + "|" + e.target : e.target + "|" + e.source; }

  function fetchStep(prefix, token) {
    var key = prefix.join(",") + "|" + token;
    if (steps[key]) { return Promise.resolve(steps[key]); }
    var dash = token.indexOf("-");
    var s = copy(state);
    s.expand = prefix;
    s.focus = null;
    var url = data.expand_url + query(s, { node: tokenNode(token), offset: dash > 0 ? token.slice(dash + 1) : "0" });
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error || "The expansion failed."); }
        steps[key] = body;
        return body;
      });
    });
  }

  function compose(s) {
    var g = { nodes: new Map(), edges: new Map(), order: [], applied: [], dropped: [], last: null, expanded: {} };
    data.base.nodes.forEach(function (n) { g.nodes.set(n.id, n); g.order.push(n.id); });
    data.base.edges.forEach(function (e) { g.edges.set(undirected(e), e); });
    var chain = Promise.resolve();
    s.expand.forEach(function (token) {
      chain = chain.then(function () {
        var node = tokenNode(token);
        if (!g.nodes.has(node)) { g.dropped.push("the expansion of " + node + " (not in this graph)"); return; }
        if (g.nodes.size >= data.max_nodes) { g.dropped.push("the expansion of " + node + " (the graph is at its cap)"); return; }
        return fetchStep(g.applied.slice(), token).then(function (step) {
          var added = [];
          step.nodes.forEach(function (n) {
            if (!g.nodes.has(n.id)) { g.nodes.set(n.id, n); g.order.push(n.id); added.push(n); }
          });
          step.edges.forEach(function (e) { if (!g.edges.has(undirected(e))) { g.edges.set(undirected(e), e); } });
          g.applied.push(token);
          g.expanded[node] = step.next_offset;
          g.last = { node: node, added: added };
        }, function (error) { g.dropped.push(error.message); });
      });
    });
    return chain.then(function () { return g; });
  }

  // The filters, as graph/explorer.py `visible`.
  function visible(g, s) {
    var inYears = function (first, last) {
      if (first == null && last == null) { return true; }
      return (s.from == null || (last || first || 0) >= s.from) && (s.to == null || (first || last || 0) <= s.to);
    };
    var shown = new Set();
    g.order.forEach(function (id) {
      var n = g.nodes.get(id);
      if (n.centre || (s.types.indexOf(n.kind) >= 0 && (n.kind !== "work" || inYears(n.year, n.year)))) { shown.add(id); }
    });
    var edges = [];
    g.edges.forEach(function (e) {
      if (shown.has(e.source) && shown.has(e.target) && inYears(e.first_year, e.last_year)) { edges.push(e); }
    });
    var tied = new Set([data.centre]);
    edges.forEach(function (e) { tied.add(e.source); tied.add(e.target); });
    return { nodes: g.order.filter(function (id) { return tied.has(id); }).map(function (id) { return g.nodes.get(id); }),
             edges: edges };
  }

  function neighbours(id, view) {
    var out = [];
    view.edges.forEach(function (e) {
      if (e.source === id) { out.push({ id: e.target, edge: e }); } else if (e.target === id) { out.push({ id: e.source, edge: e }); }
    });
    return out.sort(function (a, b) { return b.edge.weight - a.edge.weight || label(a.id).localeCompare(label(b.id)); });
  }

  function label(id) { var n = graph && graph.nodes.get(id); return n ? n.label : id; }

  // --- drawing ---------------------------------------------------------------------------------

  function short(text) { return text.length > 40 ? text.slice(0, 39) + "…" : text; }

  function draw(view) {
    var wanted = new Set();
    var added = [];
    view.nodes.forEach(function (n) { wanted.add(n.id); });
    view.edges.forEach(function (e) { wanted.add("e:" + undirected(e)); });
    cy.batch(function () {
      cy.elements().forEach(function (el) { if (!wanted.has(el.id())) { cy.remove(el); } });
      view.nodes.forEach(function (n) {
        if (cy.getElementById(n.id).empty()) {
          var near = neighbours(n.id, view).map(function (x) { return cy.getElementById(x.id); })
            .filter(function (el) { return el.nonempty(); })[0];
          var at = near ? near.position() : { x: 0, y: 0 };
          added.push(cy.add({ group: "nodes", data: { id: n.id, label: short(n.label), kind: n.kind,
            size: n.centre ? 46 : Math.min(40, 18 + 3 * Math.sqrt(n.weight || 1)) },
            classes: n.kind + (n.centre ? " centre" : ""),
            position: { x: at.x + (added.length % 7) * 9 - 27, y: at.y + (added.length % 5) * 9 - 18 } }));
        }
      });
      view.edges.forEach(function (e) {
        var id = "e:" + undirected(e);
        if (cy.getElementById(id).empty()) {
          cy.add({ group: "edges", data: { id: id, source: e.source, target: e.target, kind: e.kind,
            width: Math.min(8, 1 + Math.log2(e.weight || 1) * 1.5) }, classes: e.kind });
        }
      });
    });
    if (firstDraw || added.length) {
      var layout = cy.layout({ name: "fcose", randomize: firstDraw, animate: false, quality: "default",
                               nodeRepulsion: 6000, idealEdgeLength: 70, fit: true, padding: 20 });
      if (firstDraw) {
        performance.mark("explorer-layout-start");
        layout.one("layoutstop", function () {
          performance.mark("explorer-draw-end");
          performance.measure("explorer-first-layout", "explorer-layout-start", "explorer-draw-end");
          performance.measure("explorer-first-draw", "explorer-draw-start", "explorer-draw-end");
          canvas.setAttribute("data-drawn", String(cy.nodes().length));
        });
      }
      layout.run();
      firstDraw = false;
    }
    canvas.setAttribute("data-nodes", String(cy.nodes().length));
    markFocus();
  }

  function markFocus() {
    cy.elements().removeClass("focus selected");
    if (state.focus) { cy.getElementById(state.focus).addClass("focus"); }
    if (selected) { cy.getElementById(selected).addClass("selected"); }
  }

  // --- what is written around the drawing (all as text) ----------------------------------------

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text != null) { node.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function bdi(text) { return el("bdi", text); }

  function stateLink(text, name, s) {
    var a = el("a", text, { href: query(s) || "?", "data-state": "1" });
    a.appendChild(el("span", " " + name, { "class": "visually-hidden" }));
    return a;
  }

  function withExpansion(token) { var s = copy(state); s.expand.push(token); return s; }
  function withFocus(id) { var s = copy(state); s.focus = id; return s; }
  function without(id) {
    var s = copy(state);
    s.expand = s.expand.filter(function (t) { return tokenNode(t) !== id; });
    return s;
  }

  function renderTable(view) {
    var box = document.getElementById("explorer-table");
    box.textContent = "";
    var degree = {};
    view.edges.forEach(function (e) { degree[e.source] = (degree[e.source] || 0) + 1; degree[e.target] = (degree[e.target] || 0) + 1; });
    var table = el("table", null, { "class": "slice-table" });
    table.appendChild(el("caption", "Nodes shown (" + view.nodes.length + ")"));
    var head = el("tr");
    ["Name", "Type", "Ties shown", "Explore"].forEach(function (h) { head.appendChild(el("th", h, { scope: "col" })); });
    table.appendChild(el("thead")).appendChild(head);
    var body = table.appendChild(el("tbody"));
    var atCap = graph.nodes.size >= data.max_nodes;
    view.nodes.forEach(function (n) {
      var tr = body.appendChild(el("tr"));
      var th = tr.appendChild(el("th", null, { scope: "row" }));
      th.appendChild(el("a", null, { href: n.url })).appendChild(bdi(n.label));
      tr.appendChild(el("td", n.kind + (n.year ? " (" + n.year + ")" : "")));
      tr.appendChild(el("td", String(degree[n.id] || 0)));
      var td = tr.appendChild(el("td"));
      if (!(n.id in graph.expanded) && !atCap) {
        td.appendChild(stateLink("Expand", n.label, withExpansion(n.id)));
        td.appendChild(document.createTextNode(" · "));
      }
      td.appendChild(stateLink("Focus", n.label, withFocus(n.id)));
    });
    box.appendChild(table);
    var ties = el("table", null, { "class": "slice-table" });
    ties.appendChild(el("caption", "Ties shown (" + view.edges.length + ")"));
    var th2 = el("tr");
    ["From", "To", "Evidence"].forEach(function (h) { th2.appendChild(el("th", h, { scope: "col" })); });
    ties.appendChild(el("thead")).appendChild(th2);
    var tbody = ties.appendChild(el("tbody"));
    view.edges.forEach(function (e) {
      var tr = tbody.appendChild(el("tr"));
      tr.appendChild(el("td")).appendChild(bdi(label(e.source)));
      tr.appendChild(el("td")).appendChild(bdi(label(e.target)));
      tr.appendChild(el("td", e.evidence));
    });
    box.appendChild(ties);
  }

  function renderPanel(view) {
    var panel = document.getElementById("explorer-panel");
    panel.textContent = "";
    var id = selected || state.focus;
    var n = id && graph.nodes.get(id);
    if (!n) { return; }
    panel.appendChild(el("h3")).appendChild(bdi(n.label));
    var meta = panel.appendChild(el("p", NOUNS[n.kind] + (n.year ? ", " + n.year : "") + " · ", { "class": "muted small" }));
    meta.appendChild(el("a", "open its page", { href: n.url }));
    var actions = panel.appendChild(el("p", null, { "class": "actions" }));
    var button = function (text, handler) {
      var b = actions.appendChild(el("button", text, { type: "button" }));
      b.addEventListener("click", handler);
      return b;
    };
    if (!(n.id in graph.expanded)) {
      button("Expand", function () { expand(n.id); });
    } else {
      if (graph.expanded[n.id] != null) { button("Show more", function () { expand(n.id + "-" + graph.expanded[n.id]); }); }
      button("Collapse", function () { collapse(n.id); });
    }
    if (state.focus !== n.id) { button("Focus", function () { apply(withFocus(n.id), true); }); }
    if (n.kind === "researcher") {
      // The collaboration app's invitation control for this person and this viewer (another
      // app, which graph does not import): htmx loads its fragment into the panel.
      var hook = panel.appendChild(el("div", null, { "class": "collaboration-hook" }));
      var cardUrl = "/researchers/" + encodeURIComponent(n.id) + "/collaboration/";
      hook.setAttribute("data-collaboration-url", cardUrl);
      hook.setAttribute("data-hx-get", cardUrl);
      hook.setAttribute("data-hx-trigger", "load");
      if (window.htmx) { window.htmx.process(hook); }
    }
    var near = neighbours(n.id, view);
    if (near.length) {
      panel.appendChild(el("p", "Ties (" + near.length + ")", { "class": "small", id: "explorer-ties-label" }));
      var list = panel.appendChild(el("ul", null, { "aria-labelledby": "explorer-ties-label" }));
      near.forEach(function (x) {
        var li = list.appendChild(el("li"));
        var b = li.appendChild(el("button", null, { type: "button", "class": "link" }));
        b.appendChild(bdi(label(x.id)));
        li.appendChild(document.createTextNode(": " + x.edge.evidence));
        b.addEventListener("click", function () { select(x.id, n.id); });
      });
    }
  }

  function renderNotices(g) {
    var box = document.getElementById("explorer-dropped");
    box.textContent = "";
    // The first view is the server's: its list is complete (malformed parts too).
    var dropped = serverDropped || g.dropped;
    serverDropped = null;
    if (g.nodes.size >= data.max_nodes) {
      dropped.push("further expansions: the graph shows " + g.nodes.size + " nodes, the most it draws (" + data.max_nodes + "); collapse some first");
    }
    if (dropped.length) { box.appendChild(el("p", "Left out of this view: " + dropped.join("; ") + ".")); }
    document.getElementById("explorer-undo-js").disabled = state.expand.length === 0;
  }

  function renderForm() {
    var form = document.getElementById("explorer-filters");
    form.querySelectorAll('input[name="types"]').forEach(function (box) { box.checked = state.types.indexOf(box.value) >= 0; });
    form.elements.from.value = state.from || "";
    form.elements.to.value = state.to || "";
    form.querySelectorAll('input[type="hidden"], #explorer-undo').forEach(function (h) { h.remove(); });
  }

  // --- changing the state ----------------------------------------------------------------------

  var pending = Promise.resolve();

  function apply(next, push, announce) {
    pending = pending.then(function () {
      return compose(next).then(function (g) {
        next.expand = g.applied;
        if (next.focus && !g.nodes.has(next.focus)) { g.dropped.push("the focus " + next.focus + " (not in this graph)"); next.focus = null; }
        state = next;
        graph = g;
        var url = location.pathname + query(state);
        if (push) { history.pushState(null, "", url); } else { history.replaceState(null, "", url); }
        var view = visible(g, state);
        if (selected && !g.nodes.has(selected)) { selected = null; }
        if (anchor && !g.nodes.has(anchor)) { anchor = null; }
        draw(view);
        renderTable(view);
        renderPanel(view);
        renderNotices(g);
        renderForm();
        if (announce && g.last) {
          live.textContent = announceText(g.last);
        }
        if (state.focus && push) { cy.animate({ center: { eles: cy.getElementById(state.focus) } }, { duration: 150 }); }
      });
    });
    return pending;
  }

  function announceText(last) {
    var counts = {};
    last.added.forEach(function (n) { counts[n.kind] = (counts[n.kind] || 0) + 1; });
    var parts = KINDS.filter(function (k) { return counts[k]; })
      .map(function (k) { return counts[k] + " " + NOUNS[k] + (counts[k] === 1 ? "" : "s"); });
    var what = parts.length ? "Added " + parts.join(", ") : "Added nothing new";
    return what + " around " + label(last.node) + ".";
  }

  function expand(token) {
    if (state.expand.indexOf(token) >= 0) { return; }
    apply(withExpansion(token), true, true);
  }

  function collapse(id) {
    apply(without(id), true);
    live.textContent = "Collapsed " + label(id) + ".";
  }

  function select(id, from) {
    selected = id;
    if (from) { anchor = from; }
    markFocus();
    var view = visible(graph, state);
    renderPanel(view);
    var n = graph.nodes.get(id);
    var near = anchor ? neighbours(anchor, view) : [];
    var at = near.map(function (x) { return x.id; }).indexOf(id);
    var tie = at >= 0 ? ", " + near[at].edge.evidence + ", " + (at + 1) + " of " + near.length : "";
    live.textContent = n.label + ", " + NOUNS[n.kind] + tie + ".";
  }

  function onKey(event) {
    var view = visible(graph, state);
    var from = anchor || state.focus || data.centre;
    var near = neighbours(from, view);
    var at = near.map(function (x) { return x.id; }).indexOf(selected);
    if (["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"].indexOf(event.key) >= 0) {
      event.preventDefault();
      if (!near.length) { live.textContent = label(from) + " has no ties shown."; return; }
      var step = event.key === "ArrowRight" || event.key === "ArrowDown" ? 1 : -1;
      var next = near[(at + step + near.length) % near.length] || near[0];
      anchor = from;
      select(next.id, from);
    } else if (event.key === " " && selected) {
      event.preventDefault();
      anchor = selected;
      live.textContent = "Now at " + label(selected) + ": arrow keys go through its ties.";
    } else if (event.key === "Enter") {
      event.preventDefault();
      var target = selected || from;
      if (target in graph.expanded) {
        if (graph.expanded[target] != null) { expand(target + "-" + graph.expanded[target]); } else { live.textContent = label(target) + " is expanded already."; }
      } else { expand(target); }
    } else if ((event.key === "Delete" || event.key === "Backspace") && selected && selected in graph.expanded) {
      event.preventDefault();
      collapse(selected);
    } else if (event.key === "Escape") {
      selected = null;
      anchor = null;
      markFocus();
      renderPanel(view);
    }
  }

  function search(text) {
    var needle = text.trim().toLowerCase();
    cy.nodes().removeClass("match faded");
    if (!needle) { live.textContent = ""; return; }
    var hits = cy.nodes().filter(function (n) { return label(n.id()).toLowerCase().indexOf(needle) >= 0; });
    cy.nodes().not(hits).addClass("faded");
    hits.addClass("match");
    live.textContent = hits.length + " node" + (hits.length === 1 ? "" : "s") + " match.";
    return hits;
  }

  // --- start -----------------------------------------------------------------------------------

  function start() {
    var script = document.getElementById("graph-data");
    if (!script || !window.cytoscape || !window.cytoscapeFcose) { return; }
    data = JSON.parse(script.textContent);
    serverDropped = data.dropped.length ? data.dropped : null;
    canvas = document.getElementById("explorer-canvas");
    live = document.getElementById("explorer-live");
    document.getElementById("explorer-app").hidden = false;
    window.cytoscape.use(window.cytoscapeFcose);
    // The state as the server read it (ids of merged records already replaced by the current ones).
    state = { expand: data.state.expand.slice(), focus: data.state.focus, types: data.state.types.slice(),
              from: data.state.from, to: data.state.to };
    // The steps the server composed for this URL: the same answers the endpoint would give.
    var prefix = [];
    data.steps.forEach(function (step) { steps[prefix.join(",") + "|" + step.token] = step; prefix.push(step.token); });
    performance.mark("explorer-draw-start");
    cy = window.cytoscape({
      container: canvas,
      minZoom: 0.2,
      maxZoom: 3,
      style: [
        { selector: "node", style: { label: "data(label)", "font-size": 10, "text-valign": "bottom", "text-margin-y": 3,
          "text-wrap": "ellipsis", "text-max-width": 120, width: "data(size)", height: "data(size)", color: "#1d2330",
          "text-background-color": "#fff", "text-background-opacity": 0.8 } },
        { selector: "node.researcher", style: { "background-color": COLOURS.researcher, shape: SHAPES.researcher } },
        { selector: "node.institution", style: { "background-color": COLOURS.institution, shape: SHAPES.institution } },
        { selector: "node.topic", style: { "background-color": COLOURS.topic, shape: SHAPES.topic } },
        { selector: "node.work", style: { "background-color": COLOURS.work, shape: SHAPES.work } },
        { selector: "node.centre", style: { "border-width": 4, "border-color": "#1d2330", "font-weight": "bold" } },
        { selector: "node.focus", style: { "border-width": 4, "border-color": "#dc2626" } },
        { selector: "node.selected", style: { "overlay-color": "#f59e0b", "overlay-opacity": 0.35, "overlay-padding": 6 } },
        { selector: "node.faded", style: { opacity: 0.25 } },
        { selector: "node.match", style: { "border-width": 3, "border-color": "#f59e0b" } },
        { selector: "edge", style: { width: "data(width)", "line-color": "#9aa3b5", "curve-style": "haystack" } },
        { selector: "edge.coauthor", style: { "line-color": "#6b7fb3" } },
      ],
    });
    cy.on("tap", "node", function (event) { selected = null; anchor = null; apply(withFocus(event.target.id()), true); });
    // A tie's evidence: shown on hover, said when it is tapped (the keyboard reaches the same
    // words through the arrow keys; the panel and the table list every tie with its evidence).
    window.bzpeerExplorer = { cy: cy };  // for the browser tests and the benchmark
    var hover = document.getElementById("explorer-hover");
    function tieText(event) {
      var e = graph.edges.get(event.target.id().slice(2));
      return e ? label(e.source) + " – " + label(e.target) + ": " + e.evidence + "." : "";
    }
    cy.on("tap", "edge", function (event) { live.textContent = tieText(event); });
    cy.on("mouseover", "edge", function (event) { hover.textContent = tieText(event); });
    cy.on("mouseover", "node", function (event) { hover.textContent = label(event.target.id()); });
    cy.on("mouseout", "edge, node", function () { hover.textContent = ""; });
    canvas.addEventListener("keydown", onKey);
    window.addEventListener("popstate", function () { apply(parseState(location.search), false); });
    document.getElementById("explorer-undo-js").addEventListener("click", function () {
      var s = copy(state);
      s.expand.pop();
      apply(s, true);
      live.textContent = "Undid the last expansion.";
    });
    document.getElementById("explorer-fit").addEventListener("click", function () { cy.fit(undefined, 20); });
    var form = document.getElementById("explorer-filters");
    var fromForm = function (event) {
      event.preventDefault();
      var s = copy(state);
      s.types = Array.prototype.filter.call(form.querySelectorAll('input[name="types"]'), function (b) { return b.checked; })
        .map(function (b) { return b.value; });
      if (!s.types.length) { s.types = KINDS.slice(); }
      var year = function (v) { return /^[0-9]{4}$/.test(v) ? parseInt(v, 10) : null; };
      s.from = year(form.elements.from.value);
      s.to = year(form.elements.to.value);
      if (s.from && s.to && s.from > s.to) { var t = s.from; s.from = s.to; s.to = t; }
      apply(s, true);
    };
    form.addEventListener("submit", fromForm);
    form.querySelectorAll('input[name="types"]').forEach(function (b) { b.addEventListener("change", fromForm); });
    document.getElementById("explorer-table").addEventListener("click", function (event) {
      var link = event.target.closest("a[data-state]");
      if (!link) { return; }
      event.preventDefault();
      var next = parseState(link.getAttribute("href"));
      var added = next.expand.length > state.expand.length;
      apply(next, true, added);
    });
    var box = document.getElementById("explorer-search");
    box.addEventListener("input", function () { search(box.value); });
    box.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      var hits = search(box.value);
      if (hits && hits.length) { apply(withFocus(hits[0].id()), true); }
    });
    apply(state, false);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
