/* What the site adds to htmx 1.9. ES5 on purpose: old Android WebViews and UC Browser run this site.
   0. Buttons that only matter without htmx (the region cascade's "Show its districts") carry the
      class "no-hx". They stay visible until htmx runs, so a person whose script is slow to arrive
      or never arrives (2G, a proxy browser) always has a way on. Once htmx runs, <html> gets the
      class "hx", which hides them (not in Opera Mini, which sends no change events). A list
      changed before htmx took charge of it (before htmx ran, or in the moment between a swap and
      its settling) is sent now, so the lists below always follow the choice that is shown.
   1. Swap an error response (a 429 "too many tries", an expired form) when the server marked it
      as a fragment to swap with an HX-Reswap header.
   2. Any other error, or no answer at all (offline, a dropped 2G connection), would leave the
      page unchanged and silent: say so at the top of the form that was sent, in the page's
      language (the texts are data attributes of <body>). What was typed stays in the form.
   3. Focus after every swap, as a page load gives it without JavaScript (autofocus): the error
      summary when the new content has one, otherwise the field a Change link named. */
(function () {
  if (!window.htmx) {
    return;
  }
  // Opera Mini runs scripts on its proxy at load and on clicks, never on a list's change: there
  // the cascade's buttons are the only way on, so they stay.
  if (!window.operamini) {
    document.documentElement.className += " hx";
  }

  function changedEarly(select) {
    var initial = 0;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].defaultSelected) {
        initial = i;
        break;
      }
    }
    return select.options.length > 0 && select.selectedIndex !== initial;
  }

  htmx.onLoad(function (root) {
    if (!root.getAttribute) {
      return;
    }
    var cascades = root.hasAttribute("data-cascade") ? [root] : root.querySelectorAll("[data-cascade]");
    for (var i = 0; i < cascades.length; i++) {
      var selects = cascades[i].getElementsByTagName("select");
      for (var j = 0; j < selects.length; j++) {
        if (changedEarly(selects[j])) {
          htmx.trigger(selects[j], "change");
          break;
        }
      }
    }
  });

  htmx.onLoad(function (root) {
    if (!root.querySelector) {
      return;
    }
    var target = root.id === "error-summary" ? root : root.querySelector("#error-summary");
    if (!target) {
      target = root.hasAttribute && root.hasAttribute("autofocus") ? root : root.querySelector("[autofocus]");
    }
    // Never take the focus from where the person is typing (a list of the region cascade, or
    // a field filled while the deferred scripts were still arriving on 2G).
    var active = document.activeElement;
    var free = !active || active === document.body || !document.body.contains(active) || root.contains(active);
    if (target && free && target !== active) {
      target.focus();
    }
  });

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
