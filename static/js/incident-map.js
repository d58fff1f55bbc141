/* The incident maps (public/maps.py). Two kinds of container:
 *   data-map="list":   every incident of the filtered list, from data-src (compact arrays), clustered;
 *   data-map="single": one incident from data-lat / data-lon / data-precision.
 * A location is drawn no more precisely than it is known: a point for an exact location, a
 * circle of the stated precision's radius (data-radii, metres) otherwise. Without JavaScript
 * the container's text stays and the page links to the list and the GeoJSON. */
(function () {
  "use strict";

  function baseMap(container, options) {
    container.textContent = "";
    var map = L.map(container, Object.assign({ preferCanvas: true, worldCopyJump: true }, options || {}));
    L.tileLayer(container.dataset.tileUrl, {
      attribution: container.dataset.attribution,
      maxZoom: 18
    }).addTo(map);
    return map;
  }

  function shape(lat, lon, radius) {
    if (radius > 0) {
      return L.circle([lat, lon], { radius: radius, weight: 1, color: "#8a1c1c", fillOpacity: 0.12 });
    }
    return L.circleMarker([lat, lon], { radius: 6, weight: 2, color: "#ffffff", fillColor: "#8a1c1c", fillOpacity: 1 });
  }

  function popupFor(point, urlTemplate, openText) {
    // Built with DOM nodes: titles are text, never HTML.
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = urlTemplate.replace("SLUG", encodeURIComponent(point[3]));
    link.textContent = point[4];
    var more = document.createElement("span");
    more.className = "map-popup-hint";
    more.textContent = openText;
    box.appendChild(link);
    box.appendChild(document.createElement("br"));
    box.appendChild(more);
    return box;
  }

  function listMap(container) {
    var status = document.getElementById(container.id + "-status");
    var radii = JSON.parse(container.dataset.radii);
    var say = function (text) { if (status) { status.textContent = text; } };
    say(container.dataset.loading);
    var map = baseMap(container, { center: [48.5, 31.5], zoom: 6 });
    var total = 0;
    // Points are added in chunks (the page stays responsive); "ready" when the last is in.
    var clusters = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      chunkProgress: function (processed, count) {
        if (total && processed === count) { say(""); container.dataset.ready = String(total); }
      }
    });
    map.addLayer(clusters);
    container.leafletMap = map; // for the browser tests and the console
    fetch(container.dataset.src, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        var layers = new Array(data.points.length);
        for (var i = 0; i < data.points.length; i++) {
          var point = data.points[i];
          var layer = shape(point[0], point[1], radii[point[2]] || 0);
          layer.options.incidentIndex = i;
          layers[i] = layer;
        }
        // One popup for the whole map, built when a marker is chosen (not 100,000 popups).
        clusters.on("click", function (event) {
          var point = data.points[event.layer.options.incidentIndex];
          L.popup().setLatLng(event.latlng)
            .setContent(popupFor(point, data.url, container.dataset.open)).openOn(map);
        });
        total = layers.length;
        if (total) {
          // The points' bounds, from the data: the chunked clusters are not all in yet.
          var south = 90, west = 180, north = -90, east = -180;
          for (var j = 0; j < total; j++) {
            var p = data.points[j];
            if (p[0] < south) { south = p[0]; }
            if (p[0] > north) { north = p[0]; }
            if (p[1] < west) { west = p[1]; }
            if (p[1] > east) { east = p[1]; }
          }
          map.fitBounds([[south, west], [north, east]], { maxZoom: 7, padding: [20, 20] });
          clusters.addLayers(layers);
        } else {
          say("");
          container.dataset.ready = "0";
        }
      })
      .catch(function (error) {
        say(container.dataset.failed);
        if (window.console) { console.error(error); }
      });
  }

  function singleMap(container) {
    var lat = parseFloat(container.dataset.lat);
    var lon = parseFloat(container.dataset.lon);
    var radius = parseFloat(container.dataset.radius) || 0;
    var map = baseMap(container, { center: [lat, lon], zoom: 10, scrollWheelZoom: false });
    var layer = shape(lat, lon, radius).addTo(map);
    if (radius > 0) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
    container.dataset.ready = "1";
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-map]").forEach(function (container) {
      if (container.dataset.map === "list") { listMap(container); } else { singleMap(container); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
