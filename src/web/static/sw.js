// Wardline's service worker (issue 19): the field pages open from the phone's cache when there
// is no signal. Only those pages (as last seen online) and the static files are kept; every
// other request goes to the network as if there were no worker. A kept page expires after
// TTL_MS (the server writes the configured value on the first line) and everything kept goes
// at sign-out (the sign-out answer's Clear-Site-Data header, and the page script's message).
var CACHE = "wl-field-1";
var FIELD = [
  /^\/testing\/rounds\/\d+\/collect$/,
  /^\/me\/needs(\/\d+)?$/,
  /^\/duty\/[^/]+$/,
  /^\/checkpoints\/\d+(\/gate|\/vehicle)?$/,
  /^\/followup\/today$/
];

function isField(url) {
  return FIELD.some(function (re) { return re.test(url.pathname); });
}

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (e) {
  e.waitUntil(self.clients.claim());
});

// "clear" at sign-out; {keep: url} from a field page opened before this worker ran it.
self.addEventListener("message", function (e) {
  if (e.data === "clear") e.waitUntil(caches.delete(CACHE));
  var url = e.data && e.data.keep && new URL(e.data.keep, self.location.href);
  if (url && url.origin === self.location.origin && isField(url)) {
    e.waitUntil(fetch(url, { credentials: "same-origin" }).then(function (resp) {
      if (resp.ok && !resp.redirected) return keep(new Request(url), resp);
    }).catch(function () {}));
  }
});

// When it was kept: the worker's own header, added when the copy is stored.
function fresh(resp) {
  var at = Number(resp.headers.get("x-wl-kept") || 0);
  return Date.now() - at < TTL_MS;
}

function keep(req, resp) {
  var h = new Headers(resp.headers);
  h.set("x-wl-kept", String(Date.now()));
  return resp.blob().then(function (b) {
    return caches.open(CACHE).then(function (c) {
      return c.put(req, new Response(b, { status: resp.status, headers: h }));
    });
  });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  var page = req.mode === "navigate" && isField(url);
  var asset = url.pathname.indexOf("/static/") === 0;
  if (!page && !asset) return;
  // Network first: a page online is always the server's; the copy is only for no signal.
  e.respondWith(fetch(req).then(function (resp) {
    if (resp.ok && !resp.redirected) e.waitUntil(keep(req, resp.clone()));
    return resp;
  }).catch(function (err) {
    return caches.open(CACHE).then(function (c) {
      return c.match(req, { ignoreVary: true }).then(function (hit) {
        if (hit && (asset || fresh(hit))) return hit;
        if (hit) c.delete(req);
        throw err;
      });
    });
  }));
});
