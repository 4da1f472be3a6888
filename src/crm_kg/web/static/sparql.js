// crm-kg SPARQL editor. With YASGUI (served from node_modules by /vendor/yasgui/) the page's
// plain form becomes YASGUI: one tab with the page's query, the saved queries as examples
// (each opens in a tab), the common prefixes known to the editor, results whose IRIs show
// their names and link to their pages, and syntax errors as a sentence with line and column.
// Without YASGUI (or JavaScript) the form stays: Ctrl+Enter (Cmd+Enter) runs the query.
// A static file because the Content-Security-Policy allows no inline script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var area = document.getElementById("query");
  if (area && area.form) {
    area.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
        event.preventDefault();
        if (area.form.requestSubmit) { area.form.requestSubmit(); } else { area.form.submit(); }
      }
    });
  }
  var root = document.getElementById("yasgui");
  if (!root || !window.Yasgui) { return; }
  var Yasgui = window.Yasgui.default || window.Yasgui.Yasgui || window.Yasgui;
  var texts = JSON.parse(root.dataset.texts || "{}");
  var prefixes = JSON.parse(root.dataset.prefixes || "{}");
  var endpoint = root.dataset.endpoint;

  var yasgui = null;
  // our errors come as JSON {message, explanation, line, column}: shown as a sentence
  Yasgui.Yasr.defaults.errorRenderers = [function (error) {
    var body;
    try { body = JSON.parse(error.text || ""); } catch (e) { return Promise.resolve(undefined); }
    if (!body || !body.message) { return Promise.resolve(undefined); }
    var box = document.createElement("div");
    box.className = "sparql-problem";
    box.setAttribute("role", "alert");
    var p = document.createElement("p");
    if (body.line) {
      var strong = document.createElement("strong");
      strong.textContent = texts.line + " " + body.line + ", " + texts.column + " " + body.column + ": ";
      p.appendChild(strong);
      p.appendChild(document.createTextNode(body.explanation));
    } else {
      p.textContent = body.message;
    }
    box.appendChild(p);
    var current = yasgui && yasgui.getTab(), yasqe = current && current.getYasqe();
    if (yasqe && body.line) {        // the line in the editor, and the cursor at the column
      yasqe.addLineClass(body.line - 1, "background", "sparql-error-line");
      yasqe.getDoc().setCursor({ line: body.line - 1, ch: Math.max(0, body.column - 1) });
      var clear = function () {
        yasqe.removeLineClass(body.line - 1, "background", "sparql-error-line");
        yasqe.off("change", clear);
      };
      yasqe.on("change", clear);
    }
    return Promise.resolve(box);
  }];

  yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    tabName: texts.query,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: {
      value: root.dataset.query,
      // local completion only: prefixes from the bundled list and the query's variables
      // (the class and property completers would ask the LOV service on the internet)
      autocompleters: ["prefixes", "variables"],
      editorHeight: "22rem",
      resizeable: true,
      createShareableLink: null
    },
    yasr: { prefixes: prefixes }
  });
  document.body.classList.add("with-yasgui");

  function tab() { return yasgui.getTab(); }

  // the page's graph choice (default-graph-uri; none: the union of all graphs) goes with each tab
  function graphs() {
    return Array.prototype.map.call(
      document.querySelectorAll("#editor input[name='default-graph-uri']:checked"),
      function (box) { return box.value; });
  }
  function chooseGraphs() {
    var current = tab();
    if (current) { current.setRequestConfig({ defaultGraphs: graphs() }); }
  }
  document.querySelectorAll("#editor input[name='default-graph-uri']").forEach(function (box) {
    box.addEventListener("change", chooseGraphs);
  });
  yasgui.on("tabSelect", function () { setTimeout(chooseGraphs, 0); });
  chooseGraphs();

  // names for the IRIs in the result table, fetched once per IRI
  var known = {};
  function label(container) {
    var links = container.querySelectorAll(".yasr_results a[href]:not([data-named])");
    var wanted = [];
    links.forEach(function (a) {
      var iri = a.getAttribute("href");
      if (/^https?:/.test(iri) && !(iri in known) && wanted.indexOf(iri) < 0) { wanted.push(iri); }
    });
    var apply = function () {
      links.forEach(function (a) {
        var found = known[a.getAttribute("href")];
        a.setAttribute("data-named", "");
        if (!found) { return; }
        a.setAttribute("title", a.getAttribute("href"));
        a.textContent = found.label;
        a.setAttribute("href", found.href);
        a.removeAttribute("target");
        a.classList.add("named");
      });
    };
    if (!wanted.length) { apply(); return; }
    var form = new URLSearchParams();
    wanted.forEach(function (iri) { form.append("iri", iri); });
    fetch(root.dataset.labels, { method: "POST", body: form, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (names) {
        wanted.forEach(function (iri) { known[iri] = names[iri] || null; });
        apply();
      })
      .catch(apply);
  }
  var pending = null;
  new MutationObserver(function () {
    if (pending) { return; }
    pending = setTimeout(function () { pending = null; label(root); }, 50);
  }).observe(root, { childList: true, subtree: true });

  // the saved queries open in a tab of their own
  document.querySelectorAll("#examples a.example").forEach(function (a) {
    a.addEventListener("click", function (event) {
      event.preventDefault();
      yasgui.addTab(true, { name: a.dataset.label, yasqe: { value: a.dataset.query } });
      root.scrollIntoView({ behavior: "smooth" });
    });
  });

  // a query that came with the page runs at once (a link to a query shows its answer)
  if (root.dataset.run) {
    var current = tab();
    if (current && current.getYasqe()) { current.getYasqe().query().catch(function () {}); }
  }
});
