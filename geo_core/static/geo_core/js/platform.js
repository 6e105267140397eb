// Progressive enhancement only: without JavaScript the navigation is simply always open.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var toggle = document.querySelector(".site-header__toggle");
  var nav = document.getElementById("main-nav");
  if (!toggle || !nav) return;
  var mobile = window.matchMedia("(max-width: 47.99rem)");
  function apply() {
    if (mobile.matches) {
      toggle.hidden = false;
      nav.setAttribute("data-collapsed", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
    } else {
      toggle.hidden = true;
      nav.removeAttribute("data-collapsed");
    }
  }
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", open ? "false" : "true");
    apply();
  });
  mobile.addEventListener("change", apply);
  apply();
})();
