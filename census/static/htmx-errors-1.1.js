/* htmx 1.9 and failed requests. ES5 on purpose: old Android WebViews and UC Browser run this site.
   1. Swap an error response (a 429 "too many tries", an expired form) when the server marked it
      as a fragment to swap with an HX-Reswap header.
   2. Any other error, or no answer at all (offline, a dropped 2G connection), would leave the
      page unchanged and silent: say so at the top of the form that was sent, in the page's
      language (the texts are data attributes of <body>). What was typed stays in the form. */
(function () {
  function formOf(element) {
    while (element && element.tagName !== "FORM") {
      element = element.parentNode;
    }
    return element;
  }

  function tell(element, key) {
    var form = formOf(element);
    var text = document.body.getAttribute(key);
    if (!form || !text) {
      return;
    }
    var note = form.querySelector(".request-failed");
    if (!note) {
      note = document.createElement("p");
      note.className = "error-text request-failed";
      note.setAttribute("role", "alert");
      form.insertBefore(note, form.firstChild);
    }
    note.textContent = text;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event.detail.elt);
    var note = form && form.querySelector(".request-failed");
    if (note) {
      note.parentNode.removeChild(note);
    }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("HX-Reswap")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:responseError", function (event) {
    tell(event.detail.elt, "data-request-failed");
  });
  document.addEventListener("htmx:sendError", function (event) {
    tell(event.detail.elt, "data-request-unsent");
  });
})();
