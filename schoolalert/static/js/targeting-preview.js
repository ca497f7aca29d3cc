/* Live targeting preview on the draft form: when a targeting field changes, post the form to
 * the preview endpoint and show the returned panel. Without JavaScript the "Preview" button does
 * the same with a full page. The "exercise" box counts as a targeting field: an exercise reaches
 * only the locations opted in to exercises. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  var panel = document.getElementById("targeting-preview");
  var fields = form && form.querySelector("[data-targeting]");
  if (!form || !panel || !fields || !window.fetch) {
    return;
  }
  var timer = null;
  var latest = 0;

  function refresh() {
    var request = ++latest;
    var body = new URLSearchParams(new FormData(form));
    panel.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.elements.csrf_token.value }
    })
      .then(function (response) {
        if (!response.ok && response.status !== 422) {
          throw new Error("preview failed: " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (request === latest) {
          panel.innerHTML = html;
        }
      })
      .catch(function () { /* keep the last preview; the button still works */ })
      .then(function () {
        if (request === latest) {
          panel.removeAttribute("aria-busy");
        }
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }

  fields.addEventListener("change", schedule);
  fields.addEventListener("input", schedule);
  // Whether the draft is an exercise changes which locations it can reach.
  var exercise = form.elements.exercise;
  if (exercise && exercise.addEventListener) {
    exercise.addEventListener("change", schedule);
  }
})();
