// The report form's enhancements. Every step works without this script; it adds the map pin, "use my location",
// street suggestions, a character counter, a photo check and the offer of a photo's position.
(function () {
  "use strict";

  var root = document.querySelector("[data-report-wizard]");
  if (!root) return;
  var messagesElement = document.getElementById("report-form-messages");
  var MESSAGES = messagesElement ? JSON.parse(messagesElement.textContent) : {};

  function t(key, params) {
    var text = MESSAGES[key] || key;
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(params[name]));
    });
    return text;
  }

  function byName(form, name) {
    return form.querySelector('[name="' + name + '"]');
  }

  function round6(value) {
    return (Math.round(value * 1e6) / 1e6).toFixed(6);
  }

  // The error summary is announced (role="alert"); focus moves there so keyboard users start at the problems.
  var summary = root.querySelector("[data-error-summary]");
  if (summary) summary.focus();

  // A second press of the submit button while the first post is on its way would only resend the same form.
  Array.prototype.forEach.call(root.querySelectorAll("form.report-form"), function (form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.name === "wizard_goto_step") return;
      if (form.dataset.sending === "true") {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "true";
      if (submitter && !submitter.name) {
        submitter.setAttribute("aria-disabled", "true");
        submitter.dataset.label = submitter.textContent;
        submitter.textContent = t("sending");
      }
    });
  });

  // Coming back with the browser's back button shows the page as it was left: ready to send again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    Array.prototype.forEach.call(root.querySelectorAll("form.report-form"), function (form) {
      delete form.dataset.sending;
      Array.prototype.forEach.call(form.querySelectorAll("[aria-disabled][data-label]"), function (button) {
        button.removeAttribute("aria-disabled");
        button.textContent = button.dataset.label;
      });
    });
  });

  // --- Step 1: the location ------------------------------------------------------------------------------

  function setupLocation(form) {
    var lon = byName(form, "location-lon");
    var lat = byName(form, "location-lat");
    var street = byName(form, "location-street");
    var resolved = byName(form, "location-street_resolved");
    var status = form.querySelector("[data-location-status]");
    var locateUrl = form.dataset.locateUrl;
    var map = null;
    var marker = null;
    var lookup = 0;

    Array.prototype.forEach.call(form.querySelectorAll("[data-js-only]"), function (element) {
      element.hidden = false;
    });

    function say(html, isError) {
      status.classList.toggle("location-status--error", !!isError);
      status.textContent = "";
      if (html instanceof Node) status.appendChild(html);
      else status.textContent = html || "";
    }

    function sayChosen(label) {
      var parts = t("chosen", { label: "\u0000" }).split("\u0000");
      var fragment = document.createDocumentFragment();
      fragment.appendChild(document.createTextNode(parts[0]));
      var strong = document.createElement("strong");
      strong.textContent = label;
      fragment.appendChild(strong);
      fragment.appendChild(document.createTextNode(parts[1] || ""));
      say(fragment);
    }

    // Ask the platform what is at the point: its street and quarter, or why it cannot be used (outside the city).
    function describe(latlng, knownLabel) {
      var mine = ++lookup;
      if (knownLabel) sayChosen(knownLabel);
      else say(t("checking"));
      if (!locateUrl) return;
      var url = locateUrl + "?lon=" + encodeURIComponent(round6(latlng.lng)) + "&lat=" + encodeURIComponent(round6(latlng.lat));
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          return response.json().then(function (data) {
            return { ok: response.ok, data: data };
          });
        })
        .then(function (result) {
          if (mine !== lookup) return;
          if (!result.ok) {
            var errors = (result.data && result.data.errors) || [];
            say(errors.length ? errors[0].detail : t("unavailable"), true);
            return;
          }
          if (knownLabel) return;
          var data = result.data || {};
          var place = (data.quarter && data.quarter.name) || (data.district && data.district.name) || "";
          var streetName = data.street && data.street.name;
          var label = [streetName, place].filter(Boolean).join(", ");
          if (label) sayChosen(label);
          else say(t("chosenUnknown"));
        })
        .catch(function () {
          if (mine === lookup && !knownLabel) say("");
        });
    }

    function setPoint(latlng, options) {
      options = options || {};
      lon.value = round6(latlng.lng);
      lat.value = round6(latlng.lat);
      // The pin decides from now on: a street name typed before is not looked up again on submit.
      if (options.streetName) street.value = options.streetName;
      resolved.value = street.value.trim();
      if (map) {
        placeMarker(latlng);
        if (options.zoom) map.setView(latlng, Math.max(map.getZoom(), options.zoom));
        else if (options.pan) map.panTo(latlng);
      }
      describe(latlng, options.label);
    }

    function placeMarker(latlng) {
      if (marker) {
        marker.setLatLng(latlng);
        return;
      }
      marker = L.marker(latlng, {
        draggable: true,
        keyboard: true,
        title: t("marker"),
        alt: t("marker"),
        autoPan: true,
      }).addTo(map);
      var icon = marker.getElement();
      if (icon) icon.classList.add("report-marker");
      marker.on("dragend", function () {
        setPoint(marker.getLatLng());
      });
      // Arrow keys move the pin by a few pixels (with Shift by one), so the map is usable without a pointer.
      L.DomEvent.on(icon, "keydown", function (event) {
        var steps = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
        var step = steps[event.key];
        if (!step) return;
        L.DomEvent.stop(event);
        var distance = event.shiftKey ? 1 : 10;
        var point = map.latLngToContainerPoint(marker.getLatLng()).add(L.point(step[0] * distance, step[1] * distance));
        var latlng = map.containerPointToLatLng(point);
        marker.setLatLng(latlng);
        if (!map.getBounds().pad(-0.1).contains(latlng)) map.panTo(latlng);
        clearTimeout(icon._describeTimer);
        icon._describeTimer = setTimeout(function () {
          setPoint(marker.getLatLng());
        }, 400);
        lon.value = round6(latlng.lng);
        lat.value = round6(latlng.lat);
        resolved.value = street.value.trim();
      });
    }

    var mapElement = form.querySelector("[data-report-map] .platform-map");
    if (mapElement && window.L && window[mapElement.id]) {
      map = window[mapElement.id];
      mapElement.setAttribute("aria-describedby", "report-map-help");
      // The districts are there for orientation: a tap on one sets the pin instead of opening its popup.
      mapElement.addEventListener("platformmaps:layerload", function () {
        map.eachLayer(function (layer) {
          if (layer !== marker && layer.getPopup && layer.getPopup()) layer.unbindPopup();
        });
      });
      // A tap on the whole city is coarse: zoom in to the pin, so it can be dragged to the exact spot.
      map.on("click", function (event) {
        setPoint(event.latlng, map.getZoom() < 15 ? { zoom: 16 } : {});
      });
      // Enter on the focused map sets the pin in the middle of the view (pan with the arrow keys first).
      L.DomEvent.on(mapElement, "keydown", function (event) {
        if (event.target === mapElement && event.key === "Enter") {
          L.DomEvent.preventDefault(event);
          setPoint(map.getCenter());
          if (marker && marker.getElement()) marker.getElement().focus();
        }
      });
      if (lon.value && lat.value) {
        var start = L.latLng(parseFloat(lat.value), parseFloat(lon.value));
        if (isFinite(start.lat) && isFinite(start.lng)) placeMarker(start);
      }
    }

    var locateButton = form.querySelector("[data-use-my-location]");
    if (locateButton) {
      if (!("geolocation" in navigator)) locateButton.hidden = true;
      locateButton.addEventListener("click", function () {
        if (!("geolocation" in navigator)) {
          say(t("unsupported"), true);
          return;
        }
        locateButton.setAttribute("aria-busy", "true");
        say(t("locating"));
        navigator.geolocation.getCurrentPosition(
          function (position) {
            locateButton.removeAttribute("aria-busy");
            setPoint(L.latLng(position.coords.latitude, position.coords.longitude), { zoom: 17 });
          },
          function (error) {
            locateButton.removeAttribute("aria-busy");
            say(error && error.code === 1 ? t("denied") : t("unavailable"), true);
          },
          { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
        );
      });
    }

    setupStreetCombobox(form, street, function (hit) {
      var label = hit.quarter ? hit.name + ", " + hit.quarter : hit.name;
      setPoint(L.latLng(hit.lat, hit.lon), { streetName: hit.name, zoom: 17, label: label });
    });
  }

  // An ARIA 1.2 combobox: the typed name is searched in the city's street list; arrow keys choose, Enter takes.
  function setupStreetCombobox(form, input, onChoose) {
    var list = form.querySelector("#street-suggestions");
    var url = form.dataset.streetsUrl;
    if (!input || !list || !url) return;
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("role", "status");
    list.parentNode.appendChild(live);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    var hits = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var sequence = 0;

    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (index + options.length) % options.length;
      Array.prototype.forEach.call(options, function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var hit = hits[index];
      if (!hit) return;
      close();
      input.value = hit.name;
      onChoose(hit);
    }

    // The gazetteer may hold one street in several pieces within a quarter: offer it once.
    function distinct(rows) {
      var seen = {};
      return rows.filter(function (row) {
        var key = row.name + "\u0000" + (row.quarter || "");
        if (seen[key]) return false;
        seen[key] = true;
        return true;
      });
    }

    function show(rows) {
      hits = distinct(rows);
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!hits.length) {
        var empty = document.createElement("li");
        empty.className = "combobox__empty";
        empty.textContent = t("noStreet");
        list.appendChild(empty);
        live.textContent = t("noStreet");
      } else {
        hits.forEach(function (hit, index) {
          var option = document.createElement("li");
          option.className = "combobox__option";
          option.id = "street-option-" + index;
          option.setAttribute("role", "option");
          option.setAttribute("aria-selected", "false");
          option.appendChild(document.createTextNode(hit.name));
          if (hit.quarter) {
            var quarter = document.createElement("span");
            quarter.className = "combobox__quarter";
            quarter.textContent = " – " + hit.quarter;
            option.appendChild(quarter);
          }
          // mousedown, not click: the input keeps its focus and no blur closes the list first.
          option.addEventListener("mousedown", function (event) {
            event.preventDefault();
            choose(index);
          });
          list.appendChild(option);
        });
        live.textContent = hits.length === 1 ? t("suggestion") : t("suggestions", { count: hits.length });
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function search() {
      timer = null;
      var query = input.value.trim();
      if (query.length < 2) {
        close();
        return;
      }
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var mine = ++sequence;
      fetch(url + "?limit=10&q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (rows) {
          if (mine !== sequence || document.activeElement !== input) return;
          show(Array.isArray(rows) ? rows : rows.results || []);
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") return;
          if (mine === sequence) {
            close();
            live.textContent = t("streetError");
          }
        });
    }

    input.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && hits.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (open) highlight(active + 1);
        else if (input.value.trim().length >= 2) search();
      } else if (event.key === "ArrowUp") {
        if (open) {
          event.preventDefault();
          highlight(active - 1);
        }
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        }
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
  }

  // --- Step 4: the details ---------------------------------------------------------------------------------

  function setupCounter(form) {
    var counter = form.querySelector("[data-char-counter]");
    if (!counter) return;
    var textarea = document.getElementById(counter.dataset.charCounter);
    var live = form.querySelector("[data-char-counter-live]");
    var max = parseInt(counter.dataset.max, 10);
    var timer = null;
    if (!textarea || !max) return;
    // The browser's maxlength would cut pasted text silently; the counter and the server say it instead.
    textarea.removeAttribute("maxlength");
    counter.hidden = false;

    function text() {
      var length = textarea.value.length;
      return length > max ? t("charsOver", { count: length - max }) : t("charsLeft", { count: max - length, max: max });
    }

    function update() {
      counter.textContent = text();
      counter.classList.toggle("char-counter--over", textarea.value.length > max);
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () {
        if (live) live.textContent = text();
      }, 1000);
    }

    textarea.addEventListener("input", update);
    counter.textContent = text();
  }

  function setupPhotos(form) {
    var input = byName(form, "details-photos");
    var list = form.querySelector("[data-photo-list]");
    var offer = form.querySelector("[data-photo-offer]");
    var position = form.querySelector("[data-photo-position]");
    var photoLon = byName(form, "details-photo_lon");
    var photoLat = byName(form, "details-photo_lat");
    var maxPhotos = parseInt(form.dataset.maxPhotos, 10) || 5;
    var maxBytes = parseInt(root.dataset.maxPhotoBytes, 10) || 15 * 1024 * 1024;
    if (!input || !list) return;
    var probing = 0;

    function sizeText(bytes) {
      return bytes >= 1048576 ? (bytes / 1048576).toFixed(1).replace(".", ",") + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
    }

    function showOffer(found) {
      if (!offer || !position) return;
      var text = offer.querySelector("[data-photo-offer-text]");
      var label = found.label || t("unknownStreet");
      text.textContent = t("photoOffer", { label: label, distance: found.distance_m });
      offer.hidden = false;
      offer.querySelector("[data-photo-offer-accept]").onclick = function () {
        position.value = "photo";
        photoLon.value = found.lon;
        photoLat.value = found.lat;
        text.textContent = t("photoTaken", { label: label });
        offer.querySelector(".photo-offer__buttons").hidden = true;
        var summaryLocation = form.querySelector("[data-summary-location]");
        if (summaryLocation) summaryLocation.textContent = label;
        text.setAttribute("tabindex", "-1");
        text.focus();
      };
      offer.querySelector("[data-photo-offer-decline]").onclick = function () {
        position.value = "pin";
        photoLon.value = "";
        photoLat.value = "";
        text.textContent = t("photoDeclined");
        offer.querySelector(".photo-offer__buttons").hidden = true;
        text.setAttribute("tabindex", "-1");
        text.focus();
      };
    }

    // Ask the server whether a photo holds a position worth proposing, one photo after the other until one
    // does. A JPEG's EXIF block sits in its first 64 KB, so only the start of it is sent; others go whole.
    function probe(files, index, mine) {
      if (mine !== probing || index >= files.length) return;
      var file = files[index];
      var data = new FormData();
      data.append("csrfmiddlewaretoken", byName(form, "csrfmiddlewaretoken").value);
      data.append("photo_probe", "1");
      var part = file.type === "image/jpeg" ? file.slice(0, 256 * 1024, file.type) : file;
      data.append("photo", part, file.name);
      fetch(form.action || window.location.href, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : { found: false };
        })
        .then(function (found) {
          if (mine !== probing) return;
          if (found && found.found) showOffer(found);
          else probe(files, index + 1, mine);
        })
        .catch(function () {});
    }

    input.addEventListener("change", filesChosen);
    // Photos chosen before this script ran (a slow connection) are looked at now.
    if (input.files && input.files.length) filesChosen();

    function filesChosen() {
      var files = Array.prototype.slice.call(input.files || []);
      list.textContent = "";
      if (offer) {
        offer.hidden = true;
        var buttons = offer.querySelector(".photo-offer__buttons");
        if (buttons) buttons.hidden = false;
      }
      if (position) position.value = "";
      if (photoLon) photoLon.value = "";
      if (photoLat) photoLat.value = "";
      if (files.length > maxPhotos) {
        var tooMany = document.createElement("li");
        tooMany.className = "photo-list__error";
        tooMany.textContent = t("tooManyPhotos", { max: maxPhotos });
        list.appendChild(tooMany);
      }
      var candidates = [];
      files.forEach(function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " (" + sizeText(file.size) + ")";
        var problem = "";
        if (file.type && file.type.indexOf("image/") !== 0) problem = t("notAnImage");
        else if (file.size > maxBytes) problem = t("photoTooLarge");
        if (problem) {
          var error = document.createElement("span");
          error.className = "photo-list__error";
          error.textContent = " – " + problem;
          item.appendChild(error);
        } else {
          candidates.push(file);
        }
        list.appendChild(item);
      });
      if (candidates.length && position) probe(candidates, 0, ++probing);
    }
  }

  var locationForm = root.querySelector("[data-location-form]");
  if (locationForm) setupLocation(locationForm);
  var detailsForm = root.querySelector("[data-details-form]");
  if (detailsForm) {
    setupCounter(detailsForm);
    setupPhotos(detailsForm);
  }
  root.setAttribute("data-enhanced", "true");
})();
