/* Upload a submission archive with a progress bar (XMLHttpRequest progress events).
   The form posts to the same view either way: without JavaScript it is a plain form post;
   with it, the view answers JSON ({"redirect": url} or {"errors": [...]}). */
(function () {
  "use strict";
  var form = document.getElementById("submission-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var bar = document.getElementById("upload-progress");
  var fill = bar ? bar.querySelector(".progress > div") : null;
  var label = document.getElementById("upload-status");
  var errors = document.getElementById("upload-errors");
  var button = form.querySelector("button[type=submit]");

  function showErrors(list) {
    errors.innerHTML = "";
    list.forEach(function (msg) {
      var li = document.createElement("li");
      li.textContent = msg;
      errors.appendChild(li);
    });
    errors.hidden = list.length === 0;
  }

  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files.length) { return; }  /* let the server say what is missing */
    event.preventDefault();
    showErrors([]);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("Accept", "application/json");
    button.disabled = true;
    bar.hidden = false;
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { label.textContent = "Uploading…"; return; }
      var pct = Math.round((e.loaded / e.total) * 100);
      fill.style.width = pct + "%";
      label.textContent = "Uploading… " + pct + "% (" + (e.loaded / 1048576).toFixed(1) +
        " of " + (e.total / 1048576).toFixed(1) + " MiB)";
    });
    xhr.upload.addEventListener("load", function () {
      fill.style.width = "100%";
      label.textContent = "Upload complete, checking the archive…";
    });
    xhr.addEventListener("load", function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
      if (data && data.redirect) { window.location.assign(data.redirect); return; }
      button.disabled = false;
      bar.hidden = true;
      label.textContent = "";
      if (data && data.errors) { showErrors(data.errors); return; }
      showErrors(["The server answered " + xhr.status + " " + xhr.statusText + ". Please try again."]);
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      bar.hidden = true;
      label.textContent = "";
      showErrors(["The upload was interrupted (network error). Please try again."]);
    });
    xhr.send(new FormData(form));
  });
})();
