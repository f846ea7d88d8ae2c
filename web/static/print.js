// The statement's "Print" button (scripts come from /static only: no inline handlers).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-action=print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
