// crm-kg API page: Swagger UI (served from node_modules by /vendor/swagger-ui/) over this
// server's OpenAPI document, with "Try it out" sending GET requests to this server only.
// Without it the static list of operations below stays. No inline script (CSP).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    domNode: root,
    deepLinking: true,
    docExpansion: "none",
    defaultModelsExpandDepth: -1,
    displayRequestDuration: true,
    supportedSubmitMethods: ["get"],
    validatorUrl: null,             // never the online validator: nothing leaves this server
    tryItOutEnabled: false
  });
  document.body.classList.add("with-swagger");
});
