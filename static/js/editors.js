// The editors' admin, progressively enhanced; every page works without it.
"use strict";
(function () {
  // Dates carry no time of day, so the admin's "you are N hours behind server time" note beside every date
  // box says nothing useful; it is added on load, so it is taken away just after.
  window.addEventListener("load", function () {
    window.setTimeout(function () {
      document.querySelectorAll("input.vDateField").forEach(function (input) {
        var note = input.parentNode.querySelector(".timezonewarning");
        if (note) { note.remove(); }
      });
    }, 0);
  });

  // The record-a-step form shows only the sections the chosen status takes, and the chosen kind of source.
  function showWhatTheStatusTakes() {
    var status = document.getElementById("id_status");
    if (!status) { return; }
    document.querySelectorAll("[data-statuses]").forEach(function (section) {
      section.hidden = section.getAttribute("data-statuses").split(" ").indexOf(status.value) === -1;
    });
    var choice = document.querySelector("input[name=source_choice]:checked");
    document.querySelectorAll("[data-source]").forEach(function (part) {
      part.hidden = !choice || part.getAttribute("data-source") !== choice.value;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("id_status");
    if (!status) { return; }
    status.addEventListener("change", showWhatTheStatusTakes);
    document.querySelectorAll("input[name=source_choice]").forEach(function (radio) {
      radio.addEventListener("change", showWhatTheStatusTakes);
    });
    showWhatTheStatusTakes();
  });
})();
