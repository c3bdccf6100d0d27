/* Draw every plotly figure on the page from its json_script data, and wire the
   "show the numbers" table toggles. Loaded as a static file: no inline script (CSP). */
(function () {
  "use strict";

  function draw(el) {
    var source = document.getElementById(el.dataset.figure);
    if (!source || typeof Plotly === "undefined") { return; }
    var fig = JSON.parse(source.textContent);
    var config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["sendDataToCloud"] };
    if (el.dataset.topojsonUrl) { config.topojsonURL = el.dataset.topojsonUrl; }
    Plotly.newPlot(el, fig.data, fig.layout, config).then(function () {
      el.setAttribute("data-drawn", "true");
    });
  }

  function wireToggle(button) {
    var target = document.getElementById(button.getAttribute("aria-controls"));
    if (!target) { return; }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      target.hidden = open;
      button.textContent = open ? button.dataset.showLabel : button.dataset.hideLabel;
    });
  }

  function init() {
    document.querySelectorAll(".psp-chart[data-figure]").forEach(draw);
    document.querySelectorAll("button.psp-table-toggle").forEach(wireToggle);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
