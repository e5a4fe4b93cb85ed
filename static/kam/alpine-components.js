/* KAM's Alpine components. The page loads Alpine's CSP build (the Content-Security-Policy has no
 * 'unsafe-eval'), which evaluates only simple expressions — property reads, calls, operators — so
 * every piece of state or behaviour a template needs is a named component here:
 *   <div x-data="kamSelection" @change="sync"> … x-show="ids.length" … </div>
 * This file is loaded before Alpine (both deferred, in order), so the components exist when it starts. */
document.addEventListener("alpine:init", function () {
  "use strict";

  // A list's row selection (bulk actions): the ids of the checked .kam-select boxes, without
  // duplicates (a row appears in the table and in the phone's cards).
  window.Alpine.data("kamSelection", function () {
    return {
      ids: [],
      sync: function () {
        var seen = {};
        this.ids = Array.prototype.map.call(this.$root.querySelectorAll(".kam-select:checked"), function (e) { return e.value; })
          .filter(function (value) { return seen[value] ? false : (seen[value] = true); });
      },
      // the header's "select all on this page" box
      toggleAll: function (event) {
        var checked = event.target.checked;
        this.$root.querySelectorAll(".kam-select").forEach(function (e) { e.checked = checked; });
        this.sync();
      }
    };
  });
});
