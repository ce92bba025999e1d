// zoomsight dashboard: progressive enhancement only; every page works
// without this file.
"use strict";
(function () {
  // Live progress of running syncs on the runs page.
  var live = document.getElementById("live");
  if (!live) return;
  var url = live.getAttribute("data-poll");
  var wasRunning = false;
  function show(runs) {
    live.textContent = "";
    runs.forEach(function (r) {
      var p = document.createElement("p");
      p.className = "live-run";
      p.textContent = "Syncing " + r.account + " (run " + r.id + "): " + r.rows + (r.total > 0 ? " of " + r.total : "") +
        " rows, " + r.done + " of " + r.resources + " listings done";
      var bar = document.createElement("div");
      bar.className = "progress";
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", "100");
      bar.setAttribute("aria-valuenow", String(r.percent));
      bar.setAttribute("aria-label", "sync of " + r.account);
      var fill = document.createElement("span");
      fill.setAttribute("data-pct", String(r.percent));
      bar.appendChild(fill);
      live.appendChild(p);
      live.appendChild(bar);
      // Width set through the CSSOM: CSP forbids inline style attributes,
      // not this.
      fill.style.width = r.percent + "%";
    });
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (runs) {
        show(runs);
        if (wasRunning && runs.length === 0) {
          location.reload(); // a sync finished: show its row
          return;
        }
        wasRunning = runs.length > 0;
        setTimeout(poll, wasRunning ? 1000 : 5000);
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  poll();
})();
