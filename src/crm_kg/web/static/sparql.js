// crm-kg SPARQL editor: Ctrl+Enter (Cmd+Enter) runs the query.
// A static file because the Content-Security-Policy allows no inline script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var area = document.getElementById("query");
  if (!area || !area.form) { return; }
  area.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      if (area.form.requestSubmit) { area.form.requestSubmit(); } else { area.form.submit(); }
    }
  });
});
