/* Slot picker on the restaurant page: progressive enhancement.
 * Without JavaScript the picker is a GET form whose result the server renders.
 * With it, changing the date or party size asks the availability API and redraws
 * the times in place. No inline handlers: everything is bound here (CSP-friendly). */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function render(container, form, data, dateValue, partySize) {
    var msg = container.dataset;
    container.textContent = "";
    if (!data.slots.length) {
      container.appendChild(el("p", "", msg.msgNone));
      return;
    }
    var list = el("ul", "slot-list");
    data.slots.forEach(function (slot) {
      var item = el("li");
      var entry;
      if (slot.available) {
        var params = new URLSearchParams({ date: dateValue, time: slot.time, party_size: partySize });
        entry = el("a", "slot");
        entry.href = form.dataset.bookUrl + "?" + params.toString();
      } else {
        entry = el("span", "slot slot-disabled");
        entry.setAttribute("aria-disabled", "true");
      }
      entry.appendChild(el("span", "slot-time", slot.time));
      entry.appendChild(el("span", "slot-seats",
        slot.available ? slot.remaining_seats + " " + msg.msgSeats : msg.msgFull));
      item.appendChild(entry);
      list.appendChild(item);
    });
    container.appendChild(list);
  }

  function init(form) {
    var container = document.querySelector(".slot-picker .slots");
    if (!container || !window.fetch) { return; }
    var dateInput = form.querySelector("[name=date]");
    var partyInput = form.querySelector("[name=party_size]");
    var pending = null;

    function refresh() {
      var dateValue = dateInput.value;
      var partySize = partyInput.value;
      if (!dateValue || !partySize) { return; }
      var params = new URLSearchParams({ date: dateValue, party_size: partySize });
      if (pending) { pending.abort(); }
      pending = new AbortController();
      container.setAttribute("aria-busy", "true");
      fetch(form.dataset.availabilityUrl + "?" + params.toString(), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: pending.signal
      }).then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.error || response.statusText); }
          return data;
        });
      }).then(function (data) {
        render(container, form, data, dateValue, partySize);
        updateDayLinks(dateValue, partySize);
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", "?" + params.toString() + "#book");
        }
      }).catch(function (error) {
        if (error.name === "AbortError") { return; }
        container.textContent = "";
        container.appendChild(el("p", "message error", error.message || msg.msgError));
      }).finally(function () {
        container.removeAttribute("aria-busy");
      });
    }

    function updateDayLinks(dateValue, partySize) {
      document.querySelectorAll(".slot-picker .day-nav a[data-shift]").forEach(function (link) {
        // Dates as plain calendar days (UTC arithmetic), the restaurant's zone does not matter here.
        var day = new Date(dateValue + "T00:00:00Z");
        day.setUTCDate(day.getUTCDate() + Number(link.dataset.shift));
        var iso = day.toISOString().slice(0, 10);
        link.href = "?" + new URLSearchParams({ date: iso, party_size: partySize }).toString() + "#book";
        link.hidden = (dateInput.min && iso < dateInput.min) || (dateInput.max && iso > dateInput.max);
      });
    }

    var msg = container.dataset;
    dateInput.addEventListener("change", refresh);
    partyInput.addEventListener("change", refresh);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      refresh();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.picker-form[data-availability-url]").forEach(init);
  });
}());
