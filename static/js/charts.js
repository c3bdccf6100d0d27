/* Draw every plotly figure on the page from its json_script data, and wire the
   "show the numbers" table toggles: at page load, and in content htmx swaps in later.
   Each chart is drawn and each toggle wired once, however often both paths see it.
   Loaded as a static file: no inline script (CSP). */
(function () {
  "use strict";

  // Plotly draws a subset of HTML (<a href>, <b>, <br>…) found in any title, label, legend or
  // hover text, and names and notes people typed themselves end up there. Every string of a
  // figure is shown as text: no figure of this project uses markup (docs/reliability.md §3).
  function asText(value) {
    if (typeof value === "string") {
      return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    }
    if (Array.isArray(value)) { return value.map(asText); }
    if (value && typeof value === "object") {
      var out = {};
      Object.keys(value).forEach(function (key) { out[key] = asText(value[key]); });
      return out;
    }
    return value;
  }

  function draw(el) {
    if (el.hasAttribute("data-chart-init")) { return; }
    var source = document.getElementById(el.dataset.figure);
    if (!source || typeof Plotly === "undefined") { return; }
    el.setAttribute("data-chart-init", "");
    var fig = asText(JSON.parse(source.textContent));
    var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["sendDataToCloud"] };
    if (el.dataset.topojsonUrl) { config.topojsonURL = el.dataset.topojsonUrl; }
    Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
      el.setAttribute("data-drawn", "true");
    });
  }

  function wireToggle(button) {
    if (button.hasAttribute("data-toggle-init")) { return; }
    var target = document.getElementById(button.getAttribute("aria-controls"));
    if (!target) { return; }
    button.setAttribute("data-toggle-init", "");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      target.hidden = open;
      button.textContent = open ? button.dataset.showLabel : button.dataset.hideLabel;
    });
  }

  // root itself and everything inside it that matches (htmx may hand over the chart itself).
  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) { found.unshift(root); }
    return found;
  }

  function init(root) {
    if (!root || !root.querySelectorAll) { return; }
    within(root, ".psp-chart[data-figure]").forEach(draw);
    within(root, "button.psp-table-toggle").forEach(wireToggle);
  }

  function initPage() { init(document); }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initPage);
  } else {
    initPage();
  }

  if (typeof htmx !== "undefined") {
    // Called with each element htmx swaps in (and once with the body at start, which the
    // guards above make harmless).
    htmx.onLoad(init);
    // Free a drawn chart's listeners (plotly's resize handler) when htmx removes it.
    document.addEventListener("htmx:beforeCleanupElement", function (event) {
      var el = event.target;
      if (el.hasAttribute && el.hasAttribute("data-chart-init") && typeof Plotly !== "undefined") {
        Plotly.purge(el);
      }
    });
  }
})();
