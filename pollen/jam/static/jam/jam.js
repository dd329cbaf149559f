// The jam's screens: countdowns to the server's end moment, and drafts kept on the device.
(function () {
  "use strict";

  // Countdown: the server sends the phase's end and its own "now"; the offset between the
  // server's clock and this device's is measured once per fragment, so every screen agrees.
  function tick() {
    document.querySelectorAll("[data-ends-at]").forEach(function (el) {
      if (!el.dataset.offset) {
        el.dataset.offset = String(Date.parse(el.dataset.serverNow) - Date.now());
      }
      var left = Date.parse(el.dataset.endsAt) - (Date.now() + Number(el.dataset.offset));
      var seconds = Math.max(0, Math.round(left / 1000));
      var m = Math.floor(seconds / 60), s = seconds % 60;
      el.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      el.classList.toggle("jam-clock__time--over", seconds === 0);
    });
  }
  setInterval(tick, 250);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);

  // Live region with a stream (data-stream: server-sent events, docs/decisions/0002): a
  // participant's group screen gets its fragment in the event itself ("fragment") and swaps it
  // in as a fetch would (hx-preserve keeps what is being typed); otherwise it fetches its
  // fragment when the stream names a revision it does not show. Whenever the stream is down
  // (reconnecting, refused, no EventSource) it polls every second, as without a stream.
  var source = null, latest = null, poller = null;
  function live() { return document.getElementById("live"); }
  function fetchLive() {
    var el = live();
    if (el && window.htmx) { window.htmx.trigger(el, "jam-changed"); }
  }
  function catchUp() {
    var el = live();
    if (el && latest !== null && latest !== el.dataset.revision) { fetchLive(); }
  }
  function polling(on) {
    if (on && !poller) { poller = setInterval(fetchLive, 1000); }
    if (!on && poller) { clearInterval(poller); poller = null; }
  }
  function listen() {
    var el = live();
    if (!el || !el.dataset.stream || source) { return; }
    if (!window.EventSource) { polling(true); return; }
    source = new EventSource(el.dataset.stream + "?depuis=" + encodeURIComponent(el.dataset.revision));
    source.onopen = function () { polling(false); catchUp(); };
    source.onmessage = function (event) { latest = event.data; catchUp(); };
    source.addEventListener("fragment", function (event) {
      var shown = live();
      latest = event.lastEventId;
      if (!shown || !window.htmx || latest === shown.dataset.revision) { return; }
      window.htmx.swap(shown, event.data, { swapStyle: "outerHTML" });
    });
    source.onerror = function () { polling(true); };
  }
  document.addEventListener("DOMContentLoaded", listen);
  document.addEventListener("htmx:afterSwap", catchUp);
  // The waiting page becomes the room when groups are formed (a swap, no page load).
  document.addEventListener("htmx:afterSwap", listen);

  // The facilitator's console: several live areas (data-area) under one board (data-live-areas)
  // and one stream of the jam's revision. Each area fetches its own fragment (204 when its mark
  // is unchanged), so one event costs a few cheap requests. Without a stream the areas poll
  // every second themselves (hx-trigger); while a stream is down, this polls them instead.
  var areaSource = null, areaLatest = null, areaPoller = null;
  function board() { return document.querySelector("[data-live-areas]"); }
  function fetchAreas() {
    var el = board();
    if (!el || !window.htmx) { return; }
    el.querySelectorAll("[data-area]").forEach(function (area) {
      window.htmx.trigger(area, "jam-changed");
    });
  }
  function areaPolling(on) {
    if (on && !areaPoller) { areaPoller = setInterval(fetchAreas, 1000); }
    if (!on && areaPoller) { clearInterval(areaPoller); areaPoller = null; }
  }
  function listenAreas() {
    var el = board();
    if (!el || !el.dataset.stream || areaSource) { return; }
    if (!window.EventSource) { areaPolling(true); return; }
    areaSource = new EventSource(el.dataset.stream + "?depuis=" + encodeURIComponent(el.dataset.revision));
    areaSource.onopen = function () { areaPolling(false); };
    areaSource.onmessage = function (event) { areaLatest = event.data; fetchAreas(); };
    areaSource.onerror = function () { areaPolling(true); };
  }
  document.addEventListener("DOMContentLoaded", listenAreas);

  // What changed in an area is read out by the board's polite live region: the sentence the
  // fragment carries (data-announce), when it differs from the one it replaces. The focus
  // stays where it is: the areas hold no field, and htmx puts it back on a button by its id.
  var heard = {}, news = [], newsTimer = null;
  function remember() {
    document.querySelectorAll("[data-area][data-announce]").forEach(function (area) {
      heard[area.id] = area.dataset.announce;
    });
  }
  function announce(area) {
    var text = area.dataset.announce || "";
    if (!area.id || heard[area.id] === undefined || heard[area.id] === text) {
      heard[area.id] = text;
      return;
    }
    heard[area.id] = text;
    news.push(text);
    clearTimeout(newsTimer);
    newsTimer = setTimeout(function () {  // areas fetched together are read out together
      var region = document.getElementById("console-news");
      if (region) { region.textContent = news.join(" "); }
      news = [];
    }, 300);
  }
  document.addEventListener("DOMContentLoaded", remember);
  document.addEventListener("htmx:afterSwap", function (event) {
    var area = event.target;  // the new element, after an outerHTML swap
    if (!area || !area.matches || !area.matches("[data-area]")) { return; }
    announce(area);
    // A change that came while this area was being fetched: fetch it once more.
    if (areaLatest !== null && area.dataset.jamRevision !== areaLatest) {
      window.htmx.trigger(area, "jam-changed");
    }
  });

  // The server out of reach (a form sent, a poll): say so above the page, and that what was
  // typed is kept; the next request that goes through takes the message away.
  function reach(ok) {
    var box = document.getElementById("jam-envoi");
    if (!box || ok === !box.firstChild) { return; }
    if (ok) { box.replaceChildren(); return; }
    var alert = document.createElement("div"), text = document.createElement("p");
    alert.className = "fr-alert fr-alert--error fr-alert--sm fr-mb-2w";
    text.textContent = box.dataset.message;
    alert.appendChild(text);
    box.appendChild(alert);
  }
  document.addEventListener("htmx:sendError", function () { reach(false); });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.xhr && event.detail.xhr.status > 0) { reach(true); }
  });

  // Drafts: whatever is typed in a form marked data-keep is saved on this device as it is
  // typed, and put back after a reload or a lost connection. A form sent successfully comes
  // back with ?envoye=<key>, which clears that draft.
  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  var store = storage();
  var sent = new URLSearchParams(window.location.search).get("envoye");
  if (store && sent) { store.removeItem("pollen-draft:" + sent); }

  function keep(form) {
    if (!store || form.dataset.kept) { return; }
    form.dataset.kept = "1";
    var key = "pollen-draft:" + form.dataset.keep;
    var saved = {};
    try { saved = JSON.parse(store.getItem(key) || "{}"); } catch (e) { saved = {}; }
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.type === "hidden" || field.type === "checkbox") { return; }
      if (saved[field.name] && !field.value) { field.value = saved[field.name]; }
      field.addEventListener("input", function () {
        var data = {};
        Array.prototype.forEach.call(form.elements, function (f) {
          if (f.name && f.type !== "hidden" && f.type !== "checkbox") { data[f.name] = f.value; }
        });
        store.setItem(key, JSON.stringify(data));
      });
    });
  }
  function keepAll() { document.querySelectorAll("form[data-keep]").forEach(keep); }
  // A form sent by HTMX and taken (HX-Trigger "jam-sent", before the swap): its draft is
  // forgotten and its fields emptied (a comment form is preserved across swaps, typed text too).
  document.addEventListener("jam-sent", function (event) {
    var key = event.detail && event.detail.value;
    if (!key) { return; }
    if (store) { store.removeItem("pollen-draft:" + key); }
    document.querySelectorAll("form[data-keep]").forEach(function (form) {
      if (form.dataset.keep === key) { form.reset(); }
    });
  });
  document.addEventListener("DOMContentLoaded", keepAll);
  document.addEventListener("htmx:afterSwap", keepAll);
})();
