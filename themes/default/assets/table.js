/* The all-papers table: sort by a column, filter by tag, year, code, status, rating and words.
   Progressive enhancement: without this script the table lists every paper and the filter
   form stays hidden. Filters combine (a row shows only when it passes all of them), and the
   URL's query string keeps them (?tag=x&year=2024), so a filtered view can be linked.
   A big review's table comes in pages (data-more lists the older ones): their rows are
   fetched and added here, so sorting and filtering see every paper. */
(function () {
  "use strict";

  var table = document.querySelector("[data-papers-table]");
  var form = document.querySelector("[data-table-filters]");
  if (!table || !form) return;
  var status = document.querySelector("[data-table-status]");
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var FIELDS = ["q", "tag", "year", "status", "rating", "code"];

  // What each row is matched and sorted on, read once.
  var records = rows.map(record);

  function record(row, index) {
    var data = row.dataset;
    var title = row.cells[0].textContent.replace(/\s+/g, " ").trim();
    return {
      row: row,
      index: index,
      title: title.toLowerCase(),
      words: (title + " " + row.cells[3].textContent).toLowerCase(),
      tags: (data.tags || "").split(" "),
      year: data.year || "",
      date: data.date || "",
      upvotes: data.upvotes === undefined ? null : Number(data.upvotes),
      code: data.code === "1",
      status: data.status || "",
      rating: data.rating === undefined ? null : Number(data.rating)
    };
  }

  function state() {
    var out = {};
    FIELDS.forEach(function (name) {
      var field = form.elements[name];
      if (!field) return;
      out[name] = field.type === "checkbox" ? (field.checked ? "1" : "") : field.value.trim();
    });
    return out;
  }

  function matches(record, filters, words) {
    if (filters.tag && record.tags.indexOf(filters.tag) < 0) return false;
    if (filters.year && record.year !== filters.year) return false;
    if (filters.status && record.status !== filters.status) return false;
    if (filters.rating && !(record.rating !== null && record.rating >= Number(filters.rating)))
      return false;
    if (filters.code && !record.code) return false;
    for (var i = 0; i < words.length; i++) {
      if (record.words.indexOf(words[i]) < 0) return false;
    }
    return true;
  }

  function apply() {
    var filters = state();
    var words = (filters.q || "").toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    records.forEach(function (record) {
      var ok = matches(record, filters, words);
      record.row.hidden = !ok;
      if (ok) shown++;
    });
    if (status && loading) {
      status.textContent = "Loading the rest of the table… (" + records.length + " papers so far)";
    } else if (status) {
      status.textContent = shown === records.length
        ? "Showing all " + records.length + " papers."
        : "Showing " + shown + " of " + records.length + " papers.";
    }
    remember(filters);
  }

  function remember(filters) {
    if (!window.history || !history.replaceState) return;
    var params = new URLSearchParams(location.search);
    FIELDS.forEach(function (name) {
      if (filters[name]) params.set(name, filters[name]);
      else params.delete(name);
    });
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
  }

  function restore() {
    var params = new URLSearchParams(location.search);
    FIELDS.forEach(function (name) {
      var field = form.elements[name];
      var value = params.get(name);
      if (!field || value === null) return;
      if (field.type === "checkbox") {
        field.checked = value === "1";
      } else if (field.tagName === "SELECT") {
        var known = Array.prototype.some.call(field.options, function (o) { return o.value === value; });
        if (known) field.value = value;
      } else {
        field.value = value;
      }
    });
  }

  // ---------------------------------------------------------------- sorting

  var COMPARE = {
    title: function (a, b) { return a.title.localeCompare(b.title); },
    date: function (a, b) { return a.date < b.date ? -1 : a.date > b.date ? 1 : 0; },
    upvotes: function (a, b) { return a.upvotes - b.upvotes; },
    code: function (a, b) { return (a.code ? 1 : 0) - (b.code ? 1 : 0); },
    status: function (a, b) { return a.status.localeCompare(b.status); },
    rating: function (a, b) { return a.rating - b.rating; }
  };
  // A row without the value sorts last in either direction.
  var EMPTY = {
    title: function (r) { return !r.title; }, date: function (r) { return !r.date; },
    upvotes: function (r) { return r.upvotes === null; }, code: function () { return false; },
    status: function (r) { return !r.status; }, rating: function (r) { return r.rating === null; }
  };

  function sortBy(key, direction) {
    var sign = direction === "ascending" ? 1 : -1;
    var sorted = records.slice().sort(function (a, b) {
      var ea = EMPTY[key](a), eb = EMPTY[key](b);
      if (ea !== eb) return ea ? 1 : -1;
      var c = ea ? 0 : sign * COMPARE[key](a, b);
      return c || a.index - b.index;
    });
    var fragment = document.createDocumentFragment();
    sorted.forEach(function (record) { fragment.appendChild(record.row); });
    tbody.appendChild(fragment);
    table.querySelectorAll("th[data-sort]").forEach(function (th) {
      if (th.getAttribute("data-sort") === key) th.setAttribute("aria-sort", direction);
      else th.removeAttribute("aria-sort");
    });
  }

  table.querySelectorAll("th[data-sort]").forEach(function (th) {
    var key = th.getAttribute("data-sort");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort-button";
    while (th.firstChild) button.appendChild(th.firstChild);
    th.appendChild(button);
    button.addEventListener("click", function () {
      var now = th.getAttribute("aria-sort");
      // Text sorts A-Z first; numbers and dates largest first.
      var first = key === "title" || key === "status" ? "ascending" : "descending";
      var next = now ? (now === "ascending" ? "descending" : "ascending") : first;
      sortBy(key, next);
    });
  });

  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  restore();
  var more = (table.getAttribute("data-more") || "").split(" ").filter(Boolean);
  var loading = more.length > 0;
  apply();
  if (loading) loadMore(more);

  // The older pages' rows, in page order (newest first), each link made absolute: the
  // pages sit deeper than this one, so their relative links would resolve wrongly here.
  function loadMore(urls) {
    Promise.all(urls.map(function (url) {
      var absolute = new URL(url, location.href);
      return fetch(absolute).then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + absolute);
        return response.text();
      }).then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var body = page.querySelector("table.papers-table tbody");
        return body ? Array.prototype.map.call(body.rows, function (row) {
          row.querySelectorAll("a[href]").forEach(function (a) {
            a.setAttribute("href", new URL(a.getAttribute("href"), absolute).href);
          });
          return document.importNode(row, true);
        }) : [];
      });
    })).then(function (pages) {
      var fragment = document.createDocumentFragment();
      pages.forEach(function (rows) {
        rows.forEach(function (row) {
          records.push(record(row, records.length));
          fragment.appendChild(row);
        });
      });
      tbody.appendChild(fragment);
      var pager = document.querySelector(".pager");
      if (pager) pager.hidden = true;  // every row is here now
      loading = false;
      var sorted = table.querySelector("th[aria-sort]");
      if (sorted) sortBy(sorted.getAttribute("data-sort"), sorted.getAttribute("aria-sort"));
      apply();
    }).catch(function (error) {
      loading = false;
      apply();
      if (status) status.textContent += " The older pages could not be loaded (" + error.message + "); use the page links below.";
    });
  }
})();
