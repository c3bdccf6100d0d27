/* Wide tables scroll inside their own box, never the page (issue 17: no sideways page scrolling
   on a phone). Every table in the main content that is not already in a .psp-table-wrap gets one:
   focusable and labelled by the table's caption, so keyboard and screen-reader users can scroll
   it too. Runs on load and after every htmx swap. */
(function () {
  "use strict";
  function label(table) {
    var caption = table.querySelector("caption");
    var text = caption ? caption.textContent.trim() : "";
    return (text || "Table") + " (scrolls sideways)";
  }
  function wrapTables(root) {
    var tables = (root || document).querySelectorAll("main table");
    Array.prototype.forEach.call(tables, function (table) {
      var existing = table.closest(".psp-table-wrap");
      if (existing) {
        // A wrapper written in a template: make sure keyboards can scroll it too.
        if (!existing.hasAttribute("tabindex")) { existing.setAttribute("tabindex", "0"); }
        if (!existing.hasAttribute("role")) { existing.setAttribute("role", "region"); }
        if (!existing.hasAttribute("aria-label") && !existing.hasAttribute("aria-labelledby")) {
          existing.setAttribute("aria-label", label(table));
        }
        return;
      }
      var wrap = document.createElement("div");
      wrap.className = "psp-table-wrap";
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", label(table));
      table.parentNode.insertBefore(wrap, table);
      wrap.appendChild(table);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { wrapTables(document); });
  document.addEventListener("htmx:afterSwap", function (event) { wrapTables(event.target); });
})();
