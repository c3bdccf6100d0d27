// The API docs (templates/api/docs.html): Swagger UI draws a parameter's choices as a <select>
// without a label; name each after its parameter as it appears (tests/e2e/test_api_docs.py).
(function () {
  "use strict";
  function label(root) {
    root.querySelectorAll("select:not([aria-label]), input:not([aria-label]), textarea:not([aria-label])")
      .forEach(function (field) {
        if (field.labels && field.labels.length) return;
        var row = field.closest("[data-param-name]");
        var name = row ? row.getAttribute("data-param-name") : "";
        if (!name && field.tagName !== "SELECT") return;  // inputs keep their placeholder
        field.setAttribute("aria-label", name ? "Parameter " + name : "Choose a value");
      });
  }
  new MutationObserver(function () { label(document); })
    .observe(document.getElementById("swagger-ui"), { childList: true, subtree: true });
})();
