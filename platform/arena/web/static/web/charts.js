/* Render plotly figures embedded as JSON in <script type="application/json" data-chart="ID">. */
(function () {
  "use strict";
  if (!window.Plotly) { return; }
  document.querySelectorAll("script[data-chart]").forEach(function (node) {
    var target = document.getElementById(node.getAttribute("data-chart"));
    if (!target) { return; }
    var fig = JSON.parse(node.textContent);
    window.Plotly.newPlot(target, fig.data, fig.layout || {}, {responsive: true, displaylogo: false});
  });
})();
