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
