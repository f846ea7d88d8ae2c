// Starts Swagger UI on /api/v1/docs (web/templates/swagger_ui.html) from this server's
// files, so the page needs no inline script.
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  var config = JSON.parse(container.getAttribute("data-config") || "{}");
  config.url = container.getAttribute("data-spec-url");
  config.dom_id = "#swagger-ui-container";
  window.ui = SwaggerUIBundle(config);
});
