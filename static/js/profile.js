// Long abstracts in a works list: three lines and a "more" button. Without JavaScript they
// show in full. Runs for the page, then for every list htmx swaps in.
(function () {
  "use strict";

  function toggle(event) {
    var button = event.currentTarget;
    var abstract = document.getElementById(button.getAttribute("aria-controls"));
    var open = abstract.classList.toggle("clamped") === false;
    button.setAttribute("aria-expanded", String(open));
    button.firstChild.nodeValue = open ? "less" : "more";
  }

  function clamp(root) {
    root.querySelectorAll("p.abstract[data-clamp]:not(.clamped)").forEach(function (abstract) {
      if (abstract.nextElementSibling && abstract.nextElementSibling.classList.contains("more-toggle")) {
        return; // already set up (and opened by the reader)
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link more-toggle";
      button.setAttribute("aria-controls", abstract.id);
      button.setAttribute("aria-expanded", "false");
      button.appendChild(document.createTextNode("more"));
      var hint = document.createElement("span");
      hint.className = "visually-hidden";
      hint.textContent = " of this abstract";
      button.appendChild(hint);
      button.addEventListener("click", toggle);
      abstract.classList.add("clamped");
      abstract.insertAdjacentElement("afterend", button);
    });
  }

  // A plain listener, not htmx.onLoad: this script runs before htmx (both deferred, this one
  // first), and htmx.onLoad called from DOMContentLoaded would miss its own registration.
  document.addEventListener("htmx:load", function (event) { clamp(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { clamp(document); });
})();
