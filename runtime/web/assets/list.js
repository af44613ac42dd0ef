// The list page's enhancements: operators narrowed to the chosen field's
// kind, an "add condition" button, the view picker applying on change.
// The list works without this file: its forms are plain GET forms.
(function () {
  "use strict";

  // narrow shows only the operators of the kind of the row's field.
  function narrow(row) {
    var field = row.querySelector(".list-cond-field");
    var op = row.querySelector(".list-cond-op");
    if (!field || !op) return;
    var chosen = field.options[field.selectedIndex];
    var kind = chosen ? chosen.getAttribute("data-kind") : null;
    var groups = op.querySelectorAll("optgroup");
    var firstOK = null;
    groups.forEach(function (g) {
      var ok = !kind || g.getAttribute("data-kind") === kind;
      g.hidden = !ok;
      g.disabled = !ok;
      if (ok && !firstOK) firstOK = g.querySelector("option");
    });
    var current = op.options[op.selectedIndex];
    if (kind && (!current || current.parentNode.disabled) && firstOK) firstOK.selected = true;
  }

  // renumber gives a cloned row's inputs their own ids and labels.
  function renumber(row, n) {
    row.querySelectorAll("[id]").forEach(function (el) {
      el.id = el.id.replace(/[0-9]+$/, String(n));
    });
    row.querySelectorAll("label[for]").forEach(function (el) {
      el.htmlFor = el.htmlFor.replace(/[0-9]+$/, String(n));
      el.textContent = el.textContent.replace(/[0-9]+\s*$/, String(n));
    });
  }

  function init() {
    document.querySelectorAll(".list-cond").forEach(narrow);
    var add = document.querySelector(".list-add");
    var conds = document.querySelector(".list-conds");
    if (add && conds) {
      add.hidden = false;
      add.addEventListener("click", function () {
        var rows = conds.querySelectorAll(".list-cond");
        if (!rows.length || rows.length >= 20) return;
        var row = rows[rows.length - 1].cloneNode(true);
        row.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
        row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
        renumber(row, rows.length + 1);
        conds.appendChild(row);
        narrow(row);
        row.querySelector("select").focus();
      });
    }
    document.addEventListener("change", function (e) {
      var t = e.target;
      if (t.classList && t.classList.contains("list-cond-field")) {
        narrow(t.closest(".list-cond"));
      }
      if (t.hasAttribute && t.hasAttribute("data-list-autosubmit") && t.form) {
        t.form.submit();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
