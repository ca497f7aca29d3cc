/* The form pattern's two enhancements; every form works without them.
 * 1. Focus the error summary when a page shows one, so that a screen reader reads it first.
 * 2. A radio button with data-reveals="<id>" shows that element only while it is checked. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  var radios = document.querySelectorAll("input[type=radio][data-reveals]");
  Array.prototype.forEach.call(radios, function (radio) {
    var target = document.getElementById(radio.getAttribute("data-reveals"));
    if (!target) {
      return;
    }
    function update() {
      target.hidden = !radio.checked;
    }
    var group = document.querySelectorAll("input[type=radio][name='" + radio.name + "']");
    Array.prototype.forEach.call(group, function (member) {
      member.addEventListener("change", update);
    });
    update();
  });
})();
