/* sitegen search: the box in every page's header and the search page.
 *
 * Nothing is fetched until the reader first focuses a search box (or opens the search page
 * with a query): then one Web Worker (search-worker.js) loads lunr.js, the index and the
 * result records, and answers queries off the main thread. The asset URLs come from the
 * form's data attributes, relative to the page. Paper text is shown with textContent and
 * <mark> elements only, never parsed as HTML; the one exception is a title's MathML, which
 * sitegen built (escaping every character of the text) and which is checked again here.
 *
 * "/", Ctrl-K and Cmd-K focus the search from anywhere (not while typing in another field);
 * Escape closes the results, then leaves the box for where the reader was.
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

  var MATHML = 'http://www.w3.org/1998/Math/MathML';

  // The title as its page shows it (text, and MathML for its math), or null when the string
  // holds anything but MathML elements without handlers or links (sitegen never writes
  // those; a tampered file might). Parsed in an inert <template>: nothing in it loads or
  // runs before it is checked.
  function mathTitle(html) {
    var template = document.createElement('template');
    template.innerHTML = html;
    var all = template.content.querySelectorAll('*');
    for (var i = 0; i < all.length; i++) {
      if (all[i].namespaceURI !== MATHML) return null;
      for (var j = 0; j < all[i].attributes.length; j++) {
        if (/^on|href$|src$/i.test(all[i].attributes[j].name)) return null;
      }
    }
    return template.content;
  }

  function renderHit(hit, root) {
    var item = element('li', 'search-hit');
    var link = element('a', 'search-hit-title');
    link.href = new URL(hit.url, root).href;
    // A title with math shows as on its page (unhighlighted); any other as marked text.
    var math = hit.titleHtml ? mathTitle(hit.titleHtml) : null;
    if (math) link.appendChild(math);
    else appendPieces(link, hit.title);
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

  // Where focus was before a shortcut brought the reader to a search box: Escape goes back.
  var returnTo = null;

  function leave(input) {
    var back = returnTo;
    returnTo = null;
    if (back && back !== input && back !== document.body && document.contains(back)) {
      back.focus();
    } else {
      input.blur();
    }
  }

  // What the engine searched, when it is not quite what was typed (search-worker.js).
  function notice(answer, typed) {
    var text = answer.corrected ? 'Showing results for \u201c' + answer.corrected.trim() +
      '\u201d (no paper has \u201c' + typed + '\u201d). ' : '';
    if (answer.relaxed === 'phrase') {
      text += 'No paper has the exact phrase: these have its words. ';
    } else if (answer.relaxed) {
      text += 'No paper has all the words: these have some. ';
    }
    return text;
  }

  // Arrow keys move through the result links. Escape goes back to the box and closes the
  // results; Escape in the box closes them, then leaves the box (its text stays).
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
      } else if (event.key === 'Escape') {
        event.preventDefault();
        leave(input);
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
      status.textContent = notice(answer, query) + (answer.total ? plural(answer.total, 'result')
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
      latest = start().search({ q: input.value, limit: BOX_RESULTS, facets: false }, render);
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
      var query = '\u201c' + input.value.trim() + '\u201d';
      // Corrected: the count is of the word meant, which the notice names.
      status.textContent = notice(answer, input.value.trim()) + (answer.total
        ? plural(answer.total, 'result') + (answer.corrected ? '.' : ' for ' + query + '.')
        : 'No results for ' + query + '.');
      if (!answer.total && answer.unfiltered && (tag.value || year.value)) {
        filteredOut(query, answer);
      }
      more.hidden = answer.total <= answer.results.length;
    }

    // Nothing left after the tag and year filters: say that they are why, and offer the
    // results without them.
    function filteredOut(query, answer) {
      var names = answer.tagNames || {};
      var filters = [];
      if (tag.value) {
        filters.push('tag \u201c' +
          (Object.prototype.hasOwnProperty.call(names, tag.value) ? names[tag.value]
            : tag.value) + '\u201d');
      }
      if (year.value) filters.push('year ' + year.value);
      var clear = element('a', 'search-clear-filters', 'clear filters');
      clear.href = form.action + '?q=' + encodeURIComponent(input.value.trim());
      clear.addEventListener('click', function (event) {
        event.preventDefault();
        tag.value = '';
        year.value = '';
        limit = PAGE_RESULTS;
        run();
        input.focus();
      });
      status.textContent = 'No papers match ' + query + ' in ' + filters.join(' and ') + '; ' +
        answer.unfiltered + (answer.unfiltered === 1 ? ' matches' : ' match') +
        ' without the filters \u2014 ';
      status.appendChild(clear);
      status.appendChild(document.createTextNode('.'));
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

  function editing(target) {
    return target instanceof Element && (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function visible(node) { return node.getClientRects().length > 0; }

  // The search page's own box where there is one, else the header's.
  function shortcutTarget() {
    var boxes = ['form[data-search-page]', 'form[data-search-box]'].map(function (form) {
      return Array.prototype.slice.call(document.querySelectorAll(form + ' input[name="q"]'));
    });
    return boxes[0].concat(boxes[1]).filter(visible)[0] || null;
  }

  function shortcuts(event) {
    if (event.defaultPrevented || event.isComposing) return;
    var slash = event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey;
    var k = (event.key === 'k' || event.key === 'K') && (event.ctrlKey || event.metaKey) &&
      !event.altKey && !event.shiftKey;
    if (!slash && !k) return;
    var input = shortcutTarget();
    if (!input) return;
    // "/" is typed as itself in any field; Ctrl-K is left to other fields, but works in the
    // search forms' own (it selects the query).
    var form = event.target.form;
    var ours = form && form.matches('[data-search-box], [data-search-page]');
    if (editing(event.target) && (slash || !ours)) return;
    event.preventDefault();
    if (document.activeElement !== input) {
      returnTo = document.activeElement;
      // Only this visit to the box goes back there on Escape.
      input.addEventListener('blur', function () { returnTo = null; }, { once: true });
    }
    input.focus();
    input.select();
  }

  function hint(input) {
    input.setAttribute('aria-keyshortcuts', '/ Control+K Meta+K');
    // Short enough for the header's box: "Search papers (press /)" was cut off at 1280 px.
    input.placeholder = 'Search (press /)';
  }

  function init() {
    document.querySelectorAll('form[data-search-box]').forEach(SearchBox);
    document.querySelectorAll('form[data-search-page]').forEach(SearchPage);
    document.querySelectorAll('form[data-search-box] input[name="q"], ' +
      'form[data-search-page] input[name="q"]').forEach(hint);
    document.addEventListener('keydown', shortcuts);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
