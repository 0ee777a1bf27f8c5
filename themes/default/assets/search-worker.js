/* sitegen search engine: lunr.js over the prebuilt index, kept off the page's main thread.
 *
 * Runs as a Web Worker started by search.js; tests load the same file in Node through
 * module.exports. The index is fetched in pieces as queries need them (search-index.js), so
 * index.query() and search() answer with promises. Everything here treats paper text as data:
 * results go back as plain strings and [text, isMatch] pieces, which search.js turns into
 * text nodes and <mark> elements.
 */
(function (scope) {
  'use strict';

  // fold() must stay identical to sitegen.search.fold in Python: the index holds folded text.
  var DROPPED = /[\p{M}'\u2018\u2019\u02BC]/gu; // accents (after NFKD) and apostrophes
  var NON_WORD = /[^\p{L}\p{N}]+/gu;
  var WORD = /[\p{L}\p{N}\p{M}'\u2018\u2019\u02BC]+/gu;

  function fold(text) {
    return String(text).normalize('NFKD').toLowerCase()
      .replace(DROPPED, '').replace(NON_WORD, ' ').trim();
  }

  function words(text) {
    var folded = fold(text);
    return folded ? folded.split(' ') : [];
  }

  // `index`: a ShardedIndex (search-index.js); or a serialised lunr index and its records
  // ({docs, tags}), for tests.
  function Engine(lunr, index, records) {
    this.lunr = lunr;
    this.index = records ? new (indexes().MemoryIndex)(lunr, index, records) : index;
    this.tagNames = this.index.tagNames;
    // Query syntax only when the reader uses it on purpose: a pasted title such as
    // "Grokking: A Study" is a plain search, not a search of a field called "grokking".
    this.syntax = new RegExp('(^|\\s)[+-]\\S|[*~^]|(^|\\s)(' + this.index.fields.join('|') + '):');
  }

  // Clauses parsed by lunr keep whatever punctuation was typed ("learning?", "café*");
  // fold each term like the index was folded, keeping the wildcards.
  Engine.prototype.foldClauses = function (query) {
    var clauses = [];
    query.clauses.forEach(function (clause) {
      var folded = clause.term.split('*').map(fold).join('*');
      folded.split(' ').forEach(function (term) {
        if (!/[^*]/.test(term)) return;
        clauses.push(Object.assign({}, clause, {
          term: term, usePipeline: term.indexOf('*') === -1
        }));
      });
    });
    query.clauses = clauses;
  };

  // Endings an unfinished word may be heading for. Typing "grokk" or "generaliza" has gone
  // past the stems "grok" and "gener" that "grokking" and "generalization" are indexed
  // under, so a prefix search alone finds nothing until the last letter.
  var ENDINGS = ['s', 'es', 'e', 'ed', 'er', 'ers', 'ing', 'ings', 'ion', 'ions', 'ation',
    'ations', 'ization', 'izations', 'isation', 'ize', 'ise', 'ized', 'izing', 'ity', 'ities',
    'ness', 'al', 'ally', 'ly', 'ment', 'ments', 'able', 'ability', 'ive', 'ous', 'ful',
    'ence', 'ance', 'ent', 'ant', 'ism', 'ist', 'ists'];

  // Indexed stems of the words that `word` could be the start of.
  Engine.prototype.completions = function (word) {
    var found = Object.create(null);
    var self = this;
    ENDINGS.forEach(function (ending) {
      for (var typed = 0; typed < ending.length; typed++) {
        if (word.slice(word.length - typed) !== ending.slice(0, typed)) continue;
        var stem = self.stem(word + ending.slice(typed));
        if (stem in self.index.invertedIndex) found[stem] = true;
      }
    });
    return Object.keys(found);
  };

  Engine.prototype.plainQuery = function (text) {
    var lunr = this.lunr;
    var self = this;
    var terms = words(text);
    var typing = !/\s$/.test(text); // the last word may be unfinished
    if (!terms.length) return [];
    return this.index.query(function (query) {
      terms.forEach(function (term, i) {
        query.term(term, { boost: 10 });
        if (typing && i === terms.length - 1 && term.length > 1) {
          query.term(term, { wildcard: lunr.Query.wildcard.TRAILING, usePipeline: false });
          self.completions(term).forEach(function (stem) {
            query.term(stem, { usePipeline: false });
          });
        }
      });
    });
  };

  Engine.prototype.query = function (text) {
    var self = this;
    if (this.syntax.test(text)) {
      try {
        return this.index.query(function (query) {
          new self.lunr.QueryParser(text, query).parse();
          self.foldClauses(query);
        });
      } catch (error) {
        // Not a query lunr can parse ("title:" alone, "a~b"): search the words instead.
      }
    }
    return this.plainQuery(text);
  };

  Engine.prototype.stem = function (word) {
    return this.lunr.stemmer(new this.lunr.Token(word)).toString();
  };

  // [text, isMatch] pieces: a word is marked when it folds and stems to a matched term.
  Engine.prototype.highlight = function (text, matched) {
    var pieces = [];
    var last = 0;
    var self = this;
    text.replace(WORD, function (word, offset) {
      var hit = words(word).some(function (w) { return matched[self.stem(w)]; });
      if (!hit) return word;
      if (offset > last) pieces.push([text.slice(last, offset), false]);
      pieces.push([word, true]);
      last = offset + word.length;
      return word;
    });
    if (last < text.length) pieces.push([text.slice(last), false]);
    return pieces;
  };

  // A promise of {total, facets, tagNames, results}. Filters and their counts need every
  // paper's year and tags: `facets: false` (and no filter) spares fetching them.
  Engine.prototype.search = function (text, options) {
    options = options || {};
    var self = this;
    var filtered = options.facets !== false || options.tag || options.year;
    return Promise.all([this.query(String(text || '')), filtered ? this.index.table() : null])
      .then(function (found) { return self.answer(found[0], found[1], options); });
  };

  Engine.prototype.answer = function (hits, table, options) {
    var self = this;
    // Object.create(null): a tag called "constructor" must count from 0 like any other.
    var facets = { tags: Object.create(null), years: Object.create(null) };
    var kept = table ? [] : hits;
    // Each filter's counts follow the other filter, so the reader sees what choosing gives.
    if (table) {
      hits.forEach(function (hit) {
        var year = table.year(hit.ref);
        var tags = table.tags(hit.ref);
        var tagOk = !options.tag || tags.indexOf(options.tag) !== -1;
        var yearOk = !options.year || options.year === year;
        if (yearOk) {
          tags.forEach(function (tag) { facets.tags[tag] = (facets.tags[tag] || 0) + 1; });
        }
        if (tagOk && year) facets.years[year] = (facets.years[year] || 0) + 1;
        if (tagOk && yearOk) kept.push(hit);
      });
    }
    var shown = kept.slice(0, options.limit || 20);
    var refs = shown.map(function (hit) { return hit.ref; });
    return this.index.records(refs).then(function (docs) {
      return {
        total: kept.length,
        unfiltered: hits.length, // before the tag and year filters: says when they hid all
        facets: facets,
        tagNames: self.tagNames,
        results: shown.map(function (hit, i) {
          var doc = docs[i];
          var matched = hit.matchData.metadata;
          return {
            url: doc[0],
            title: self.highlight(doc[1], matched),
            titleHtml: doc[5] || '', // the title's MathML (built and escaped by sitegen) or ''
            date: doc[2],
            tags: doc[3].map(function (tag) { return [tag, self.tagNames[tag] || tag]; }),
            snippet: self.highlight(doc[4], matched)
          };
        })
      };
    });
  };

  function fetchJSON(url, options) {
    return fetch(url, options).then(function (response) {
      if (!response.ok) throw new Error(url + ': HTTP ' + response.status);
      return response.json();
    });
  }

  function serveWorker() {
    var ready = null;
    scope.onmessage = function (event) {
      var message = event.data;
      if (message.type === 'init' && !ready) {
        scope.importScripts(message.lunr);
        // Revalidated on every load: it is the one file whose name never changes.
        ready = fetchJSON(message.manifest, { cache: 'no-cache' })
          .then(function (manifest) {
            scope.importScripts(new URL(manifest.engine, message.root).href);
            var index = new scope.sitegenSearchIndex.ShardedIndex(scope.lunr, manifest,
              function (path) { return fetchJSON(new URL(path, message.root).href); });
            return new Engine(scope.lunr, index);
          });
        ready.then(function () { scope.postMessage({ type: 'ready' }); },
          function (error) { scope.postMessage({ type: 'error', message: String(error) }); });
      } else if (message.type === 'search' && ready) {
        ready.then(function (engine) {
          return engine.search(message.q, message).then(function (answer) {
            answer.type = 'results';
            answer.id = message.id;
            answer.q = message.q;
            scope.postMessage(answer);
          }, function (error) {
            scope.postMessage({ type: 'error', message: String(error) });
          });
        }, function () { /* reported once, on init */ });
      }
    };
  }

  // search-index.js: in the worker, loaded by init; in Node, beside this file.
  function indexes() {
    return scope.sitegenSearchIndex || require('./search-index.js');
  }

  var api = { fold: fold, Engine: Engine };
  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  } else if (typeof scope.importScripts === 'function') {
    serveWorker();
  }
})(typeof self !== 'undefined' ? self : this);
