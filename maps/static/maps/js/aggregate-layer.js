// Graduated ("choropleth") GeoJSON layers of aggregates on top of Leaflet: heatmap cells, areas coloured by a
// figure. The whole collection is fetched once from options.url when the layer is first shown (aggregates cover
// the city: no bbox to follow), each feature is filled with the colour of its value's class, and a legend with
// the class bounds is shown while the layer is on. Folium's AggregateGeoJsonLayer (maps/elements.py) only
// passes options; nothing here knows what is being counted.
(function () {
  "use strict";
  var PlatformAggregate = (window.PlatformAggregate = window.PlatformAggregate || {});
  var BASE_STYLE = { color: "#3d4148", weight: 1, opacity: 0.7, fillOpacity: 0.72 };

  function formatter(decimals) {
    var lang = document.documentElement.lang || "de";
    return new Intl.NumberFormat(lang, { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  }

  function isNumber(value) {
    return typeof value === "number" && isFinite(value);
  }

  // The class of a value: the first whose upper bound holds it (values above the last bound: the last class).
  function classOf(value, breaks) {
    if (!isNumber(value)) return -1;
    for (var i = 0; i < breaks.length; i++) {
      if (value <= breaks[i]) return i;
    }
    return breaks.length - 1;
  }

  // One status line per map for these layers (loading, errors, "no data"), announced politely.
  function setStatus(map, key, text) {
    if (!map._aggregateStatus) {
      var box = L.DomUtil.create("div", "map-status map-status--aggregate", map.getContainer());
      box.setAttribute("role", "status");
      box.hidden = true;
      map._aggregateStatus = { element: box, messages: {} };
    }
    var status = map._aggregateStatus;
    if (text) status.messages[key] = text;
    else delete status.messages[key];
    var lines = Object.keys(status.messages).map(function (k) {
      return status.messages[k];
    });
    status.element.textContent = lines.join(" ");
    status.element.hidden = lines.length === 0;
  }

  var Legend = L.Control.extend({
    options: { position: "bottomright" },
    onAdd: function () {
      var o = this.options.layerOptions;
      var root = L.DomUtil.create("div", "map-aggregate-legend leaflet-control");
      root.setAttribute("role", "group");
      root.setAttribute("aria-label", o.legendTitle);
      var title = L.DomUtil.create("div", "map-aggregate-legend__title", root);
      title.textContent = o.legendTitle;
      var list = L.DomUtil.create("ul", "map-aggregate-legend__list", root);
      function entry(colour, label) {
        var item = L.DomUtil.create("li", "map-aggregate-legend__item", list);
        var swatch = L.DomUtil.create("span", "map-aggregate-legend__swatch", item);
        swatch.style.backgroundColor = colour;
        swatch.setAttribute("aria-hidden", "true");
        var text = L.DomUtil.create("span", "map-aggregate-legend__label", item);
        text.textContent = label;
      }
      o.labels.forEach(function (label, index) {
        entry(o.colours[index], label);
      });
      if (o.noDataLabel) entry(o.noDataColour, o.noDataLabel);
      L.DomEvent.disableClickPropagation(root);
      L.DomEvent.disableScrollPropagation(root);
      return root;
    },
  });

  // The popup: the feature's name (or the layer's title), its value and details. Text nodes only: values are
  // never parsed as HTML.
  function popupContent(feature, o) {
    var props = feature.properties || {};
    var root = document.createElement("div");
    var name = document.createElement("strong");
    var title = o.popupTitleProperty ? props[o.popupTitleProperty] : null;
    name.textContent = title != null && title !== "" ? String(title) : o.title;
    root.appendChild(name);
    function line(label, value, decimals) {
      var row = document.createElement("div");
      row.className = "map-popup__detail";
      row.textContent = label + ": " + (isNumber(value) ? formatter(decimals || 0).format(value) : o.noDataLabel || "–");
      root.appendChild(row);
    }
    line(o.valueLabel, props[o.valueProperty], o.decimals);
    (o.popupDetails || []).forEach(function (detail) {
      line(detail.label, props[detail.property], detail.decimals);
    });
    return root;
  }

  PlatformAggregate.layer = function (o) {
    var messages = o.messages || {};
    var featureClass = "aggregate-feature aggregate-feature--" + o.name;
    var baseStyle = L.extend({}, BASE_STYLE, o.style || {});

    function styleOf(feature) {
      var value = (feature.properties || {})[o.valueProperty];
      var index = classOf(value, o.breaks);
      var style = L.extend({}, baseStyle, { className: featureClass });
      if (index < 0) {
        style.fillColor = o.noDataColour;
        style.fillOpacity = Math.min(baseStyle.fillOpacity, 0.45);
        style.dashArray = "4 3";
      } else {
        style.fillColor = o.colours[index];
      }
      return style;
    }

    var layer = L.geoJSON(null, {
      style: styleOf,
      onEachFeature: function (feature, featureLayer) {
        featureLayer.bindPopup(popupContent(feature, o));
        var weight = styleOf(feature).weight;
        featureLayer.on("mouseover", function () {
          featureLayer.setStyle({ weight: weight + 2 });
        });
        featureLayer.on("mouseout", function () {
          featureLayer.setStyle({ weight: weight });
        });
      },
    });
    var legend = new Legend({ layerOptions: o });
    var map = null;
    var state = "idle"; // idle → loading → loaded | failed
    var controller = null;

    function publish(count) {
      var container = map.getContainer();
      container.setAttribute("data-layer-" + o.name + "-count", String(count));
      container.dispatchEvent(new CustomEvent("platformmaps:layerload", { detail: { layer: o.name, count: count } }));
      layer.fire("platformmaps:load", { count: count });
    }

    function load() {
      state = "loading";
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var container = map.getContainer();
      container.setAttribute("aria-busy", "true");
      setStatus(map, o.name, messages.loading);
      fetch(o.url, {
        signal: controller ? controller.signal : undefined,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          state = "loaded";
          layer.clearLayers();
          layer.addData(data);
          var count = (data.features || []).length;
          if (!map) return;
          container.removeAttribute("aria-busy");
          setStatus(map, o.name, count === 0 ? messages.empty : null);
          publish(count);
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") return;
          state = "failed";
          if (!map) return;
          container.removeAttribute("aria-busy");
          setStatus(map, o.name, messages.error);
        });
    }

    layer.on("add", function (event) {
      map = event.target._map;
      legend.addTo(map);
      // Drawn once: the features stay in the layer while it is off, so switching back costs no request.
      if (state === "idle" || state === "failed") load();
      else if (state === "loaded") publish(layer.getLayers().length);
    });
    layer.on("remove", function () {
      if (!map) return;
      legend.remove();
      if (state === "loading" && controller) {
        controller.abort();
        state = "idle";
      }
      setStatus(map, o.name, null);
      map.getContainer().removeAttribute("data-layer-" + o.name + "-count");
      map.getContainer().removeAttribute("aria-busy");
      map = null;
    });
    return layer;
  };
})();
