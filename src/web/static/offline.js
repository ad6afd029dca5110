// Wardline offline queue (issue 19). On the field pages (the collector's scan page, the
// volunteer's task, duty check-in, the checkpoint with its gate and vehicle form, the follow-up
// worklist) a form sent with no signal is kept on the phone (IndexedDB) with its client id and
// shown as "waiting to send"; when the signal returns it is sent — through the family's batch
// API route (sampling, needs, duty, checkpoint, follow-up), or for a form that maps to none to
// its own address if it carries a client id — and each outcome is shown. The server records a
// client id once, so a copy sent twice changes nothing. Sending uses the page's session cookie
// and its CSRF token in the X-CSRF-Token header. Without this script (or without IndexedDB) the
// forms post as before. The texts come from the page (#offline-box).
(function () {
  var box = document.getElementById("offline-box");
  var csrfIn = document.querySelector("form[action='/logout'] input[name=csrf]");
  if (!box || !csrfIn || !window.indexedDB || !window.fetch) return;
  var csrf = csrfIn.value;
  // Whose page this is: an action kept on the phone is sent only by a page of the account that
  // kept it (another person signed in on the same phone sees it waiting, never sends it as theirs).
  var who = box.getAttribute("data-who") || "";
  var mine = function (i) { return !i.who || i.who === who; };
  // The field pages the worker kept belong to whoever was signed in when they were kept: when
  // another account signs in on this phone (the last one's session ran out, no sign-out),
  // they go, so nobody opens another's page offline.
  try {
    if (who && localStorage.getItem("wl-who") !== who) {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage("clear");
      }
      localStorage.setItem("wl-who", who);
    }
  } catch (e) { /* no storage: nothing was kept by this page either */ }
  var say = function (k) { return box.getAttribute("data-" + k) || k; };

  // At sign-out everything kept goes (the server also answers with Clear-Site-Data). Actions
  // still waiting to be sent would go with it, so the person is asked first.
  var leaving = false;
  csrfIn.form.addEventListener("submit", function (ev) {
    if (leaving) return;
    ev.preventDefault();
    var go = function () {
      leaving = true;
      try { indexedDB.deleteDatabase("wl-offline"); } catch (e) { /* nothing kept */ }
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage("clear");
      }
      csrfIn.form.submit();
    };
    tx("readonly", function (s) { return s.count(); }).then(function (n) {
      if (n > 0 && !window.confirm(say("unsent").replace("%n", n))) return;
      go();
    }, go);
  });

  var field = /^\/(testing\/rounds\/\d+\/collect|me\/needs(\/\d+)?|duty\/[^/]+|checkpoints\/\d+(\/gate|\/vehicle)?|followup\/today)$/;
  if (!field.test(location.pathname)) return;
  if (navigator.serviceWorker) {
    // A page opened before the worker ran is not kept yet: ask the worker to keep it.
    var first = !navigator.serviceWorker.controller;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      if (first && reg.active) reg.active.postMessage({ keep: location.href });
    }).catch(function () {});
  }

  function db() {
    return new Promise(function (ok, fail) {
      var r = indexedDB.open("wl-offline", 1);
      r.onupgradeneeded = function () { r.result.createObjectStore("queue", { keyPath: "cid" }); };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
    });
  }
  function tx(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (ok, fail) {
        var t = d.transaction("queue", mode), out = fn(t.objectStore("queue"));
        t.oncomplete = function () { d.close(); ok(out && out.result); };
        t.onerror = function () { d.close(); fail(t.error); };
      });
    });
  }
  var all = function () { return tx("readonly", function (s) { return s.getAll(); }); };

  function newId() {
    return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).slice(0, 40);
  }

  // What a form becomes: a line of a batch route, or its own post kept as it is.
  function toAction(f, by) {
    // The attribute: a form with a field named "action" hides the property.
    var d, u = new URL(f.getAttribute("action") || "", location.href), v = {};
    try { d = new FormData(f, by); } catch (x) { d = new FormData(f); }
    d.forEach(function (x, k) { if (k !== "csrf") v[k] = x; });
    var m, cid = v.client_id || v.cid || newId(), now = Date.now();
    var label = ((by && by.textContent.trim()) || (f.querySelector("button") || f).textContent.trim()).slice(0, 40);
    if ((m = u.pathname.match(/^\/testing\/rounds\/(\d+)\/collect$/))) {
      var tube = u.searchParams.get("tube");
      if (!tube || ["add", "close", "abandon"].indexOf(v.act) < 0) return null;
      var line = { client_id: cid, tube: tube, op: v.act, taken_ms: now };
      if (v.act === "add") {
        var p = (v.person || "").trim();
        if (!p && !v.rid) return null;
        // The person's fields sit in the line itself (as the API's `add` takes them).
        if (v.rid) line.resident_id = Number(v.rid);
        else if (/^WLR1\./i.test(p)) line.qr = p;
        else line.doc = { number: p, doc_type: v.doc_type && v.doc_type !== "id_card" ? v.doc_type : null };
        label += " " + p;
      }
      return { url: "/api/v1/testing/rounds/" + m[1] + "/batch", line: line, label: label };
    }
    if ((m = u.pathname.match(/^\/me\/needs\/(\d+)\/(act|items)$/))) {
      var ops = { claim: "claim", start: "contact", done: "done", unable: "unable" };
      var op = m[2] === "items" ? "item" : ops[v.action];
      if (!op) return null;
      v.op = op; v.need = Number(m[1]); v.client_id = cid;
      return { url: "/api/v1/needs/batch", line: v, label: label };
    }
    if ((m = u.pathname.match(/^\/duty\/([^/]+)$/))) {
      return { url: "/api/v1/duty/batch", line: { client_id: cid, place: decodeURIComponent(m[1]),
        action: v.action || "" }, label: label };
    }
    // The follow-up worklist: a check (the row's one tap, or the full form) or a contact log.
    if ((m = u.pathname.match(/^\/followup\/(checks|contacts)\/(\d+)$/))) {
      var c = m[1] === "checks", fl = { op: c ? "check" : "contact", client_id: cid,
        outcome: v.outcome || "", note: v.note || "" };
      fl[c ? "check_id" : "household_id"] = Number(m[2]);
      if (c) { fl.temperature = v.temperature || ""; fl.reason = v.reason || ""; fl.symptoms = d.getAll("symptoms"); }
      var who = f.closest("li") && f.closest("li").querySelector("b");
      return { url: "/api/v1/followup/batch", line: fl, label: (who ? who.textContent + ": " : "") + label };
    }
    // The checkpoint: a person (resident's code, visitor typed, self-registration confirmed)
    // or a vehicle with its people, as the pages build them.
    if ((m = u.pathname.match(/^\/checkpoints\/(\d+)\/(pass|vehicle)$/))) {
      var temp = function (t) { t = (t || "").trim().replace(",", "."); return t ? Number(t) : null; };
      var cl = { client_id: cid, at_ms: now, direction: v.direction || null };
      if (m[2] === "pass") {
        cl.op = "person"; cl.lane_id = v.lane ? Number(v.lane) : null; cl.health_code = v.health_code || null;
        cl.star = !!v.star; cl.temperature = temp(v.temperature); cl.decision = v.decision || null; cl.note = v.note || "";
        cl.person = v.kind === "visitor" ? { visitor: { doc_type: v.doc_type || null, number: v.number || "",
          name: v.name || "", phone: v.phone || "", from: v.from || "", to: v.to || "", reason: v.reason || "" } }
          : v.kind === "registered" ? { registered: Number(v.registered) } : { code: v.code || "" };
        if (v.name) label += " " + v.name;
      } else {
        var at = function (k, i) { return d.getAll(k)[i] || ""; };
        cl.op = "vehicle"; cl.plate = v.plate || ""; cl.class = v.class || ""; cl.cargo = v.cargo || "";
        cl.occupants = [];
        d.getAll("code").forEach(function (code, i) {
          if (!(code + at("name", i) + at("number", i)).trim()) return;
          cl.occupants.push({ seat: i ? "passenger" : "driver", person: code.trim() ? { code: code } : { visitor:
            { number: at("number", i), name: at("name", i), phone: at("phone", i), from: at("from", i) } },
            health_code: at("health_code", i) || null, temperature: temp(at("temperature", i)), decision: at("decision", i) || null });
        });
        label += " " + cl.plate;
      }
      return { url: "/api/v1/checkpoints/" + m[1] + "/batch", line: cl, label: label };
    }
    if (!v.client_id) return null;
    return { url: u.pathname + u.search, form: new URLSearchParams(v).toString(), label: label };
  }

  var list = document.createElement("ul");
  box.appendChild(list);
  function show(n) {
    var c = document.getElementById("offline-n");
    c.textContent = say("waiting").replace("%n", n);
    c.hidden = n === 0;
    box.hidden = n === 0 && !list.children.length;
  }
  function outcome(item, kind, why) {
    var li = document.createElement("li");
    li.className = "outcome-" + kind;
    li.textContent = say(kind) + ": " + item.label + (why ? " — " + why : "");
    list.appendChild(li);
    box.hidden = false;
  }
  var refresh = function () { return all().then(function (q) { q = q.filter(mine); show(q.length); return q; }); };

  document.addEventListener("submit", function (e) {
    if (navigator.onLine || e.defaultPrevented) return;
    var a = toAction(e.target, e.submitter);
    if (!a) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    // The question the button asks (app.js asks it online) is asked here before keeping.
    var q = e.submitter && e.submitter.getAttribute("data-confirm");
    if (q && !window.confirm(q)) return;
    a.cid = (a.line && a.line.client_id) || new URLSearchParams(a.form).get("client_id");
    a.at = Date.now();
    a.who = who;
    // A follow-up row whose check or contact is kept: shown as waiting, its buttons off, so
    // it is not tapped a second time (the server would refuse the copy as recorded already).
    var row = a.url.indexOf("/followup/") > 0 && e.target.closest("li");
    if (row) {
      row.classList.add("queued");
      row.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      var tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = say("queued");
      (row.querySelector("b") || row).after(tag);
    }
    // At once, before the next tap: the form emptied, a fresh client id for its next action.
    e.target.reset();
    var c = e.target.querySelector("input[name=cid], input[name=client_id]");
    if (c) c.value = newId();
    tx("readwrite", function (s) { s.put(a); }).then(refresh);
  }, true);

  // One answer line → what to show, and whether the action is finished with.
  function judge(item, ans) {
    var a = ans.answer || ans;
    if (ans.status === "in_progress" || (a.error && a.error.code === "in_progress")) return false;
    if (a.replayed || ans.replayed) outcome(item, "already", "");
    else if (ans.status === 200 || ans.status === "accepted") outcome(item, "accepted", "");
    // A checkpoint's vehicle is logged even when one of its people is refused: say so.
    else if (ans.status === "logged") outcome(item, "accepted", (ans.occupants || []).some(function (o) {
      return o.status === "refused"; }) ? ans.text : "");
    else if (ans.status === "flagged") outcome(item, "accepted", ans.text || "");
    else outcome(item, "refused", ans.text || (a.error && a.error.message) || "");
    return true;
  }
  var drop = function (cid) { return tx("readwrite", function (s) { s.delete(cid); }); };

  function sendBatch(url, items) {
    var body = items.map(function (i) { return JSON.stringify(i.line); }).join("\n") + "\n";
    return fetch(url + "?lang=" + document.documentElement.lang, { method: "POST", body: body, credentials: "same-origin",
      headers: { "Content-Type": "application/x-ndjson", "X-CSRF-Token": csrf } })
      .then(function (r) {
        // Signed out meanwhile: kept until a page of a new session of this account sends it.
        if (r.status === 401 || r.status === 403) { outcome(items[0], "signin", ""); return; }
        if (!r.ok) return;
        return r.text().then(function (t) {
          var done = [];
          t.split("\n").filter(Boolean).forEach(function (l) {
            var ans = JSON.parse(l), it = items[ans.line - 1];
            if (it && judge(it, ans)) done.push(drop(it.cid));
          });
          return Promise.all(done);
        });
      });
  }
  function sendForm(item) {
    return fetch(item.url, { method: "POST", body: item.form, credentials: "same-origin",
      redirect: "manual", headers: { "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRF-Token": csrf, Accept: "application/json" } })
      .then(function (r) {
        var ok = r.ok || r.type === "opaqueredirect";
        if (!ok && r.status >= 500) return;
        return (ok ? Promise.resolve("") : r.text()).then(function (t) {
          var why;
          try { why = JSON.parse(t).error.message; } catch (x) {
            why = t && (new DOMParser().parseFromString(t, "text/html").querySelector(".error, h1") || {}).textContent;
          }
          outcome(item, ok ? "accepted" : "refused", (why || "").trim().slice(0, 120));
          return drop(item.cid);
        });
      });
  }

  var busy = false;
  function flush() {
    if (busy || !navigator.onLine) return;
    busy = true;
    all().then(function (q) {
      var groups = {}, jobs = [];
      q.filter(mine).sort(function (x, y) { return x.at - y.at; }).forEach(function (i) {
        // A form's own post carries the token of the page it is sent from.
        if (i.form) { i.form = i.form.replace(/(^|&)csrf=[^&]*/, "") + "&csrf=" + encodeURIComponent(csrf); jobs.push(i); }
        else (groups[i.url] = groups[i.url] || []).push(i);
      });
      var run = Object.keys(groups).reduce(function (p, u) {
        return p.then(function () { return sendBatch(u, groups[u]); });
      }, Promise.resolve());
      return jobs.reduce(function (p, i) { return p.then(function () { return sendForm(i); }); }, run);
    }).catch(function () { /* the signal went again: kept for the next try */ })
      .then(function () { busy = false; return refresh(); });
  }

  window.addEventListener("online", flush);
  refresh().then(flush);
})();
