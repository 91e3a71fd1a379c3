// The network explorer: draws /api/network with Cytoscape.js, expands a node, shows a path.
// No inline script or style (the Content-Security-Policy forbids both): the page passes its URLs in
// data- attributes, and Cytoscape styles its canvas through the DOM.
(function () {
  "use strict";

  var container = document.getElementById("network-canvas");
  if (!container || typeof cytoscape !== "function") {
    return;
  }
  var dataUrl = container.getAttribute("data-url");
  var pathUrl = container.getAttribute("data-path-url");
  // The view's threat and date filters, kept when a node's links are fetched.
  var expandUrl = container.getAttribute("data-expand-url") || dataUrl.split("?")[0];
  var details = document.getElementById("network-details");
  var status = document.getElementById("network-status");
  var pathResult = document.getElementById("network-path-result");
  var fromField = document.getElementById("path-from");
  var toField = document.getElementById("path-to");

  var colours = {
    PERSON: "#1d3a5f",
    PREMISES: "#7a4b00",
    VEHICLE: "#00703c",
    PHONE: "#6f2dbd",
    EMAIL: "#005ea5",
    BUSINESS: "#b10e1e",
    BANK_ACCOUNT: "#505a5f",
    ONLINE_ACCOUNT: "#505a5f"
  };
  var shapes = {
    PERSON: "ellipse",
    PREMISES: "round-rectangle",
    VEHICLE: "diamond",
    PHONE: "triangle",
    BUSINESS: "hexagon"
  };

  // Cytoscape adds a <style> element to the page unless one with this id exists; style-src 'self' would
  // refuse it (and report a violation). crimelink.css gives the container the position it sets.
  if (!document.getElementById("__________cytoscape_stylesheet")) {
    var marker = document.createElement("meta");
    marker.id = "__________cytoscape_stylesheet";
    document.head.appendChild(marker);
  }

  function withQuery(url, params) {
    var query = Object.keys(params).map(function (name) {
      return encodeURIComponent(name) + "=" + encodeURIComponent(params[name]);
    }).join("&");
    return url + (url.indexOf("?") < 0 ? "?" : "&") + query;
  }

  var cy = cytoscape({
    container: container,
    minZoom: 0.1,
    maxZoom: 4,
    style: [
      {
        selector: "node",
        style: {
          "background-color": function (node) { return colours[node.data("kind")] || "#505a5f"; },
          shape: function (node) { return shapes[node.data("kind")] || "ellipse"; },
          label: "data(label)",
          "font-size": 10,
          "text-valign": "bottom",
          "text-margin-y": 3,
          width: 18,
          height: 18
        }
      },
      { selector: "node.focus", style: { "border-width": 4, "border-color": "#ffbf47" } },
      {
        selector: "edge",
        style: {
          width: function (edge) { return Math.min(1 + Math.log(1 + edge.data("weight")), 8); },
          "line-color": "#b1b4b6",
          "curve-style": "haystack"
        }
      },
      { selector: ".on-path", style: { "line-color": "#d4351c", "background-color": "#d4351c", width: 6 } },
      { selector: "node.on-path", style: { "border-width": 4, "border-color": "#d4351c" } }
    ]
  });

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function layout() {
    cy.layout({ name: "cose", animate: false, randomize: false, nodeRepulsion: 8000, idealEdgeLength: 60 }).run();
  }

  function add(payload) {
    var before = cy.nodes().length;
    cy.add(payload.elements.nodes.filter(function (n) { return cy.getElementById(n.data.id).empty(); }));
    cy.add(payload.elements.edges.filter(function (e) { return cy.getElementById(e.data.id).empty(); }));
    var added = cy.nodes().length - before;
    var text = cy.nodes().length + " entities, " + cy.edges().length + " links shown";
    if (payload.capped) {
      text += " (the most strongly linked " + payload.elements.nodes.length + " of " + payload.total_nodes +
        "; narrow the filters to see the rest)";
    }
    say(text + ".");
    return added;
  }

  function load(url) {
    say("Loading the network…");
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("the server answered " + response.status);
        }
        return response.json();
      })
      .catch(function (error) {
        say("Could not load the network: " + error.message + ".");
        throw error;
      });
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function element(tag, text, attributes) {
    var made = document.createElement(tag);
    if (text) {
      made.textContent = text;
    }
    Object.keys(attributes || {}).forEach(function (name) { made.setAttribute(name, attributes[name]); });
    return made;
  }

  function showDetails(node) {
    if (!details) {
      return;
    }
    clear(details);
    var data = node.data();
    details.appendChild(element("h2", data.label));
    var list = element("dl", "", { "class": "summary-list" });
    [["Kind", data.kind_label || data.kind], ["Threats", (data.threats || []).join(", ") || "none recorded"],
      ["Records you may see", String(data.records || 0)], ["Agencies", (data.agencies || []).join(", ")]]
      .forEach(function (row) {
        list.appendChild(element("dt", row[0]));
        list.appendChild(element("dd", row[1]));
      });
    details.appendChild(list);
    var actions = element("p", "", { "class": "row-actions" });
    actions.appendChild(element("a", "Open the entity page", { href: "/entities/" + data.entity_id }));
    var expand = element("button", "Show its links", { type: "button", "class": "button secondary" });
    expand.addEventListener("click", function () {
      var url = withQuery(expandUrl, { entity: data.entity_id, radius: 1 });
      load(url).then(function (payload) {
        var added = add(payload);
        layout();
        say(status.textContent + " " + added + " new.");
      });
    });
    actions.appendChild(expand);
    var from = element("button", "Path from here", { type: "button", "class": "button secondary" });
    from.addEventListener("click", function () { fromField.value = data.entity_id; });
    var to = element("button", "Path to here", { type: "button", "class": "button secondary" });
    to.addEventListener("click", function () { toField.value = data.entity_id; });
    actions.appendChild(from);
    actions.appendChild(to);
    details.appendChild(actions);
  }

  cy.on("tap", "node", function (event) {
    cy.nodes().removeClass("focus");
    event.target.addClass("focus");
    showDetails(event.target);
  });

  function showPath(payload) {
    cy.elements().removeClass("on-path");
    clear(pathResult);
    pathResult.appendChild(element("p", payload.reason || "No path between these two in what you may see.",
      { "class": "path-reason" }));
    if (!payload.found || !payload.hops.length) {
      return;
    }
    add(payload.network);
    layout();
    var list = element("ol", "", { "class": "path-hops" });
    payload.hops.forEach(function (hop) {
      cy.getElementById("e" + hop.from).addClass("on-path");
      cy.getElementById("e" + hop.to).addClass("on-path");
      cy.getElementById(hop.edge).addClass("on-path");
      var item = element("li");
      item.appendChild(element("a", hop.from_label, { href: "/entities/" + hop.from }));
      item.appendChild(document.createTextNode(" to "));
      item.appendChild(element("a", hop.to_label, { href: "/entities/" + hop.to }));
      item.appendChild(element("span", " (link weight " + hop.weight.toFixed(2) + ")", { "class": "snippet" }));
      var evidence = element("ul", "", { "class": "evidence-list" });
      hop.evidence.forEach(function (item) {
        var row = element("li");
        row.appendChild(element("a", item.summary, { href: "/records/" + item.record_id }));
        evidence.appendChild(row);
      });
      item.appendChild(evidence);
      list.appendChild(item);
    });
    pathResult.appendChild(list);
  }

  function findPath() {
    var url = withQuery(pathUrl, { from: fromField.value.trim(), to: toField.value.trim() });
    return load(url).then(showPath);
  }

  var pathForm = document.getElementById("network-path-form");
  if (pathForm && pathResult && fromField && toField) {
    pathForm.addEventListener("submit", function (event) {
      if (!fromField.value.trim() || !toField.value.trim()) {
        return;  // the browser's own check, or the page, says what is missing
      }
      event.preventDefault();
      findPath();
    });
  }

  load(dataUrl).then(function (payload) {
    add(payload);
    layout();
    // A path answered by the page (the form sent without JavaScript, or a shared link): draw it too.
    if (pathResult && pathResult.querySelector(".path-hops") && fromField.value && toField.value) {
      findPath();
    }
  });
})();
