// Wardline: a little first-party script, and the pages work without it.
// Buttons marked data-confirm ask before they submit.
document.addEventListener("submit", function (e) {
  var b = e.submitter;
  var msg = b && b.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
});

// Print buttons (the missing list): shown only where this script runs.
document.querySelectorAll("[data-print]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () { window.print(); });
});

// The menu under the person's name closes on a tap elsewhere or on Escape (it is a plain
// <details>, so it works without this too).
(function () {
  var menu = document.getElementById("nav-menu");
  if (!menu) return;
  document.addEventListener("click", function (e) {
    if (menu.open && !menu.contains(e.target)) menu.open = false;
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && menu.open) menu.open = false;
  });
})();

// Camera scanning on the collector's page: where the browser has a barcode detector and a
// camera, "Scan" buttons open the camera, and the first code seen fills the field and sends
// the form. Elsewhere the buttons stay hidden and typing works as before.
(function () {
  var buttons = document.querySelectorAll("button[data-scan]");
  var box = document.getElementById("scanner");
  var video = document.getElementById("scanner-video");
  if (!buttons.length || !box || !video) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices ||
      !navigator.mediaDevices.getUserMedia) return;
  var wanted = ["qr_code", "code_128", "code_39", "code_93", "codabar", "ean_13", "ean_8",
    "itf", "upc_a", "upc_e", "data_matrix", "pdf417"];
  var detector = null, stream = null, timer = null;

  function stop() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.srcObject = null;
    box.hidden = true;
  }

  function start(input) {
    box.hidden = false;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play();
      })
      .then(function () { look(input); })
      .catch(function () { stop(); input.focus(); });
  }

  function look(input) {
    if (!stream) return;
    detector.detect(video).then(function (codes) {
      var c = codes.find(function (x) { return x.rawValue; });
      if (c) {
        stop();
        input.value = c.rawValue.trim();
        if (input.form) {
          if (input.form.requestSubmit) input.form.requestSubmit(); else input.form.submit();
        }
        return;
      }
      timer = setTimeout(function () { look(input); }, 150);
    }).catch(function () { timer = setTimeout(function () { look(input); }, 300); });
  }

  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    var use = wanted.filter(function (f) { return formats.indexOf(f) >= 0; });
    if (!use.length) return;
    detector = new window.BarcodeDetector({ formats: use });
    buttons.forEach(function (b) {
      var input = document.getElementById(b.getAttribute("data-scan"));
      if (!input) return;
      b.hidden = false;
      b.addEventListener("click", function () { start(input); });
    });
    document.getElementById("scanner-stop").addEventListener("click", stop);
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") stop(); });
  }).catch(function () {});
})();

// Tap to call: a call button reveals that one phone number (recorded on the server) and
// becomes a tel: link in place, then dials. Without this script the form opens a small page
// with the link.
document.addEventListener("submit", function (e) {
  var f = e.target;
  if (!f.hasAttribute || !f.hasAttribute("data-call") || e.defaultPrevented) return;
  e.preventDefault();
  var body = new URLSearchParams(new FormData(f));
  fetch(f.action, { method: "POST", body: body, headers: { Accept: "application/json" },
    credentials: "same-origin" })
    .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
    .then(function (x) {
      if (!x.ok) { window.alert((x.j.error && x.j.error.message) || "?"); return; }
      var a = document.createElement("a");
      a.className = "btn call";
      a.href = "tel:" + x.j.phone;
      a.textContent = x.j.phone;
      f.replaceWith(a);
      window.location.href = a.href;
    })
    .catch(function () { f.submit(); });
});

// Testing (issue 21): the collector's scan forms keep what was typed when the signal drops.
// Before a scan form is sent, its typed fields are kept in this tab's session storage; a page
// that answers a form (marked data-sent) forgets them, and a page loaded without an answer
// (the send failed, then back or reload) puts them back into the empty fields.
(function () {
  var ids = ["open-form", "add-form", "walkin-form"];
  var key = "wl-scan-kept";
  var store;
  try { store = window.sessionStorage; } catch (e) { return; }
  if (!store) return;
  if (document.querySelector("[data-sent]")) {
    store.removeItem(key);
  } else {
    var kept = null;
    try { kept = JSON.parse(store.getItem(key) || "null"); } catch (e) { kept = null; }
    if (kept && kept.path === window.location.pathname) {
      var f = document.getElementById(kept.form);
      if (f) {
        Object.keys(kept.values).forEach(function (n) {
          var el = f.elements[n];
          if (el && el.type !== "hidden" && !el.value) el.value = kept.values[n];
        });
        var d = f.closest("details");
        if (d && f.id === "walkin-form") d.open = true;
      }
    }
    store.removeItem(key);
  }
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.id || ids.indexOf(f.id) < 0 || e.defaultPrevented) return;
    var values = {};
    Array.prototype.forEach.call(f.elements, function (el) {
      if (el.name && el.type !== "hidden" && el.type !== "checkbox" && el.value) {
        values[el.name] = el.value;
      }
    });
    try {
      store.setItem(key, JSON.stringify({ path: window.location.pathname, form: f.id, values: values }));
    } catch (e) { /* storage full or off: the form is sent all the same */ }
  });
})();

// Health follow-up (issue 15): the worklist's one-tap "done, well" is sent in the background
// with its client id; the row is marked done in place, so the page keeps its place. When the
// signal drops, the row stays with a note and the same tap sends the same client id again
// (recorded once). Without this script the form posts and the page comes back at the row.
document.addEventListener("submit", function (e) {
  var f = e.target;
  if (!f.hasAttribute || !f.hasAttribute("data-quick") || e.defaultPrevented) return;
  e.preventDefault();
  var li = f.closest("li");
  var note = document.getElementById("offline-note");
  var body = new URLSearchParams(new FormData(f));
  var b = f.querySelector("button");
  if (b) b.disabled = true;
  fetch(f.action, { method: "POST", body: body, headers: { Accept: "application/json" },
    credentials: "same-origin" })
    .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
    .then(function (x) {
      if (b) b.disabled = false;
      if (!x.ok) { window.alert((x.j.error && x.j.error.message) || "?"); return; }
      if (note) note.hidden = true;
      if (li) { li.classList.add("done"); li.setAttribute("data-done", x.j.status); f.remove(); }
      var n = document.getElementById("done-n"), t = document.getElementById("todo-n");
      if (n) n.textContent = String(Number(n.textContent) + 1);
      if (t) t.textContent = String(Math.max(0, Number(t.textContent) - 1));
    })
    .catch(function () {
      if (b) b.disabled = false;
      if (note) note.hidden = false;
      if (li) li.classList.add("unsent");
    });
});

// Copy buttons (the briefing's plain text): shown only where this script runs; the text area
// stays selectable by hand without it.
document.querySelectorAll("button[data-copy]").forEach(function (b) {
  var box = document.getElementById(b.getAttribute("data-copy"));
  if (!box) return;
  b.hidden = false;
  b.addEventListener("click", function () {
    box.focus();
    box.select();
    var done = function () {
      b.textContent = b.getAttribute("data-copied") || b.textContent;
      b.setAttribute("data-done", "1");
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(box.value).then(done, function () {
        if (document.execCommand("copy")) done();
      });
    } else if (document.execCommand("copy")) {
      done();
    }
  });
});
