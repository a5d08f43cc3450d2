// Punchcard's only script besides htmx: small behaviours that must not be inline (CSP forbids it).
(function () {
  "use strict";

  // Enter in a search-as-you-type box searches now instead of submitting the surrounding form.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key === "Enter" && input.matches && input.matches("[data-search-on-enter]")) {
      event.preventDefault();
      window.htmx && window.htmx.trigger(input, "search");
    }
  });

  // A search box inside a filter form drives its own results; its change must not refilter.
  document.addEventListener(
    "change",
    function (event) {
      if (event.target.matches && event.target.matches("[data-no-form-change]")) {
        event.stopPropagation();
      }
    },
    true
  );
})();

// Copy buttons: data-copy-target names the input whose value goes to the clipboard, and
// data-copy-status an element that says whether it worked (the input stays selectable either way).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var input = document.querySelector(button.getAttribute("data-copy-target"));
    var statusSelector = button.getAttribute("data-copy-status");
    var status = statusSelector ? document.querySelector(statusSelector) : null;
    if (!input) {
      return;
    }
    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }
    function fallback() {
      input.focus();
      input.select();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (err) {
        copied = false;
      }
      say(copied ? "Copied." : "Selected: press Ctrl+C (or ⌘C) to copy.");
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () {
        input.select();
        say("Copied.");
      }, fallback);
    } else {
      fallback();
    }
  });
})();
