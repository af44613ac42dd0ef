// Record pages and forms: dependent picklists refilter their options when
// the controlling field changes, and lookups show their search box (htmx
// fills the select from /o/<target>/lookup). Forms work without this file:
// the server filters options and lookups offer a select.
(function () {
  "use strict";
  function controllerKey(el) {
    if (!el) return "";
    if (el.type === "checkbox") return el.checked ? "true" : "false";
    return el.value;
  }
  function refilter(sel) {
    var ctrl = document.getElementById(sel.dataset.controller);
    var deps, all;
    try {
      deps = JSON.parse(sel.dataset.deps || "{}") || {};
      all = JSON.parse(sel.dataset.options || "[]") || [];
    } catch (e) { return; }
    var allowed = deps[controllerKey(ctrl)] || [];
    var chosen = {};
    Array.prototype.forEach.call(sel.options, function (o) { if (o.selected && o.value) chosen[o.value] = true; });
    var blank = !sel.multiple && sel.options.length && sel.options[0].value === "" ? sel.options[0].cloneNode(true) : null;
    while (sel.options.length) sel.remove(0);
    if (blank) sel.add(blank);
    all.forEach(function (o) {
      if (allowed.indexOf(o.v) < 0) return;
      var opt = new Option(o.l, o.v, false, !!chosen[o.v]);
      sel.add(opt);
    });
    sel.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function wire(root) {
    root.querySelectorAll("select[data-controller]").forEach(function (sel) {
      var ctrl = document.getElementById(sel.dataset.controller);
      if (!ctrl || sel.dataset.wired) return;
      sel.dataset.wired = "1";
      ctrl.addEventListener("change", function () { refilter(sel); });
    });
    root.querySelectorAll("input.lookup-search[hidden]").forEach(function (q) { q.hidden = false; });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { wire(document); });
  } else {
    wire(document);
  }
})();
