/* Reload the page every few seconds while something on it is still pending. */
(function () {
  "use strict";
  var marker = document.querySelector("[data-autorefresh]");
  if (!marker) { return; }
  var seconds = parseInt(marker.getAttribute("data-autorefresh"), 10) || 3;
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
