// The platform's map behaviour on top of Leaflet: overlays loaded by bounding box from the maps API, a status
// line for errors, and a "use my location" button. Folium elements (maps/elements.py) only pass options.
(function () {
  "use strict";
  var PlatformMaps = (window.PlatformMaps = window.PlatformMaps || {});
  var DEBOUNCE_MS = 150;
  var MAX_PAGES = 20;

  function floorTo(value, digits) {
    var f = Math.pow(10, digits);
    return Math.floor(value * f) / f;
  }

  function ceilTo(value, digits) {
    var f = Math.pow(10, digits);
    return Math.ceil(value * f) / f;
  }

  // The visible bounding box as "west,south,east,north", clamped to valid coordinates and to the largest
  // box the API accepts (centred on the view), rounded outwards so that small moves reuse cached answers.
  function viewBbox(map, maxDegrees) {
    var b = map.getBounds();
    var c = map.getCenter();
    var w = Math.max(b.getWest(), -180);
    var e = Math.min(b.getEast(), 180);
    var s = Math.max(b.getSouth(), -90);
    var n = Math.min(b.getNorth(), 90);
    var half = (maxDegrees * 0.99) / 2;
    if (e - w > maxDegrees * 0.99) {
      w = Math.max(c.lng - half, -180);
      e = Math.min(c.lng + half, 180);
    }
    if (n - s > maxDegrees * 0.99) {
      s = Math.max(c.lat - half, -90);
      n = Math.min(c.lat + half, 90);
    }
    return [floorTo(w, 4), floorTo(s, 4), ceilTo(e, 4), ceilTo(n, 4)].join(",");
  }

  // One status line per map (role="status"), for what the map cannot show: errors, truncated layers.
  function statusOf(map) {
    if (!map._platformStatus) {
      var box = L.DomUtil.create("div", "map-status", map.getContainer());
      box.setAttribute("role", "status");
      box.hidden = true;
      map._platformStatus = { element: box, messages: {} };
    }
    return map._platformStatus;
  }

  function setStatus(map, key, text) {
    var status = statusOf(map);
    if (text) status.messages[key] = text;
    else delete status.messages[key];
    var lines = Object.keys(status.messages).map(function (k) {
      return status.messages[k];
    });
    status.element.textContent = lines.join(" ");
    status.element.hidden = lines.length === 0;
  }

  // The feature's name (a link where the layer names a URL property), the layer's title, then details.
  // Built with DOM text nodes: property values are never parsed as HTML.
  function popupContent(feature, options) {
    var props = feature.properties || {};
    var root = document.createElement("div");
    var name = document.createElement("strong");
    var text = props[options.popupProperty] != null ? String(props[options.popupProperty]) : "";
    var href = options.popupUrlProperty ? props[options.popupUrlProperty] : null;
    if (href && /^(https?:\/\/|\/(?!\/))/.test(String(href))) {
      var link = document.createElement("a");
      link.href = String(href);
      link.textContent = text;
      name.appendChild(link);
    } else {
      name.textContent = text;
    }
    root.appendChild(name);
    var kind = document.createElement("div");
    kind.className = "map-popup__kind";
    kind.textContent = options.title;
    root.appendChild(kind);
    (options.popupDetailProperties || []).forEach(function (key) {
      if (props[key] == null || props[key] === "") return;
      var detail = document.createElement("div");
      detail.className = "map-popup__detail map-popup__detail--" + key;
      detail.textContent = String(props[key]);
      root.appendChild(detail);
    });
    return root;
  }

  // A label's content: the text, with line-break opportunities after slashes ("Almke/Neindorf").
  function labelContent(text) {
    var root = document.createElement("span");
    text.split("/").forEach(function (part, index, parts) {
      root.appendChild(document.createTextNode(part + (index < parts.length - 1 ? "/" : "")));
      if (index < parts.length - 1) root.appendChild(document.createElement("wbr"));
    });
    return root;
  }

  // Permanent labels must stay readable: after every change of view or data, labels that would overlap a
  // label placed before them are hidden. Earlier layers come first, and within a layer larger features.
  function declutter(map) {
    var labels = [];
    map.eachLayer(function (layer) {
      var element = layer instanceof L.Tooltip && layer.options.permanent ? layer.getElement() : null;
      if (element && L.DomUtil.hasClass(element, "map-label")) labels.push(layer);
    });
    labels.sort(function (a, b) {
      return a.options.layerRank - b.options.layerRank || b.options.featureSize - a.options.featureSize;
    });
    var placed = [];
    function overlapsPlaced(box) {
      return placed.some(function (other) {
        return box.left < other.right && box.right > other.left && box.top < other.bottom && box.bottom > other.top;
      });
    }
    // Where a label would collide, it may move a little off its anchor (up, down, sideways) before it is hidden.
    var shifts = [[0, 0], [0, -1.2], [0, 1.2], [-0.5, 0], [0.5, 0], [-0.5, -1.2], [0.5, -1.2], [-0.5, 1.2], [0.5, 1.2]];
    labels.forEach(function (label) {
      var element = label.getElement();
      L.DomUtil.removeClass(element, "map-label--hidden");
      element.style.margin = "";
      var width = element.offsetWidth;
      var height = element.offsetHeight;
      for (var i = 0; i < shifts.length; i++) {
        element.style.margin = shifts[i][1] * height + "px 0 0 " + shifts[i][0] * width + "px";
        var box = element.getBoundingClientRect();
        if (!overlapsPlaced(box)) {
          placed.push(box);
          return;
        }
      }
      element.style.margin = "";
      L.DomUtil.addClass(element, "map-label--hidden");
    });
  }

  function scheduleDeclutter(map) {
    if (!map._platformDeclutter) {
      map._platformDeclutter = { frame: null };
      map.on("zoomend moveend overlayadd overlayremove", function () {
        scheduleDeclutter(map);
      });
    }
    var state = map._platformDeclutter;
    if (state.frame) cancelAnimationFrame(state.frame);
    state.frame = requestAnimationFrame(function () {
      state.frame = null;
      // Mid-animation the label boxes are scaled; the zoomend/moveend that follows runs this again.
      if (!map._animatingZoom) declutter(map);
    });
  }

  PlatformMaps.declutter = declutter;

  function featureSize(featureLayer) {
    if (!featureLayer.getBounds) return 0;
    var bounds = featureLayer.getBounds();
    if (!bounds.isValid()) return 0;
    var lat = (bounds.getNorth() + bounds.getSouth()) / 2;
    return (bounds.getEast() - bounds.getWest()) * Math.cos((lat * Math.PI) / 180) * (bounds.getNorth() - bounds.getSouth());
  }

  var layerCount = 0;

  // A GeoJSON overlay whose features come from options.url for the visible bbox, refreshed on every move.
  PlatformMaps.overlays = PlatformMaps.overlays || [];

  PlatformMaps.bboxLayer = function (options) {
    var layerRank = layerCount++;
    var baseStyle = L.extend({}, options.style || {});
    var featureClass = "map-feature map-feature--" + options.name;
    baseStyle.className = (baseStyle.className ? baseStyle.className + " " : "") + featureClass;

    // A feature's style: the layer's, with the style of its value of options.styleProperty merged over it.
    var featureStyles = options.featureStyles || {};
    function styleOf(feature) {
      var value = options.styleProperty && feature ? (feature.properties || {})[options.styleProperty] : null;
      var own = value != null ? featureStyles[String(value)] : null;
      if (!own) return baseStyle;
      var style = L.extend({}, baseStyle, own);
      style.className = featureClass + " map-feature--" + options.name + "--" + String(value).replace(/[^\w-]/g, "");
      return style;
    }

    var layer = L.geoJSON(null, {
      attribution: options.attribution || null,
      style: styleOf,
      // Points are drawn in the marker pane, above every polygon layer, whichever loaded last.
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, L.extend({ radius: 7, pane: "markerPane" }, styleOf(feature)));
      },
      onEachFeature: function (feature, featureLayer) {
        var props = feature.properties || {};
        if (options.labelProperty && props[options.labelProperty] != null) {
          featureLayer.bindTooltip(labelContent(String(props[options.labelProperty])), {
            permanent: true,
            direction: "center",
            className: "map-label map-label--" + options.name,
            interactive: false,
            layerRank: layerRank,
            featureSize: featureSize(featureLayer),
          });
        }
        if (options.popupProperty) featureLayer.bindPopup(popupContent(feature, options));
        var weight = styleOf(feature).weight || 2;
        featureLayer.on("mouseover", function () {
          if (featureLayer.setStyle) featureLayer.setStyle({ weight: weight + 2 });
        });
        featureLayer.on("mouseout", function () {
          if (featureLayer.setStyle) featureLayer.setStyle({ weight: weight });
        });
      },
    });

    var map = null;
    var timer = null;
    var controller = null;
    var sequence = 0;
    var loadedBbox = null;
    layer.featureCount = 0;

    function publish(count) {
      layer.featureCount = count;
      var container = map.getContainer();
      container.setAttribute("data-layer-" + options.name + "-count", String(count));
      container.dispatchEvent(
        new CustomEvent("platformmaps:layerload", { detail: { layer: options.name, count: count } })
      );
      layer.fire("platformmaps:load", { count: count });
    }

    function fetchPage(bbox, page, signal) {
      // options.url may carry the layer's filters as a query already.
      var url =
        options.url +
        (options.url.indexOf("?") === -1 ? "?" : "&") +
        "bbox=" +
        encodeURIComponent(bbox) +
        "&page_size=" +
        options.pageSize;
      if (page > 1) url += "&page=" + page;
      return fetch(url, { signal: signal, headers: { Accept: "application/json" }, credentials: "same-origin" }).then(
        function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        }
      );
    }

    function isClustered() {
      return Boolean(options.clusterUrl) && map.getZoom() < options.clusterBelowZoom;
    }

    // A cell's marker: its count in a circle, a real focusable element (Enter zooms in like a click).
    function clusterMarker(feature) {
      var props = feature.properties || {};
      var count = Number(props.count) || 0;
      var size = count < 10 ? "s" : count < 100 ? "m" : count < 1000 ? "l" : "xl";
      var diameter = { s: 30, m: 36, l: 42, xl: 50 }[size];
      var text = count.toLocaleString(document.documentElement.lang || undefined);
      var coords = feature.geometry.coordinates;
      var latlng = L.latLng(coords[1], coords[0]);
      var label = String(options.messages.cluster || "{count}").replace("{count}", text);
      var span = document.createElement("span");
      span.textContent = text;
      // Cells sit above the permanent labels (tooltip pane, 650) but below popups (700): they are the targets.
      if (!map.getPane("platformClusters")) map.createPane("platformClusters").style.zIndex = 660;
      var marker = L.marker(latlng, {
        pane: "platformClusters",
        icon: L.divIcon({
          className: "map-cluster map-cluster--" + options.name + " map-cluster--" + size,
          html: span.outerHTML,
          iconSize: [diameter, diameter],
        }),
        keyboard: true,
        title: label,
        alt: label,
      });
      function zoomIn() {
        // The cell's marker is replaced by the new view's: keep the keyboard on the map, not the page's start.
        map.getContainer().focus({ preventScroll: true });
        var b = props.bounds;
        var target = Math.min(options.clusterBelowZoom, map.getMaxZoom());
        if (b && (b[0] !== b[2] || b[1] !== b[3])) {
          map.fitBounds(
            [
              [b[1], b[0]],
              [b[3], b[2]],
            ],
            { maxZoom: target, padding: [32, 32] }
          );
        } else {
          map.setView(latlng, target);
        }
      }
      marker.on("click", zoomIn);
      // Leaflet turns Enter on a marker into a popup only; a cell has none, so Enter and Space zoom in.
      marker.on("keypress", function (event) {
        var key = event.originalEvent && event.originalEvent.key;
        if (key === "Enter" || key === " ") {
          L.DomEvent.preventDefault(event.originalEvent);
          zoomIn();
        }
      });
      marker.on("add", function () {
        var element = marker.getElement();
        if (element) element.setAttribute("aria-label", label);
      });
      return marker;
    }

    function fetchClusters(bbox, zoom, signal) {
      var url =
        options.clusterUrl +
        (options.clusterUrl.indexOf("?") === -1 ? "?" : "&") +
        "bbox=" +
        encodeURIComponent(bbox) +
        "&zoom=" +
        zoom;
      return fetch(url, { signal: signal, headers: { Accept: "application/json" }, credentials: "same-origin" }).then(
        function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        }
      );
    }

    function loadClusters(bbox, zoom, key, signal, mine, container) {
      return fetchClusters(bbox, zoom, signal).then(function (data) {
        if (mine !== sequence) return;
        layer.clearLayers();
        (data.features || []).forEach(function (feature) {
          layer.addLayer(clusterMarker(feature));
        });
        loadedBbox = key;
        container.removeAttribute("aria-busy");
        setStatus(map, options.name + ":error", null);
        setStatus(map, options.name + ":truncated", null);
        container.setAttribute("data-layer-" + options.name + "-clusters", String((data.features || []).length));
        publish(Number(data.count) || 0);
      });
    }

    function load() {
      timer = null;
      if (!map) return;
      var bbox = viewBbox(map, options.maxBboxDegrees);
      var clustered = isClustered();
      var zoom = Math.floor(map.getZoom());
      // Clusters depend on the zoom as well; features only on the bbox.
      var key = clustered ? bbox + "@" + zoom : bbox;
      if (key === loadedBbox) return;
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var signal = controller ? controller.signal : undefined;
      var mine = ++sequence;
      var features = [];
      var page = 1;
      var container = map.getContainer();
      container.setAttribute("aria-busy", "true");
      if (clustered) {
        loadClusters(bbox, zoom, key, signal, mine, container).catch(function (error) {
          if (mine !== sequence || (error && error.name === "AbortError")) return;
          container.removeAttribute("aria-busy");
          setStatus(map, options.name + ":error", options.messages.error);
        });
        return;
      }
      container.removeAttribute("data-layer-" + options.name + "-clusters");

      function step(data) {
        if (mine !== sequence) return; // a newer view superseded this answer
        features = features.concat(data.features || []);
        if (data.next && page < MAX_PAGES) {
          page += 1;
          return fetchPage(bbox, page, signal).then(step);
        }
        layer.clearLayers();
        layer.addData({ type: "FeatureCollection", features: features });
        loadedBbox = key;
        container.removeAttribute("aria-busy");
        setStatus(map, options.name + ":error", null);
        setStatus(map, options.name + ":truncated", data.next ? options.messages.truncated : null);
        scheduleDeclutter(map);
        publish(features.length);
      }

      fetchPage(bbox, page, signal)
        .then(step)
        .catch(function (error) {
          if (mine !== sequence || (error && error.name === "AbortError")) return;
          container.removeAttribute("aria-busy");
          setStatus(map, options.name + ":error", options.messages.error);
        });
    }

    function schedule() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(load, DEBOUNCE_MS);
    }

    layer.platformName = options.name;
    PlatformMaps.overlays.push(layer);

    layer.on("add", function (event) {
      map = event.target._map;
      loadedBbox = null;
      map.on("moveend", schedule);
      schedule();
    });
    layer.on("remove", function () {
      if (!map) return;
      map.off("moveend", schedule);
      if (timer) clearTimeout(timer);
      if (controller) controller.abort();
      sequence += 1;
      setStatus(map, options.name + ":error", null);
      setStatus(map, options.name + ":truncated", null);
      map.getContainer().removeAttribute("data-layer-" + options.name + "-count");
      map.getContainer().removeAttribute("data-layer-" + options.name + "-clusters");
      map.getContainer().removeAttribute("aria-busy");
      layer.clearLayers();
      map = null;
    });
    return layer;
  };

  // The city map's form and its embed code follow the layers switched on the map, and the map follows the
  // form's layer boxes, so both ways of choosing agree and the code always embeds what is shown.
  PlatformMaps.cityMapForm = function (map, form, embedField) {
    if (!map || !form) return;
    function overlay(name) {
      return PlatformMaps.overlays.filter(function (layer) {
        return layer.platformName === name;
      })[0];
    }
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="layers"]'));
    var applied = null;
    var base = null;
    if (embedField) {
      base = embedField.getAttribute("data-embed-base");
      var match = /src="([^"]*)"/.exec(embedField.value);
      applied = new URL(match ? match[1].replace(/&amp;/g, "&") : base, window.location.href).searchParams;
      applied.delete("layers");
    }
    function update() {
      if (!embedField) return;
      var params = new URLSearchParams(applied.toString());
      var shown = boxes.filter(function (box) {
        return box.checked;
      });
      if (!shown.length) params.append("layers", "");
      shown.forEach(function (box) {
        params.append("layers", box.value);
      });
      var src = base + "?" + params.toString();
      var title = embedField.getAttribute("data-embed-title") || "";
      embedField.value =
        '<iframe src="' +
        src.replace(/&/g, "&amp;").replace(/"/g, "&quot;") +
        '" title="' +
        title.replace(/"/g, "&quot;") +
        '" width="100%" height="480" style="border:0" loading="lazy"></iframe>';
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
      }
    }
    map.on("overlayadd overlayremove", function (event) {
      var name = event.layer && event.layer.platformName;
      boxes.forEach(function (box) {
        if (box.value === name) box.checked = event.type === "overlayadd";
      });
      update();
    });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        var layer = overlay(box.value);
        if (!layer) return;
        if (box.checked && !map.hasLayer(layer)) map.addLayer(layer);
        if (!box.checked && map.hasLayer(layer)) map.removeLayer(layer);
        update();
      });
    });
    var copy = form.parentNode.querySelector(".city-map__copy");
    if (copy && embedField && navigator.clipboard) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(embedField.value).then(function () {
          var status = form.parentNode.querySelector(".city-map__copy-status");
          if (status) status.textContent = copy.getAttribute("data-copied");
        });
      });
    }
  };

  var LocateControl = L.Control.extend({
    onAdd: function (map) {
      var options = this.options;
      var messages = options.messages;
      var container = L.DomUtil.create("div", "leaflet-bar leaflet-control map-locate");
      var button = L.DomUtil.create("button", "map-locate__button", container);
      button.type = "button";
      button.title = messages.label;
      button.setAttribute("aria-label", messages.label);
      button.innerHTML =
        '<svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="20" height="20">' +
        '<circle cx="12" cy="12" r="4" fill="currentColor"/>' +
        '<path d="M12 2v4M12 18v4M2 12h4M18 12h4" stroke="currentColor" stroke-width="2" fill="none"/>' +
        '<circle cx="12" cy="12" r="7.5" stroke="currentColor" stroke-width="2" fill="none"/></svg>';
      L.DomEvent.disableClickPropagation(container);
      var marker = null;
      var clearTimer = null;

      function say(text, clearAfterMs) {
        if (clearTimer) clearTimeout(clearTimer);
        clearTimer = null;
        setStatus(map, "locate", text);
        if (clearAfterMs) {
          clearTimer = setTimeout(function () {
            setStatus(map, "locate", null);
          }, clearAfterMs);
        }
      }

      function found(position) {
        var latlng = L.latLng(position.coords.latitude, position.coords.longitude);
        var accuracy = Math.round(position.coords.accuracy || 0);
        if (marker) map.removeLayer(marker);
        marker = L.featureGroup([
          L.circle(latlng, { radius: accuracy, weight: 1, color: "#00508c", fillOpacity: 0.1, interactive: false }),
          L.circleMarker(latlng, { radius: 7, weight: 3, color: "#ffffff", fillColor: "#00508c", fillOpacity: 1 }).bindTooltip(
            messages.you
          ),
        ]).addTo(map);
        map.setView(latlng, Math.max(map.getZoom(), options.zoom));
        button.removeAttribute("aria-busy");
        say(messages.found.replace("%(meters)s", String(accuracy)), 8000);
      }

      function failed(error) {
        button.removeAttribute("aria-busy");
        say(error && error.code === 1 ? messages.denied : messages.unavailable, 12000);
      }

      L.DomEvent.on(button, "click", function (event) {
        L.DomEvent.preventDefault(event);
        if (!navigator.geolocation) {
          say(messages.unsupported, 12000);
          return;
        }
        button.setAttribute("aria-busy", "true");
        say(messages.locating);
        navigator.geolocation.getCurrentPosition(found, failed, {
          enableHighAccuracy: true,
          timeout: 15000,
          maximumAge: 60000,
        });
      });
      return container;
    },
  });

  PlatformMaps.locateControl = function (options) {
    return new LocateControl(options);
  };
})();
