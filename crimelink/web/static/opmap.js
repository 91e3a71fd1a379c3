// The operations maps: the area's outline (GeoJSON served by Crimelink), operations as points and
// circles, and, only when a tile server is configured, tiles underneath. Plain SVG, no library and no
// network beyond this site unless tiles are configured. No inline script or style (the
// Content-Security-Policy forbids both): the page passes its URLs in data- attributes and the styles
// are classes in deconfliction.css; sizes are SVG attributes.
//
// Modes (data-mode): "operations" draws data-url (/api/operations/map); "operation" draws the page's
// #operation-locations items; "pick" draws the form's location rows, places the chosen one where the
// map is clicked and sets its radius from the #map-radius slider.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var ZOOM = 17; // world units are Web Mercator pixels at this zoom
  var WORLD = 256 * Math.pow(2, ZOOM);
  var METRES_PER_UNIT_AT_EQUATOR = 156543.03392 / Math.pow(2, ZOOM);

  function project(lon, lat) {
    var s = Math.sin(lat * Math.PI / 180);
    return {
      x: (lon + 180) / 360 * WORLD,
      y: (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * WORLD
    };
  }

  function unproject(x, y) {
    var n = Math.PI - 2 * Math.PI * y / WORLD;
    return {
      lon: x / WORLD * 360 - 180,
      lat: 180 / Math.PI * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n)))
    };
  }

  function radiusUnits(metres, lat) {
    return metres / (METRES_PER_UNIT_AT_EQUATOR * Math.cos(lat * Math.PI / 180));
  }

  function el(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    if (parent) {
      parent.appendChild(node);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function number(value) {
    var parsed = parseFloat(value);
    return isFinite(parsed) ? parsed : null;
  }

  function OperationsMap(container) {
    this.container = container;
    this.mode = container.getAttribute("data-mode");
    this.tileUrl = container.getAttribute("data-tile-url") || "";
    this.status = document.getElementById("op-map-status");
    this.outline = null;
    this.items = []; // {lat, lon, radius, label, classes, active}
    this.view = null;
    this.svg = el("svg", { "aria-hidden": "true", focusable: "false" }, null);
    this.tiles = el("g", { "class": "tiles" }, this.svg);
    this.outlineLayer = el("g", { "class": "outline" }, this.svg);
    this.labelLayer = el("g", { "class": "labels" }, this.svg);
    this.itemLayer = el("g", { "class": "items" }, this.svg);
    container.appendChild(this.svg);
    if (this.tileUrl) {
      container.classList.add("with-tiles");
    }
    this.bindPointer();
    this.bindControls();
  }

  OperationsMap.prototype.say = function (text) {
    if (this.status) {
      this.status.textContent = text;
    }
  };

  OperationsMap.prototype.size = function () {
    return { width: this.container.clientWidth || 800, height: this.container.clientHeight || 480 };
  };

  OperationsMap.prototype.bounds = function () {
    var xs = [];
    var ys = [];
    function add(point) {
      xs.push(point.x);
      ys.push(point.y);
    }
    if (this.outline && this.outline.bbox) {
      var b = this.outline.bbox;
      add(project(b[0], b[1]));
      add(project(b[2], b[3]));
    }
    this.items.forEach(function (item) {
      var centre = project(item.lon, item.lat);
      var r = radiusUnits(item.radius, item.lat);
      add({ x: centre.x - r, y: centre.y - r });
      add({ x: centre.x + r, y: centre.y + r });
    });
    if (!xs.length) {
      // Nothing to show yet: the middle of London, a few kilometres across.
      add(project(-0.15, 51.48));
      add(project(0.05, 51.55));
    }
    return {
      x0: Math.min.apply(null, xs), y0: Math.min.apply(null, ys),
      x1: Math.max.apply(null, xs), y1: Math.max.apply(null, ys)
    };
  };

  OperationsMap.prototype.fit = function () {
    var b = this.bounds();
    var size = this.size();
    var w = Math.max(b.x1 - b.x0, 200) * 1.1;
    var h = Math.max(b.y1 - b.y0, 200) * 1.1;
    var aspect = size.width / size.height;
    if (w / h > aspect) {
      h = w / aspect;
    } else {
      w = h * aspect;
    }
    this.setView({ x: (b.x0 + b.x1) / 2 - w / 2, y: (b.y0 + b.y1) / 2 - h / 2, w: w, h: h });
  };

  OperationsMap.prototype.setView = function (view) {
    this.view = view;
    this.svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
    this.draw();
  };

  OperationsMap.prototype.zoom = function (factor, cx, cy) {
    var v = this.view;
    var w = Math.min(Math.max(v.w * factor, 100), WORLD / 64);
    var h = w * v.h / v.w;
    cx = cx === undefined ? v.x + v.w / 2 : cx;
    cy = cy === undefined ? v.y + v.h / 2 : cy;
    this.setView({ x: cx - (cx - v.x) * w / v.w, y: cy - (cy - v.y) * h / v.h, w: w, h: h });
  };

  OperationsMap.prototype.unitsPerPixel = function () {
    return this.view.w / this.size().width;
  };

  OperationsMap.prototype.toWorld = function (event) {
    var matrix = this.svg.getScreenCTM();
    var point = this.svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    return point.matrixTransform(matrix.inverse());
  };

  OperationsMap.prototype.drawTiles = function () {
    clear(this.tiles);
    if (!this.tileUrl) {
      return;
    }
    var z = Math.round(ZOOM - Math.log(this.unitsPerPixel()) / Math.LN2);
    z = Math.max(0, Math.min(19, z));
    var size = 256 * Math.pow(2, ZOOM - z);
    var v = this.view;
    var count = Math.pow(2, z);
    var x0 = Math.floor(v.x / size);
    var x1 = Math.floor((v.x + v.w) / size);
    var y0 = Math.max(0, Math.floor(v.y / size));
    var y1 = Math.min(count - 1, Math.floor((v.y + v.h) / size));
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > 100) {
      return;
    }
    for (var tx = x0; tx <= x1; tx += 1) {
      for (var ty = y0; ty <= y1; ty += 1) {
        var wrapped = ((tx % count) + count) % count;
        var url = this.tileUrl.replace("{z}", z).replace("{x}", wrapped).replace("{y}", ty);
        el("image", { href: url, x: tx * size, y: ty * size, width: size, height: size }, this.tiles);
      }
    }
  };

  OperationsMap.prototype.drawOutline = function () {
    clear(this.outlineLayer);
    if (!this.outline) {
      return;
    }
    var layer = this.outlineLayer;
    var ordered = this.outline.features.slice().sort(function (a, b) {
      return (a.properties.kind === "borough" ? 0 : 1) - (b.properties.kind === "borough" ? 0 : 1);
    });
    ordered.forEach(function (feature) {
      var d = "";
      feature.geometry.coordinates.forEach(function (polygon) {
        polygon.forEach(function (ring) {
          ring.forEach(function (position, index) {
            var p = project(position[0], position[1]);
            d += (index ? "L" : "M") + p.x.toFixed(1) + " " + p.y.toFixed(1);
          });
          d += "Z";
        });
      });
      var kind = feature.properties.kind === "borough" ? "outline-borough" :
        feature.properties.kind === "ward" ? "outline-ward" : "outline-area";
      var path = el("path", { d: d, "class": kind, "data-name": feature.properties.name }, layer);
      el("title", {}, path).textContent = feature.properties.name;
    });
  };

  OperationsMap.prototype.drawLabels = function () {
    clear(this.labelLayer);
    if (!this.outline) {
      return;
    }
    var fontSize = 12 * this.unitsPerPixel();
    var layer = this.labelLayer;
    this.outline.features.forEach(function (feature) {
      if (feature.properties.kind !== "ward") {
        return;
      }
      var ring = feature.geometry.coordinates[0][0];
      var sx = 0;
      var sy = 0;
      ring.forEach(function (position) {
        var p = project(position[0], position[1]);
        sx += p.x;
        sy += p.y;
      });
      var text = el("text", {
        "class": "ward-label", x: sx / ring.length, y: sy / ring.length, "font-size": fontSize
      }, layer);
      text.textContent = feature.properties.name;
    });
  };

  OperationsMap.prototype.drawItems = function () {
    clear(this.itemLayer);
    var upp = this.unitsPerPixel();
    var layer = this.itemLayer;
    this.items.forEach(function (item) {
      var centre = project(item.lon, item.lat);
      var group = el("g", { "class": "op-item" }, layer);
      el("title", {}, group).textContent = item.label;
      el("circle", {
        "class": "op-circle " + (item.classes || ""),
        cx: centre.x, cy: centre.y, r: radiusUnits(item.radius, item.lat)
      }, group);
      el("circle", { "class": "op-point", cx: centre.x, cy: centre.y, r: 4 * upp }, group);
      if (item.short) {
        var text = el("text", {
          "class": "op-label", x: centre.x + 7 * upp, y: centre.y - 7 * upp,
          "font-size": 13 * upp, "stroke-width": 3 * upp
        }, group);
        text.textContent = item.short;
      }
    });
  };

  OperationsMap.prototype.draw = function () {
    this.drawTiles();
    this.drawLabels();
    this.drawItems();
  };

  OperationsMap.prototype.bindControls = function () {
    var self = this;
    var controls = document.getElementById("op-map-controls");
    if (!controls) {
      return;
    }
    controls.hidden = false;
    controls.addEventListener("click", function (event) {
      var which = event.target.getAttribute("data-zoom");
      if (which === "in") {
        self.zoom(0.5);
      } else if (which === "out") {
        self.zoom(2);
      } else if (which === "fit") {
        self.fit();
      }
    });
  };

  OperationsMap.prototype.bindPointer = function () {
    var self = this;
    var start = null;
    var svg = this.svg;
    svg.addEventListener("pointerdown", function (event) {
      start = { x: event.clientX, y: event.clientY, view: self.view, moved: false };
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", function (event) {
      if (!start) {
        return;
      }
      var dx = event.clientX - start.x;
      var dy = event.clientY - start.y;
      if (!start.moved && Math.abs(dx) + Math.abs(dy) < 5) {
        return;
      }
      start.moved = true;
      var upp = start.view.w / self.size().width;
      self.setView({ x: start.view.x - dx * upp, y: start.view.y - dy * upp, w: start.view.w, h: start.view.h });
    });
    svg.addEventListener("pointerup", function (event) {
      var clicked = start && !start.moved;
      start = null;
      if (clicked && self.onClick) {
        self.onClick(self.toWorld(event));
      }
    });
    svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      var at = self.toWorld(event);
      self.zoom(event.deltaY > 0 ? 1.25 : 0.8, at.x, at.y);
    }, { passive: false });
  };

  OperationsMap.prototype.loadOutline = function (done) {
    var self = this;
    var url = this.container.getAttribute("data-outline-url");
    if (!url) {
      done();
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (outline) {
        self.outline = outline;
        self.drawOutline();
        done();
      })
      .catch(function () {
        self.say("The area's outline could not be loaded; the map shows the operations only.");
        done();
      });
  };

  // --- the modes ------------------------------------------------------------------------------

  function showOperations(map) {
    var url = map.container.getAttribute("data-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        data.operations.forEach(function (op) {
          op.points.forEach(function (point) {
            map.items.push({
              lat: point.latitude, lon: point.longitude, radius: point.radius_m,
              label: op.name + " (" + op.agency_code + "): " + point.label,
              short: op.name,
              classes: (op.visibility === "COVERT" ? "covert " : "") +
                (op.status === "CONFLICT_PENDING" ? "pending" : "")
            });
          });
        });
        map.fit();
        var count = data.operations.length;
        map.say(count ? "Showing " + count + " operation" + (count === 1 ? "" : "s") + "." :
          "No live operation to show.");
      })
      .catch(function () {
        map.fit();
        map.say("The operations could not be loaded: reload the page.");
      });
  }

  function showOperation(map) {
    var nodes = document.querySelectorAll("#operation-locations li[data-lat]");
    Array.prototype.forEach.call(nodes, function (node) {
      map.items.push({
        lat: number(node.getAttribute("data-lat")), lon: number(node.getAttribute("data-lon")),
        radius: number(node.getAttribute("data-radius")) || 300,
        label: node.textContent, short: node.getAttribute("data-label")
      });
    });
    map.fit();
  }

  function pickLocations(map) {
    var form = map.container.closest("form");
    var slider = document.getElementById("map-radius");
    var sliderValue = document.getElementById("map-radius-value");
    var which = document.getElementById("map-radius-which");
    var active = 0;
    var min = number(map.container.getAttribute("data-min-radius")) || 10;
    var max = number(map.container.getAttribute("data-max-radius")) || 2000;

    function field(index, name) {
      return document.getElementById("locations-" + index + "-" + name);
    }
    function rows() {
      return form.querySelectorAll("[data-location]");
    }
    function collect() {
      map.items = [];
      Array.prototype.forEach.call(rows(), function (row) {
        var i = Number(row.getAttribute("data-location"));
        row.classList.toggle("placing", i === active);
        var lat = number(field(i, "latitude").value);
        var lon = number(field(i, "longitude").value);
        if (lat === null || lon === null || Math.abs(lat) > 85 || Math.abs(lon) > 180) {
          return;
        }
        var radius = Math.min(Math.max(number(field(i, "radius_m").value) || 300, min), max);
        map.items.push({
          lat: lat, lon: lon, radius: radius, short: "Location " + (i + 1),
          label: "Location " + (i + 1) + " within " + radius + " m",
          classes: i === active ? "active-location" : ""
        });
      });
    }
    function redraw() {
      collect();
      map.draw();
    }
    function choose(index) {
      active = index;
      which.textContent = String(index + 1);
      var radius = number(field(index, "radius_m").value) || 300;
      slider.value = String(radius);
      sliderValue.textContent = String(radius);
      redraw();
      map.say("Click the map to place location " + (index + 1) + ".");
    }

    Array.prototype.forEach.call(form.querySelectorAll(".js-only"), function (node) {
      node.hidden = false;
    });
    form.addEventListener("click", function (event) {
      var place = event.target.getAttribute("data-place");
      if (place !== null) {
        choose(Number(place));
        map.container.scrollIntoView({ block: "center" });
      }
    });
    form.addEventListener("input", function (event) {
      if (event.target === slider) {
        var value = Number(slider.value);
        field(active, "radius_m").value = String(value);
        sliderValue.textContent = String(value);
      }
      if (event.target === slider || /^locations-\d+-(latitude|longitude|radius_m)$/.test(event.target.id)) {
        redraw();
      }
    });
    map.onClick = function (point) {
      var at = unproject(point.x, point.y);
      field(active, "latitude").value = at.lat.toFixed(6);
      field(active, "longitude").value = at.lon.toFixed(6);
      if (!field(active, "radius_m").value) {
        field(active, "radius_m").value = slider.value;
      }
      redraw();
      map.say("Location " + (active + 1) + " placed at " + at.lat.toFixed(5) + ", " + at.lon.toFixed(5) +
        ", within " + field(active, "radius_m").value + " m.");
    };
    collect();
    map.fit();
    choose(0);
  }

  var container = document.getElementById("op-map");
  if (!container || !document.createElementNS) {
    return;
  }
  var map = new OperationsMap(container);
  map.loadOutline(function () {
    var mode = map.mode;
    if (mode === "operations") {
      showOperations(map);
    } else if (mode === "operation") {
      showOperation(map);
    } else if (mode === "pick") {
      pickLocations(map);
    } else {
      map.fit();
    }
  });
})();
