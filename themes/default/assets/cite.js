/* Copy-citation button on paper pages. Progressive enhancement: the BibTeX entry is text on
   the page; this only reveals a button that copies it, and says whether that worked. */
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function legacyCopy(element) {
    selectText(element);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var status = button.parentNode.querySelector(".copy-status");
    function say(message) {
      if (status) status.textContent = message;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.textContent;
      var done = function () { say("Copied to the clipboard."); };
      var fallback = function () {
        if (legacyCopy(source)) done();
        else say("Selected: press Ctrl+C (or \u2318C) to copy.");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
})();
