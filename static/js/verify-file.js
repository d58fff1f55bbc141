// /verify-file/: hash a chosen file in the browser with Web Crypto and ask the server about the
// hash only. The file never leaves the reader's machine. Without JavaScript (or Web Crypto) the
// chooser stays hidden and the paste-a-hash form works on its own.
(function () {
  "use strict";
  var section = document.getElementById("verify-choose");
  var input = document.getElementById("verify-file-input");
  var status = document.getElementById("verify-file-status");
  if (!section || !input || !window.crypto || !window.crypto.subtle || !window.File) {
    return;
  }
  section.hidden = false;

  function toHex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (byte) {
        return byte.toString(16).padStart(2, "0");
      })
      .join("");
  }

  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) {
      return;
    }
    status.textContent = "Computing the SHA-256 of " + file.name + "…";
    // Web Crypto has no streaming digest: the browser holds the whole file in memory.
    file
      .arrayBuffer()
      .then(function (buffer) {
        return window.crypto.subtle.digest("SHA-256", buffer);
      })
      .then(function (digest) {
        var url = new URL(window.location.href);
        url.search = "?sha256=" + toHex(digest);
        url.hash = "verify-result";
        window.location.assign(url.toString());
      })
      .catch(function () {
        status.textContent =
          "Your browser could not read this file (it may be too large). " +
          "Compute its SHA-256 another way (e.g. sha256sum) and paste it below.";
      });
  });
})();
