// Office niceties; every page works without this script.
(function () {
  "use strict";

  // Buttons that destroy something ask first: <form data-confirm="Delete this photo?">.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });

  // A closed day has no services: hide their fields while "Closed all day" is ticked.
  var closed = document.querySelector("#exception-form-body input[name=is_closed]");
  var services = document.getElementById("exception-services");
  if (closed && services) {
    var sync = function () {
      services.hidden = closed.checked;
    };
    closed.addEventListener("change", sync);
    sync();
  }
})();
