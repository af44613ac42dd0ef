// Enhancements of the setup pages and the approval inbox. Every form works
// without this file.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    // The field form shows only the settings of the chosen type.
    document.querySelectorAll("select[data-field-type]").forEach(function (sel) {
      var form = sel.form;
      function sync() {
        form.querySelectorAll("fieldset[data-types]").forEach(function (fs) {
          var on = fs.getAttribute("data-types").split(" ").indexOf(sel.value) >= 0;
          fs.hidden = !on;
          fs.disabled = !on;
        });
      }
      sel.addEventListener("change", sync);
      sync();
    });
    // Destructive forms ask first.
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
      });
    });
    // "Select all" boxes of the inbox.
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var name = all.getAttribute("data-select-all");
      var boxes = all.form ? all.form.querySelectorAll('input[type=checkbox][name="' + name + '"]') : [];
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
      });
    });
  });
})();
