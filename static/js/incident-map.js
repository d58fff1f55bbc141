/* The incident maps (public/maps.py). Two kinds of container:
 *   data-map="list":   every incident of the filtered list, from data-src (columns: lat, lon,
 *                      precision, slug), clustered with Supercluster;
 *   data-map="single": one incident from data-lat / data-lon / data-radius.
 * A location is drawn no more precisely than it is known: a point for an exact location, a
 * circle of the stated precision's radius (data-radii, metres) otherwise. Without JavaScript
 * the container's text stays and the page links to the list and the GeoJSON.
 *
 * At 100,000 incidents the points are indexed once (Supercluster: a k-d tree per zoom level,
 * about a second) and each view draws only what is on screen: a cluster as a button with its
 * count, a lone incident as a button at its place (plus its precision's circle). Every marker
 * is a real button: reachable with Tab, named for screen readers, chosen with Enter. The title
 * of a chosen incident is fetched from the public API (data-detail-api) when its popup opens. */
(function () {
  "use strict";

  var MAX_ZOOM = 18;

  function baseMap(container, options) {
    container.textContent = "";
    var map = L.map(container, Object.assign({ preferCanvas: true, worldCopyJump: true, maxZoom: MAX_ZOOM }, options || {}));
    L.tileLayer(container.dataset.tileUrl, {
      attribution: container.dataset.attribution,
      maxZoom: MAX_ZOOM
    }).addTo(map);
    return map;
  }

  function shape(lat, lon, radius, interactive) {
    if (radius > 0) {
      return L.circle([lat, lon], { radius: radius, weight: 1, color: "#8a1c1c", fillOpacity: 0.12, interactive: interactive });
    }
    return L.circleMarker([lat, lon], { radius: 6, weight: 2, color: "#ffffff", fillColor: "#8a1c1c", fillOpacity: 1, interactive: interactive });
  }

  // "popasna-2022-04-intercepted-order" -> "popasna 2022 04 intercepted order": a name for a
  // marker before (or without) its title.
  function words(slug) { return slug.replace(/-/g, " "); }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }

  function icon(className, html, size) {
    return L.divIcon({ className: className, html: html, iconSize: [size, size] });
  }

  // A marker is a role=button: a click, Enter or Space chooses it (Leaflet itself only opens a
  // bound popup on Enter).
  function choose(marker, action) {
    marker.on("click", action);
    marker.on("keypress", function (event) {
      var key = event.originalEvent.key;
      if (key === "Enter" || key === " ") {
        L.DomEvent.preventDefault(event.originalEvent);
        action();
      }
    });
  }

  function listMap(container) {
    var status = document.getElementById(container.id + "-status");
    var radii = JSON.parse(container.dataset.radii);
    var text = container.dataset;
    var say = function (message) { if (status) { status.textContent = message; } };
    say(text.loading);
    var map = baseMap(container, { center: [48.5, 31.5], zoom: 6 });
    container.leafletMap = map; // for the console
    var drawn = L.layerGroup().addTo(map);
    var refocus = false; // after a group was chosen, keyboard focus moves to the new view
    var titles = {}; // slug -> title, filled as readers open incidents
    var lang = (document.documentElement.lang || "en").slice(0, 2);

    function incidentUrl(data, slug) { return data.url.replace("SLUG", encodeURIComponent(slug)); }

    function linkTo(data, slug) {
      var link = document.createElement("a");
      link.href = incidentUrl(data, slug);
      link.textContent = titles[slug] || words(slug);
      return link;
    }

    // The popup of one incident: a link at once, its title when the API answers.
    function openIncident(data, slug, latlng) {
      var box = document.createElement("div");
      var link = linkTo(data, slug);
      var hint = document.createElement("span");
      hint.className = "map-popup-hint";
      hint.textContent = text.open;
      box.appendChild(link);
      box.appendChild(document.createElement("br"));
      box.appendChild(hint);
      L.popup().setLatLng(latlng).setContent(box).openOn(map);
      if (titles[slug] || !text.detailApi) { link.dataset.titled = "1"; return; }
      fetch(text.detailApi.replace("SLUG", encodeURIComponent(slug)), { headers: { Accept: "application/json" }, credentials: "omit" })
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (incident) {
          titles[slug] = incident["title_" + lang] || incident.title || words(slug);
          link.textContent = titles[slug]; // text, never HTML
        })
        .catch(function () { /* the slug's words stay: the link still works */ })
        .then(function () { link.dataset.titled = "1"; });
    }

    // Incidents at one place that no zoom separates: a list of links in a popup.
    function openPlace(data, index, cluster, latlng) {
      var leaves = index.getLeaves(cluster.properties.cluster_id, 50);
      var box = document.createElement("div");
      var heading = document.createElement("p");
      heading.textContent = fill(text.samePlace, { n: cluster.properties.point_count });
      var list = document.createElement("ul");
      list.className = "map-popup-list";
      leaves.forEach(function (leaf) {
        var item = document.createElement("li");
        item.appendChild(linkTo(data, data.slug[leaf.properties.i]));
        list.appendChild(item);
      });
      box.appendChild(heading);
      box.appendChild(list);
      if (leaves.length < cluster.properties.point_count) {
        var more = document.createElement("p");
        more.className = "map-popup-hint";
        more.textContent = fill(text.firstOnly, { n: leaves.length });
        box.appendChild(more);
      }
      L.popup({ maxHeight: 260 }).setLatLng(latlng).setContent(box).openOn(map);
    }

    function draw(data, index) {
      var bounds = map.getBounds();
      var zoom = Math.round(map.getZoom());
      var features = index.getClusters([bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()], zoom);
      drawn.clearLayers();
      features.forEach(function (feature) {
        var lon = feature.geometry.coordinates[0];
        var lat = feature.geometry.coordinates[1];
        var marker;
        if (feature.properties.cluster) {
          var count = feature.properties.point_count;
          var size = count < 10 ? "small" : count < 1000 ? "medium" : "large";
          marker = L.marker([lat, lon], {
            icon: icon("map-cluster map-cluster-" + size, "<span>" + feature.properties.point_count_abbreviated + "</span>", 40),
            title: fill(text.cluster, { n: count }),
            riseOnHover: true
          });
          choose(marker, function () {
            var expansion = index.getClusterExpansionZoom(feature.properties.cluster_id);
            if (expansion > MAX_ZOOM) {
              openPlace(data, index, feature, [lat, lon]);
            } else {
              refocus = document.activeElement === marker.getElement();
              map.setView([lat, lon], expansion);
            }
          });
        } else {
          var i = feature.properties.i;
          var slug = data.slug[i];
          var radius = radii[data.precision[i]] || 0;
          if (radius > 0) { drawn.addLayer(shape(lat, lon, radius, false)); }
          marker = L.marker([lat, lon], {
            icon: icon("map-point" + (radius > 0 ? " map-point-area" : ""), "", 16),
            title: titles[slug] || words(slug),
            riseOnHover: true
          });
          choose(marker, function () { openIncident(data, slug, [lat, lon]); });
        }
        drawn.addLayer(marker);
        // Leaflet makes the marker a focusable role=button; its name is said here, not
        // left to the count inside it.
        var element = marker.getElement();
        if (element) { element.setAttribute("aria-label", marker.options.title); }
      });
      if (refocus) {
        // The chosen group's button is gone; the keyboard carries on from the first new one.
        refocus = false;
        var first = container.querySelector(".leaflet-marker-icon");
        if (first) { first.focus({ preventScroll: true }); } else { container.focus({ preventScroll: true }); }
      }
      container.dataset.zoom = String(zoom); // the view drawn (the browser tests wait on it)
      return features.length;
    }

    fetch(container.dataset.src, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        var total = data.slug.length;
        if (!total) { say(""); container.dataset.ready = "0"; return; }
        var points = new Array(total);
        var south = 90, west = 180, north = -90, east = -180;
        for (var i = 0; i < total; i++) {
          var lat = data.lat[i], lon = data.lon[i];
          points[i] = { type: "Feature", properties: { i: i }, geometry: { type: "Point", coordinates: [lon, lat] } };
          if (lat < south) { south = lat; }
          if (lat > north) { north = lat; }
          if (lon < west) { west = lon; }
          if (lon > east) { east = lon; }
        }
        var index = new Supercluster({ radius: 60, maxZoom: MAX_ZOOM }).load(points);
        // No animation: the view is where it will stay before the markers are drawn.
        map.fitBounds([[south, west], [north, east]], { maxZoom: 7, padding: [20, 20], animate: false });
        map.on("moveend", function () { draw(data, index); });
        draw(data, index);
        say("");
        container.dataset.ready = String(total);
      })
      .catch(function (error) {
        say(text.failed);
        if (window.console) { console.error(error); }
      });
  }

  function singleMap(container) {
    var lat = parseFloat(container.dataset.lat);
    var lon = parseFloat(container.dataset.lon);
    var radius = parseFloat(container.dataset.radius) || 0;
    var map = baseMap(container, { center: [lat, lon], zoom: 10, scrollWheelZoom: false });
    var layer = shape(lat, lon, radius, true).addTo(map);
    if (radius > 0) { map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false }); }
    container.dataset.ready = "1";
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll("[data-map]").forEach(function (container) {
      if (container.dataset.map === "list") {
        if (typeof Supercluster !== "undefined") { listMap(container); }
      } else {
        singleMap(container);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
