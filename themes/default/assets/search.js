/* sitegen search: the box in every page's header and the search page.
 *
 * Nothing is fetched until the reader first focuses a search box (or opens the search page
 * with a query): then one Web Worker (search-worker.js) loads lunr.js, the index and the
 * result records, and answers queries off the main thread. The asset URLs come from the
 * form's data attributes, relative to the page. Paper text is shown with textContent and
 * <mark> elements only, never parsed as HTML.
 */
(function () {
  'use strict';

  var DEBOUNCE_MS = 120;
  var BOX_RESULTS = 8;
  var PAGE_RESULTS = 50;
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov',
    'Dec'];
  var engine = null;

  function absolute(form, name) {
    return new URL(form.getAttribute('data-' + name), document.baseURI).href;
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // One worker per page, shared by the header box and the search page.
  function startEngine(form) {
    if (engine) return engine;
    var callbacks = {};
    var listeners = [];
    var lastId = 0;
    var worker = null;
    engine = {
      root: absolute(form, 'root'),
      error: null,
      onError: function (listener) {
        listeners.push(listener);
        if (engine.error) listener(engine.error);
      },
      search: function (params, callback) {
        lastId += 1;
        callbacks[lastId] = callback;
        if (worker && !engine.error) {
          worker.postMessage(Object.assign({ type: 'search', id: lastId }, params));
        }
        return lastId;
      }
    };
    function fail(message) {
      engine.error = message || 'search could not start';
      listeners.forEach(function (listener) { listener(engine.error); });
    }
    try {
      worker = new Worker(absolute(form, 'worker'));
    } catch (error) {
      fail(String(error));
      return engine;
    }
    worker.onmessage = function (event) {
      var message = event.data;
      if (message.type === 'results' && callbacks[message.id]) {
        var callback = callbacks[message.id];
        delete callbacks[message.id];
        callback(message);
      } else if (message.type === 'error') {
        fail(message.message);
      }
    };
    worker.onerror = function (event) {
      event.preventDefault();
      fail(event.message);
    };
    worker.postMessage({
      type: 'init',
      lunr: absolute(form, 'lunr'),
      // The data files' names change with every paper added; pages only know this manifest,
      // so an unchanged page stays byte-identical between builds.
      manifest: absolute(form, 'manifest'),
      root: engine.root
    });
    return engine;
  }

  // This component's way to the shared engine: starts it on first use, hears its failure.
  function engineFor(form, showError) {
    var connected = false;
    return function () {
      if (!connected) {
        connected = true;
        startEngine(form).onError(showError);
      }
      return engine;
    };
  }

  function appendPieces(parent, pieces) {
    pieces.forEach(function (piece) {
      parent.appendChild(piece[1] ? element('mark', null, piece[0])
        : document.createTextNode(piece[0]));
    });
  }

  function renderHit(hit, root) {
    var item = element('li', 'search-hit');
    var link = element('a', 'search-hit-title');
    link.href = new URL(hit.url, root).href;
    appendPieces(link, hit.title);
    item.appendChild(link);
    var meta = element('p', 'search-hit-meta');
    if (hit.date) {
      var parts = hit.date.split('-'); // '2024-05-02' -> '2 May 2024', as paper pages show it
      var time = element('time', null,
        Number(parts[2]) + ' ' + MONTHS[Number(parts[1]) - 1] + ' ' + parts[0]);
      time.dateTime = hit.date;
      meta.appendChild(time);
    }
    hit.tags.forEach(function (tag) {
      meta.appendChild(element('span', 'search-hit-tag', tag[1]));
    });
    item.appendChild(meta);
    if (hit.snippet.length) {
      var snippet = element('p', 'search-hit-snippet');
      appendPieces(snippet, hit.snippet);
      item.appendChild(snippet);
    }
    return item;
  }

  function plural(count, word) {
    return count + ' ' + word + (count === 1 ? '' : 's');
  }

  // What the engine searched, when it is not quite what was typed (search-worker.js).
  function notice(answer) {
    var text = answer.corrected
      ? 'Showing results for \u201c' + answer.corrected.trim() + '\u201d. ' : '';
    if (answer.relaxed === 'phrase') {
      text += 'No paper has the exact phrase: these have its words. ';
    } else if (answer.relaxed) {
      text += 'No paper has all the words: these have some. ';
    }
    return text;
  }

  // Arrow keys move through the result links. Escape goes back to the box and closes the
  // results; a second Escape clears the box, as search fields do.
  // panel: {isOpen(), open(), close()} for the header box; null where results always show.
  function linkKeys(input, list, panel) {
    function links() { return Array.prototype.slice.call(list.querySelectorAll('a')); }
    input.addEventListener('keydown', function (event) {
      if (event.key === 'ArrowDown' && links().length) {
        event.preventDefault();
        if (panel) panel.open();
        links()[0].focus();
      } else if (event.key === 'Escape' && panel && panel.isOpen()) {
        event.preventDefault();
        panel.close();
      }
    });
    list.addEventListener('keydown', function (event) {
      var all = links();
      var at = all.indexOf(document.activeElement);
      if (at === -1) return;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        var next = at + (event.key === 'ArrowDown' ? 1 : -1);
        if (next < 0) input.focus();
        else if (next < all.length) all[next].focus();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        input.focus();
        if (panel) panel.close();
      }
    });
  }

  // The header box: results drop down as you type.
  function SearchBox(form) {
    var input = form.querySelector('input[name="q"]');
    var panel = form.querySelector('.search-panel');
    var status = panel.querySelector('.search-status');
    var list = panel.querySelector('.search-results');
    var latest = 0;

    function close() { panel.hidden = true; }

    function showError(message) {
      list.textContent = '';
      status.textContent = 'Search is unavailable (' + message + ').';
      panel.hidden = false;
    }

    function render(answer) {
      if (answer.id !== latest) return;
      list.textContent = '';
      var query = input.value.trim();
      status.textContent = notice(answer) + (answer.total ? plural(answer.total, 'result')
        : 'No results for \u201c' + query + '\u201d.');
      answer.results.forEach(function (hit) { list.appendChild(renderHit(hit, engine.root)); });
      list.setAttribute('data-query', answer.q); // which query the list shows
      if (answer.total > answer.results.length) {
        var more = element('li', 'search-more');
        var link = element('a', null, 'All ' + plural(answer.total, 'result') + ' \u2192');
        link.href = form.action + '?q=' + encodeURIComponent(query);
        more.appendChild(link);
        list.appendChild(more);
      }
      panel.hidden = false;
    }

    function run() {
      if (!input.value.trim()) {
        latest += 1;
        close();
        return;
      }
      latest = start().search({ q: input.value, limit: BOX_RESULTS }, render);
    }

    var start = engineFor(form, showError);

    input.addEventListener('focus', function () {
      start();
      if (input.value.trim() && list.childNodes.length) panel.hidden = false;
    });
    input.addEventListener('input', debounce(run, DEBOUNCE_MS));
    form.addEventListener('focusout', function (event) {
      if (!form.contains(event.relatedTarget)) close();
    });
    linkKeys(input, list, {
      isOpen: function () { return !panel.hidden; },
      open: function () { panel.hidden = false; },
      close: close
    });
  }

  // The search page: full results, filters, and a shareable ?q=&tag=&year= address.
  function SearchPage(form) {
    var input = form.querySelector('input[name="q"]');
    var tag = form.querySelector('select[name="tag"]');
    var year = form.querySelector('select[name="year"]');
    var status = document.querySelector('[data-search-status]');
    var list = document.querySelector('[data-search-results]');
    var more = document.querySelector('[data-search-more]');
    var limit = PAGE_RESULTS;
    var latest = 0;

    function fillSelect(select, counts, labels, order) {
      var current = select.value;
      while (select.options.length > 1) select.remove(1);
      var keys = Object.keys(counts).sort(order);
      if (current && keys.indexOf(current) === -1) keys.unshift(current);
      keys.forEach(function (key) {
        var own = Object.prototype.hasOwnProperty;
        var label = (own.call(labels, key) ? labels[key] : key) + ' (' +
          (own.call(counts, key) ? counts[key] : 0) + ')';
        var option = new Option(label, key);
        select.add(option);
      });
      select.value = current;
    }

    function render(answer) {
      if (answer.id !== latest) return;
      fillSelect(tag, answer.facets.tags, answer.tagNames, function (a, b) {
        return answer.facets.tags[b] - answer.facets.tags[a] || (a < b ? -1 : 1);
      });
      fillSelect(year, answer.facets.years, {}, function (a, b) { return a < b ? 1 : -1; });
      list.textContent = '';
      answer.results.forEach(function (hit) { list.appendChild(renderHit(hit, engine.root)); });
      list.setAttribute('data-query', answer.q);
      status.textContent = notice(answer) + (answer.total
        ? plural(answer.total, 'result') + ' for \u201c' + input.value.trim() + '\u201d.'
        : 'No results for \u201c' + input.value.trim() + '\u201d.');
      more.hidden = answer.total <= answer.results.length;
    }

    function showError(message) {
      status.textContent = 'Search is unavailable (' + message + ').';
    }

    function remember() {
      var params = new URLSearchParams();
      [input, tag, year].forEach(function (field) {
        if (field.value.trim()) params.set(field.name, field.value.trim());
      });
      var search = params.toString();
      history.replaceState(null, '', location.pathname + (search ? '?' + search : ''));
    }

    function run() {
      remember();
      if (!input.value.trim()) {
        latest += 1;
        list.textContent = '';
        status.textContent = 'Type to search titles, tags, abstracts and notes.';
        more.hidden = true;
        return;
      }
      latest = start().search(
        { q: input.value, tag: tag.value, year: year.value, limit: limit }, render);
    }

    var params = new URLSearchParams(location.search);
    input.value = params.get('q') || '';
    [tag, year].forEach(function (select) {
      var wanted = params.get(select.name);
      if (wanted) {
        select.add(new Option(wanted, wanted));
        select.value = wanted;
      }
      select.addEventListener('change', function () { limit = PAGE_RESULTS; run(); });
    });
    var start = engineFor(form, showError);
    input.addEventListener('focus', start);
    input.addEventListener('input', debounce(function () { limit = PAGE_RESULTS; run(); },
      DEBOUNCE_MS));
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      run();
    });
    more.addEventListener('click', function () { limit += PAGE_RESULTS; run(); });
    linkKeys(input, list, null);
    if (input.value.trim()) run();
  }

  function init() {
    document.querySelectorAll('form[data-search-box]').forEach(SearchBox);
    document.querySelectorAll('form[data-search-page]').forEach(SearchPage);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
