// The error summary of a form (GOV.UK pattern): focused when the page opens, so a screen
// reader reads it and the keyboard starts from it; its links put the focus in the field
// they name, with the field's label in view. Without JavaScript the summary is still
// announced (role=alert) and its links still jump to the fields.
(function () {
  "use strict";

  function start() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
      if (!link) return;
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      var label = document.querySelector("label[for='" + field.id + "']") || field;
      label.scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
