/* Booking form: when the date or party size changes, refill the time list from the
 * availability API (without JavaScript the list shows the services of the date the
 * form was opened with, and the server checks whatever is sent). */
(function () {
  "use strict";

  function init(form) {
    var dateInput = form.querySelector("[name=date]");
    var partyInput = form.querySelector("[name=party_size]");
    var timeInput = form.querySelector("[name=time]");
    if (!dateInput || !partyInput || !timeInput || !window.fetch) { return; }
    var pending = null;

    function refresh() {
      if (!dateInput.value || !partyInput.value) { return; }
      var params = new URLSearchParams({ date: dateInput.value, party_size: partyInput.value });
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(form.dataset.availabilityUrl + "?" + params.toString(), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: pending.signal
      }).then(function (response) {
        if (!response.ok) { throw new Error(response.statusText); }
        return response.json();
      }).then(function (data) {
        var current = timeInput.value;
        var select = timeInput;
        if (select.tagName !== "SELECT") {
          // The form came without a list (no services that day); turn the box into one.
          select = document.createElement("select");
          select.name = timeInput.name;
          select.id = timeInput.id;
          select.required = true;
          timeInput.replaceWith(select);
          timeInput = select;
        }
        select.textContent = "";
        data.slots.forEach(function (slot) {
          var label = slot.time + " (" + (slot.available
            ? slot.remaining_seats + " " + form.dataset.msgSeats
            : form.dataset.msgUnavailable) + ")";
          var option = new Option(label, slot.time, false, slot.time === current);
          option.disabled = !slot.available;
          select.appendChild(option);
        });
        if (!data.slots.length) {
          select.appendChild(new Option(form.dataset.msgNone, "", true, true));
        }
      }).catch(function () {
        /* Leave the list as it is: the server checks the time on submit. */
      });
    }

    dateInput.addEventListener("change", refresh);
    partyInput.addEventListener("change", refresh);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.booking-form[data-availability-url]").forEach(init);
  });
}());
