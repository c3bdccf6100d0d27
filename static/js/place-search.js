/*
 * Jurisdiction typeahead for "Onboard a site" (ARIA 1.2 combobox with a listbox popup).
 * Keyboard: Down/Up move through suggestions, Enter chooses, Escape closes. Choosing fills the
 * jurisdiction fields from the gazetteer; fields the gazetteer does not know are left empty
 * for the admin (it never invents a population). No inline script: the CSP allows 'self' only.
 */
(function () {
  "use strict";
  var box = document.querySelector("[data-place-search-url]");
  if (!box) { return; }
  var url = box.getAttribute("data-place-search-url");
  var input = document.getElementById("place-search");
  var list = document.getElementById("place-search-list");
  var status = document.getElementById("place-search-status");
  var results = [];
  var active = -1;
  var timer = null;
  var lastQuery = "";
  var numberFormat = new Intl.NumberFormat("en-US");

  function field(name) { return document.getElementById("id_" + name); }

  function describe(place) {
    var parts = [place.kind === "county" ? "County" : "City", place.state_name];
    parts.push(place.population != null ? "population " + numberFormat.format(place.population)
                                        : "population not in gazetteer");
    if (place.latitude != null) {
      parts.push(place.latitude.toFixed(4) + ", " + place.longitude.toFixed(4));
    }
    return parts.join(" · ");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    var options = list.querySelectorAll("[role=option]");
    options.forEach(function (el, i) {
      el.setAttribute("aria-selected", i === index ? "true" : "false");
      el.classList.toggle("psp-listbox__option--active", i === index);
    });
    active = index;
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render() {
    list.innerHTML = "";
    results.forEach(function (place, i) {
      var li = document.createElement("li");
      li.id = "place-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.className = "psp-listbox__option";
      var strong = document.createElement("strong");
      strong.textContent = place.label;
      var detail = document.createElement("span");
      detail.className = "psp-listbox__detail";
      detail.textContent = describe(place);
      li.appendChild(strong);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(detail);
      li.addEventListener("mousedown", function (event) { event.preventDefault(); });
      li.addEventListener("click", function () { choose(i); });
      list.appendChild(li);
    });
    var open = results.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    active = -1;
    status.textContent = open
      ? results.length + " suggestion" + (results.length === 1 ? "" : "s") + ". Use the arrow keys to review, Enter to choose."
      : (lastQuery.length >= 2 ? "No matching city or county. Type the details below yourself." : "");
  }

  function setValue(name, value) {
    var el = field(name);
    if (el) { el.value = value == null ? "" : value; }
  }

  function choose(index) {
    var place = results[index];
    if (!place) { return; }
    setValue("name", place.name);
    setValue("state", place.state);
    setValue("kind", place.kind);
    setValue("population", place.population);
    setValue("population_year", "");
    setValue("population_source", place.population_source);
    setValue("latitude", place.latitude == null ? "" : place.latitude.toFixed(5));
    setValue("longitude", place.longitude == null ? "" : place.longitude.toFixed(5));
    input.value = place.label;
    close();
    status.textContent = "Filled in " + place.label + ". " +
      (place.population != null ? "Population " + numberFormat.format(place.population) + " from GeoNames; add its year if you know it."
                                : "The gazetteer has no population for it: enter it below.");
  }

  function fetchResults(query) {
    lastQuery = query;
    if (query.length < 2) { results = []; render(); return; }
    fetch(url + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : { query: query, results: [] };
    }).then(function (data) {
      if (data.query !== input.value.trim().slice(0, 100)) { return; } // a newer query is pending
      results = data.results;
      render();
    }).catch(function () {
      results = [];
      render();
    });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var query = input.value.trim();
    timer = setTimeout(function () { fetchResults(query); }, 120);
  });

  input.addEventListener("keydown", function (event) {
    var count = results.length;
    if (event.key === "ArrowDown") {
      if (list.hidden && count) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
      if (count) { highlight((active + 1) % count); }
      event.preventDefault();
    } else if (event.key === "ArrowUp") {
      if (count) { highlight(active <= 0 ? count - 1 : active - 1); }
      event.preventDefault();
    } else if (event.key === "Enter") {
      // Enter never submits the whole form from the search box.
      event.preventDefault();
      if (!list.hidden && active >= 0) { choose(active); }
      else if (!list.hidden && count === 1) { choose(0); }
    } else if (event.key === "Escape") {
      if (!list.hidden) { close(); event.preventDefault(); }
    }
  });

  input.addEventListener("blur", function () { close(); });
})();
