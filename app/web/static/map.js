// Draws the request's circle as the form changes, and lets a click on the map set its centre.
// The page works without this script: "Draw the circle" asks the server to draw it instead.
(function () {
  "use strict";
  var svg = document.getElementById("portal-map");
  var form = document.getElementById("request-form");
  if (!svg || !form) { return; }
  var M = 111320;  // metres per degree of latitude, as app/web/mapsvg.py
  var lat0 = parseFloat(svg.dataset.lat0), lng0 = parseFloat(svg.dataset.lng0);
  var cos0 = Math.cos(lat0 * Math.PI / 180);
  var lat = form.querySelector("#center_lat"), lng = form.querySelector("#center_lng");
  var radius = form.querySelector("#radius_m");

  function draft() {
    var c = document.getElementById("portal-map-draft");
    if (!c) {
      c = document.createElementNS("http://www.w3.org/2000/svg", "circle");
      c.setAttribute("id", "portal-map-draft");
      c.setAttribute("class", "area draft");
      svg.appendChild(c);
    }
    return c;
  }

  function redraw() {
    var la = parseFloat(lat.value), ln = parseFloat(lng.value), r = parseFloat(radius.value);
    if (!isFinite(la) || !isFinite(ln) || !isFinite(r) || r <= 0) { return; }
    var c = draft();
    c.setAttribute("cx", ((ln - lng0) * M * cos0).toFixed(1));
    c.setAttribute("cy", (-(la - lat0) * M).toFixed(1));
    c.setAttribute("r", r.toFixed(1));
  }

  svg.addEventListener("click", function (event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var local = point.matrixTransform(svg.getScreenCTM().inverse());
    lat.value = (lat0 - local.y / M).toFixed(6);
    lng.value = (lng0 + local.x / (M * cos0)).toFixed(6);
    redraw();
  });
  [lat, lng, radius].forEach(function (input) { input.addEventListener("input", redraw); });
})();
