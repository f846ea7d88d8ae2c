// Typeahead pickers (an ARIA combobox with a listbox of suggestions) on the registrar's
// forms. Without JavaScript the fields stay what they are: a PIN box with a link to the
// teacher search, and a programme list with its own search box.
//
// <input data-suggest="/teachers/suggestions">              picking fills in the value
// <input data-suggest="/programmes/suggestions" data-target="programme_id">
//                                                           picking chooses in the <select>
(function () {
  "use strict";

  var DELAY_MS = 200;

  function setup(input) {
    var url = input.getAttribute("data-suggest");
    var target = input.getAttribute("data-target");
    var select = target ? document.getElementById(target) : null;
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var items = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    list.id = input.id + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");
    input.parentNode.insertBefore(list, input.nextSibling);
    input.parentNode.insertBefore(status, list.nextSibling);

    function close() {
      // A choice, Escape or leaving the box ends the asking: an answer still on its way
      // (a slow server, a pause in typing) must not open the list again.
      clearTimeout(timer);
      asked++;
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }

    function choose(index) {
      var item = items[index];
      if (!item) return;
      if (select) {
        select.value = item.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
        input.value = item.label;
      } else {
        input.value = item.value;
      }
      close();
      status.textContent = item.label;
    }

    function show(answer) {
      // A newer answer may come while an option is highlighted (a slow server, the
      // question sent after a pause in typing): the highlight stays on the same item if
      // the answer has it, so the Enter that follows picks what the reader saw.
      var kept = active >= 0 && items[active] ? items[active].value : null;
      items = answer.items || [];
      list.textContent = "";
      items.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var label = document.createElement("span");
        label.textContent = item.label;
        var detail = document.createElement("small");
        detail.textContent = item.detail || "";
        option.appendChild(label);
        option.appendChild(detail);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the box
          choose(index);
        });
        list.appendChild(option);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      status.textContent = list.getAttribute("data-found").replace("%d", answer.total || 0);
      active = -1;
      input.removeAttribute("aria-activedescendant");
      for (var i = 0; i < items.length; i++) {
        if (kept !== null && items[i].value === kept) highlight(i);
      }
    }

    function ask() {
      var text = input.value.trim();
      if (text.replace(/\s/g, "").length < 2 || /^[0-9]{14}$/.test(text)) {
        close();
        return;
      }
      var number = ++asked;
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : { total: 0, items: [] };
        })
        .then(function (answer) {
          if (number === asked) show(answer); // an older answer never replaces a newer one
        })
        .catch(close);
    }

    list.setAttribute("data-found", input.getAttribute("data-found") || "%d");
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        // Pick, never submit the form while the list is open (its options may have
        // just been replaced under the highlight: the reader looks again).
        event.preventDefault();
        if (active >= 0) choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  function start() {
    var inputs = document.querySelectorAll("input[data-suggest]");
    for (var i = 0; i < inputs.length; i++) setup(inputs[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
