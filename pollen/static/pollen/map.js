/* The zoomable maps (docs/decisions/0023-zoomable-maps.md): Leaflet draws the places, or the
   coverage by département, over the page's SVG map, and takes its place only once a first tile
   has loaded. Tiles that fail or do not come within a few seconds leave the SVG as it is. */
(function () {
  "use strict";
  var TILE_WAIT_MS = 6000;
  var CELL_PX = 56; // places closer than this on screen are drawn as one group
  var METRO = [[41.3, -5.2], [51.1, 9.6]];

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function icon(className, visible, spoken, size) {
    var box = element("span", className, visible);
    box.appendChild(element("span", "fr-sr-only", spoken));
    return L.divIcon({ html: box, className: "pollen-icon", iconSize: [size, size] });
  }

  function placeMarker(place, words, current) {
    var marker = L.marker([place[2], place[3]], {
      icon: icon(current ? "pollen-marker pollen-marker--current" : "pollen-marker", "", place[1], current ? 24 : 18),
      title: place[1],
      riseOnHover: true,
      zIndexOffset: current ? 1000 : 0
    });
    var popup = element("p", "fr-mb-0");
    popup.appendChild(element("strong", "", place[1]));
    popup.appendChild(document.createElement("br"));
    var link = element("a", "pollen-map-link", words.open);
    link.href = place[4];
    link.setAttribute("aria-label", words.open + " : " + place[1]);
    popup.appendChild(link);
    marker.bindPopup(popup);
    return marker;
  }

  // Every place would be hundreds of tab stops: nearby places become one group, which zooms in.
  function groupedPlaces(map, places, words) {
    var layer = L.layerGroup().addTo(map);
    var shown = {};
    function redraw() {
      var zoom = map.getZoom();
      var view = map.getBounds().pad(0.25);
      var cells = {};
      places.forEach(function (place) {
        var at = L.latLng(place[2], place[3]);
        if (!view.contains(at)) { return; }
        var p = map.project(at, zoom);
        var key = Math.floor(p.x / CELL_PX) + ":" + Math.floor(p.y / CELL_PX);
        (cells[key] = cells[key] || []).push(place);
      });
      var wanted = {};
      Object.keys(cells).forEach(function (key) {
        var group = cells[key];
        if (group.length === 1 || zoom >= map.getMaxZoom()) {
          group.forEach(function (place) { wanted["p" + place[0]] = [place]; });
        } else {
          wanted["g" + zoom + ":" + key + ":" + group.length] = group;
        }
      });
      Object.keys(shown).forEach(function (key) {
        if (!wanted[key]) { layer.removeLayer(shown[key]); delete shown[key]; }
      });
      Object.keys(wanted).forEach(function (key) {
        if (shown[key]) { return; }
        var group = wanted[key];
        var marker = key.charAt(0) === "p" ? placeMarker(group[0], words, false) : groupMarker(map, group, words);
        shown[key] = marker;
        layer.addLayer(marker);
      });
    }
    map.on("moveend", redraw);
    redraw();
  }

  function groupMarker(map, group, words) {
    var bounds = L.latLngBounds(group.map(function (place) { return [place[2], place[3]]; }));
    var spoken = words.cluster.replace("{n}", group.length);
    var marker = L.marker(bounds.getCenter(), {
      icon: icon("pollen-cluster", String(group.length), spoken, 34),
      title: spoken
    });
    function zoomIn() {
      map.getContainer().focus();
      map.fitBounds(bounds.pad(0.1), { maxZoom: Math.max(map.getZoom() + 2, 0) });
    }
    marker.on("click", zoomIn);
    marker.on("keypress", function (event) {
      if (event.originalEvent.key === "Enter") { zoomIn(); }
    });
    return marker;
  }

  function drawPlaces(map, data) {
    if (data.kind === "places") {
      map.fitBounds(METRO);
      groupedPlaces(map, data.places, data.words);
      return;
    }
    var bounds = L.latLngBounds([]);
    data.places.forEach(function (place) {
      placeMarker(place, data.words, place[0] === data.current).addTo(map);
      bounds.extend([place[2], place[3]]);
    });
    map.fitBounds(bounds.pad(0.2), { maxZoom: 12 });
  }

  function drawCoverage(map, data) {
    map.fitBounds(METRO);
    window.fetch(data.outlines, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (outlines) {
        if (!outlines) { return; }
        L.geoJSON(outlines, {
          interactive: false,
          style: function (feature) {
            var zone = data.zones[feature.properties.code];
            return { color: "#ffffff", weight: 1, fillColor: zone ? zone[1] : "#e5e5e5", fillOpacity: 0.55 };
          }
        }).addTo(map).bringToBack();
      })
      .catch(function () { /* the table below the map gives the same figures */ });
    var dots = L.layerGroup().addTo(map);
    data.places.forEach(function (place) {
      L.circleMarker([place[2], place[3]], {
        radius: 3, weight: 1, color: "#ffffff", fillColor: data.point_colour, fillOpacity: 1, interactive: false
      }).addTo(dots);
    });
    data.white_zones.forEach(function (zone) {
      var marker = L.marker([zone[1], zone[2]], {
        icon: icon("pollen-marker pollen-marker--white", "", data.words.white_zone + " : " + zone[0], 18),
        title: data.words.white_zone + " : " + zone[0]
      });
      marker.bindPopup(element("p", "fr-mb-0", zone[3]));
      marker.addTo(map);
    });
  }

  function draw(canvas, data, reveal, giveUp) {
    var map = L.map(canvas, {
      zoomControl: false, attributionControl: false, minZoom: 2, maxZoom: 18
    });
    L.control.zoom({ zoomInTitle: data.words.zoom_in, zoomOutTitle: data.words.zoom_out }).addTo(map);
    L.control.attribution({ prefix: '<a href="https://leafletjs.com">Leaflet</a>' }).addTo(map);
    var tiles = L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 18, minZoom: 2 });
    tiles.on("tileerror", giveUp);
    tiles.once("tileload", reveal);
    map.on("zoomend", function () { canvas.setAttribute("data-zoom", String(map.getZoom())); });
    // Escape closes a popup wherever the focus is in the map, and gives it back to its marker.
    var opener = null;
    canvas.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !opener) { return; }
      map.closePopup();
      if (document.body.contains(opener)) { opener.focus(); }
      opener = null;
    });
    map.on("popupopen", function (event) {
      opener = canvas.contains(document.activeElement) ? document.activeElement : null;
      var root = event.popup.getElement();
      var close = root && root.querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", data.words.close); }
      var link = root && root.querySelector("a.pollen-map-link");
      if (link) { link.focus(); }
    });
    if (data.kind === "coverage") { drawCoverage(map, data); } else { drawPlaces(map, data); }
    canvas.setAttribute("data-zoom", String(map.getZoom()));
    tiles.addTo(map);
    return map;
  }

  function build(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-pollen-map"));
    if (!source || !window.L) { return; }
    var data = JSON.parse(source.textContent);
    var figure = canvas.parentNode;
    var map = null;
    var settled = false;
    function giveUp() {
      if (settled) { return; }
      settled = true;
      if (map) { map.remove(); }
      canvas.parentNode.removeChild(canvas);
      var skip = figure.parentNode.querySelector(".pollen-skip");
      if (skip) { skip.parentNode.removeChild(skip); }
    }
    function reveal() {
      if (settled) { return; }
      settled = true;
      window.clearTimeout(timer);
      canvas.classList.remove("pollen-webmap__canvas--pending");
      var svg = figure.querySelector(".pollen-webmap__svg");
      if (svg) { svg.hidden = true; }
      map.invalidateSize();
      canvas.setAttribute("data-ready", "true");
    }
    var timer = window.setTimeout(giveUp, TILE_WAIT_MS);
    // One tile first (France at zoom 5): offline, the browser then notes one failed request
    // rather than a screenful, and Leaflet is never started.
    var probe = new Image();
    probe.onerror = giveUp;
    probe.onload = function () {
      if (!settled) { map = draw(canvas, data, reveal, giveUp); }
    };
    probe.src = L.Util.template(data.tiles, { z: 5, x: 16, y: 11, s: "a", r: "" });
  }

  function start() { document.querySelectorAll("[data-pollen-map]").forEach(build); }
  // After the page's own load: a tile server that hangs must not keep the page loading.
  if (document.readyState === "complete") { start(); } else { window.addEventListener("load", start); }
})();
