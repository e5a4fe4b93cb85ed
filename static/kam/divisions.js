/* The province → city → district picker (kam.core.widgets.DivisionPicker): choosing a level
 * fills the next select from the tree the widget embeds once (a <script type="application/json">
 * named by data-kam-division-tree: {parent code: [[code, label], …]}, "" for the provinces) and
 * empties the ones after it. A level with a single choice (a municipality's city: 上海市 → 上海市)
 * is chosen at once; a level with nothing to choose (东莞市 has no districts) is disabled. */
(function () {
  "use strict";

  function fill(select, options, empty) {
    select.textContent = "";
    select.appendChild(new Option(empty, ""));
    options.forEach(function (o) { select.appendChild(new Option(o[1], o[0])); });
    select.disabled = options.length === 0;
    if (options.length === 1) { select.value = options[0][0]; }
  }

  function init(root) {
    if (root.dataset.kamDivisionReady) { return; }
    root.dataset.kamDivisionReady = "1";
    var source = document.getElementById(root.dataset.kamDivisionTree);
    if (!source) { return; }
    var tree = JSON.parse(source.textContent);
    var empty = root.dataset.kamEmpty || "";
    var selects = Array.prototype.slice.call(root.querySelectorAll("select[data-kam-level]"));
    selects.forEach(function (select, i) {
      select.addEventListener("change", function () {
        for (var j = i + 1; j < selects.length; j++) {
          var parent = selects[j - 1].value;
          fill(selects[j], (parent && tree[parent]) || [], empty);
        }
      });
    });
  }

  function initAll(scope) {
    (scope || document).querySelectorAll("[data-kam-division]").forEach(init);
  }

  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:load", function (e) { initAll(e.target); });
})();
