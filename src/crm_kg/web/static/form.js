// crm-kg question forms: a drop-down that depends on another (the opportunities of the chosen
// report) shows only the options of the value chosen there. A static file (CSP: no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-depends-on]").forEach(function (select) {
    var parent = document.getElementById(select.dataset.dependsOn);
    if (!parent) { return; }
    var follow = function () {
      var chosen = parent.value, keep = null, was = select.value;
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.hasAttribute("data-within")) { return; }
        var mine = option.dataset.within === chosen;
        option.hidden = !mine;
        option.disabled = !mine;
        // the same value in the new list if it has one (opportunity 3 → its opportunity 3)
        if (mine && (keep === null || option.value === was)) { keep = option; }
      });
      var current = select.options[select.selectedIndex];
      if (current && current.disabled && keep) { keep.selected = true; }
    };
    parent.addEventListener("change", follow);
    follow();
  });
});
