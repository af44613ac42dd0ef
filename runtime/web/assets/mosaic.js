// Mosaic's progressive enhancements. Every form works without this file.
(function () {
  "use strict";
  // Escape closes the open menu.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (d) { d.removeAttribute("open"); });
  });
})();
