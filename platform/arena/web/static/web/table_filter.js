/* Filter the rows of a table by name as the user types: an <input data-filter-table="ID">
   hides the rows of table#ID whose data-search text does not contain every typed word.
   Without JavaScript every row stays visible. */
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[data-filter-table]");
  Array.prototype.forEach.call(inputs, function (input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table) { return; }
    var rows = table.querySelectorAll("tbody tr[data-search]");
    var count = document.getElementById("region-count");
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(rows, function (row) {
        var text = row.getAttribute("data-search") || "";
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      if (count) {
        count.textContent = words.length ? shown + " of " + rows.length + " shown" : "";
      }
    }
    input.addEventListener("input", apply);
    apply();
  });
})();
