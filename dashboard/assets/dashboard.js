// memharness dashboard: live panels over server-sent events, control forms
// that send JSON to the control plane and show the equivalent curl, and the
// journal filter. Hand-written, no library, no build step.
(function () {
  "use strict";
  var body = document.body;
  var prefix = body.dataset.prefix, page = body.dataset.page, query = body.dataset.query || "";

  // ---- live panels -------------------------------------------------------
  function swap(el, html) {
    if (el.innerHTML === html) return;
    var active = document.activeElement;
    var focusID = active && active.id && el.contains(active) ? active.id : "";
    var open = [];
    el.querySelectorAll("details[open][id]").forEach(function (d) { open.push(d.id); });
    el.innerHTML = html;
    open.forEach(function (id) { var d = document.getElementById(id); if (d) d.open = true; });
    if (focusID) { var n = document.getElementById(focusID); if (n) n.focus(); }
    if (el.dataset.panel === "requests") filterJournal();
    document.dispatchEvent(new CustomEvent("mock:panel", { detail: el.dataset.panel }));
  }

  var live = document.getElementById("live");
  function connect() {
    var es = new EventSource(prefix + "/events?page=" + encodeURIComponent(page) + (query ? "&" + query : ""));
    es.addEventListener("open", function () { live.textContent = "live"; live.className = "live on"; });
    es.addEventListener("error", function () { live.textContent = "reconnecting…"; live.className = "live off"; });
    es.addEventListener("panel", function (ev) {
      var m = JSON.parse(ev.data);
      var el = document.querySelector('[data-panel="' + m.panel + '"]');
      if (el) swap(el, m.html);
    });
    // rows: requests journaled since the last event, newest first.
    es.addEventListener("rows", function (ev) {
      var m = JSON.parse(ev.data), list = document.querySelector("#panel-requests ol.journal");
      if (!list) return;
      var empty = document.querySelector("#panel-requests .empty");
      if (empty) empty.remove();
      list.insertAdjacentHTML("afterbegin", m.html);
      while (list.children.length > m.max) list.lastElementChild.remove();
      filterJournal();
    });
    window.addEventListener("pagehide", function () { es.close(); });
  }

  // ---- control forms -----------------------------------------------------
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (e) {
      return e.name && e.tagName !== "BUTTON" && e.tagName !== "FIELDSET";
    });
  }
  // request builds what the form sends: method, path (with {params}), body.
  function request(form) {
    var path = form.dataset.path, obj = {}, key = "", omitZero = form.dataset.wrap === "operations";
    fields(form).forEach(function (e) {
      var v = e.value;
      if (e.hasAttribute("data-param")) {
        if (v.trim() !== "") path = path.replace("{" + e.name + "}", encodeURIComponent(v.trim()));
        else if (!e.required) path = path.replace(new RegExp("[?&]" + e.name + "=\\{" + e.name + "\\}"), "");
        return;
      }
      if (e.hasAttribute("data-key")) { key = v.trim(); return; }
      if (e.hasAttribute("data-optional") && v.trim() === "") return;
      if (e.dataset.json === "number") {
        if (v.trim() === "") return;
        v = Number(v);
        if (omitZero && v === 0) return;
      }
      if (e.name === "latency.ms") { obj.latency = { distribution: "fixed", ms: v }; return; }
      if (omitZero && e.name === "error_kind" && !obj.error_rate) return;
      obj[e.name] = v;
    });
    if (form.dataset.wrap) { var w = {}; w[key || "*"] = obj; obj = {}; obj[form.dataset.wrap] = w; }
    var hasBody = fields(form).some(function (e) { return !e.hasAttribute("data-param"); });
    // data-body: the field is the whole JSON body (sent compact when it parses).
    var raw = form.querySelector("[data-body]");
    if (raw) {
      var text = raw.value.trim();
      try { text = JSON.stringify(JSON.parse(text)); } catch (e) { /* sent as typed: the server names the error */ }
      return { method: form.dataset.method, path: path, body: text };
    }
    return { method: form.dataset.method, path: path, body: hasBody ? JSON.stringify(obj) : "" };
  }
  function shellQuote(s) { return "'" + s.replace(/'/g, "'\\''") + "'"; }
  function curl(form) {
    var r = request(form);
    var s = "curl -s -X " + r.method + " " + shellQuote(location.origin + r.path);
    if (r.body) s += " \\\n  -H 'Content-Type: application/json' -d " + shellQuote(r.body);
    return s;
  }
  function showCurl(form) {
    var pre = form.querySelector("pre.curl");
    if (pre) pre.textContent = curl(form);
  }
  function refreshCurls() { document.querySelectorAll("form.ctl").forEach(showCurl); }

  document.addEventListener("input", function (ev) {
    var f = ev.target.form;
    if (f && f.classList.contains("ctl")) showCurl(f);
    if (f && f.id === "journal-filter") filterJournal();
  });
  document.addEventListener("change", function (ev) {
    var f = ev.target.form;
    if (f && f.classList.contains("ctl")) showCurl(f);
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.id === "journal-filter") { ev.preventDefault(); filterJournal(); return; }
    if (!form.classList.contains("ctl")) return;
    ev.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    var r = request(form), out = form.querySelector("output");
    var init = { method: r.method, credentials: "same-origin", headers: {} };
    if (r.body) { init.body = r.body; init.headers["Content-Type"] = "application/json"; }
    if (out) { out.textContent = "…"; out.className = ""; }
    fetch(r.path, init).then(function (resp) {
      return resp.text().then(function (t) {
        if (!out) return;
        out.textContent = resp.status + " " + (t.length > 300 ? t.slice(0, 300) + "…" : t);
        out.className = resp.ok ? "ok" : "bad";
      });
    }, function (err) { if (out) { out.textContent = String(err); out.className = "bad"; } });
  });

  // data-load: fill a form from the control plane's current values.
  function load(form) {
    fetch(form.dataset.load, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (cur) {
      if (!cur) return;
      if (form.dataset.wrap) {
        var op = form.querySelector("[data-key]").value || "*";
        cur = (cur[form.dataset.wrap] || {})[op] || {};
        if (cur.latency && cur.latency.ms) cur["latency.ms"] = cur.latency.ms;
      }
      fields(form).forEach(function (e) { if (cur[e.name] !== undefined && cur[e.name] !== null) e.value = cur[e.name]; });
      showCurl(form);
    }).catch(function () {});
  }

  // ---- journal filter ----------------------------------------------------
  function filterJournal() {
    var f = document.getElementById("journal-filter");
    if (!f) return;
    var op = f.elements.op.value.toLowerCase(), key = f.elements.key.value.toLowerCase(), code = f.elements.code.value.toLowerCase();
    var shown = 0, rows = document.querySelectorAll("#panel-requests li");
    rows.forEach(function (li) {
      var ok = li.dataset.op.toLowerCase().indexOf(op) >= 0 && li.dataset.key.toLowerCase().indexOf(key) >= 0 &&
        li.dataset.code.toLowerCase().indexOf(code) >= 0;
      li.hidden = !ok;
      if (ok) shown++;
    });
    document.getElementById("f-count").textContent = shown + " of " + rows.length + " shown";
    var u = new URL(location.href);
    [["op", op], ["key", key], ["code", code]].forEach(function (p) {
      if (p[1]) u.searchParams.set(p[0], f.elements[p[0]].value); else u.searchParams.delete(p[0]);
    });
    history.replaceState(null, "", u);
  }

  // ---- journal entries: request and answer, fetched when opened ---------
  // A row carries its summary only; opening it (click, Enter, or a live
  // update reopening it) loads the escaped, server-rendered pair.
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (!d.open || !d.id || d.id.indexOf("req-") !== 0) return;
    var box = d.querySelector(".detail");
    if (!box || box.dataset.loaded) return;
    box.dataset.loaded = "1";
    fetch(prefix + "/request?seq=" + encodeURIComponent(d.id.slice(4)), { credentials: "same-origin" }).then(function (r) {
      return r.text();
    }).then(function (html) { box.innerHTML = html; }, function (err) {
      box.textContent = String(err);
      delete box.dataset.loaded;
    });
  }, true);

  refreshCurls();
  document.querySelectorAll("form.ctl[data-load]").forEach(load);
  filterJournal();
  connect();
})();
