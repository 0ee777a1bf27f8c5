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

  // The index's fields (sitegen/search.py: FIELDS). The *_pairs fields hold adjacent words as
  // one term each, stems joined and ended by PAIR_JOINER ("double descent" ->
  // "doublqdescentq", which lunr's stemmer leaves as it is); PAIR_SKIPPED words are stepped
  // over like stop words. Both must stay identical to the Python constants.
  var PAIR_FIELDS = ['title_pairs', 'text_pairs'];
  var PAIR_JOINER = 'q';
  var PAIR_SKIPPED = ['vs', 'versus'];
  var QUOTES = /["\u201C\u201D\u201E]/; // straight or typographic: phrases either way
  var CORRECTED_MIN = 4; // shorter words are one edit away from too many others
  var KEPT = 3; // letters a correction keeps at the start of a word (see edits)

  // `index`: a ShardedIndex (search-index.js); or a serialised lunr index and its records
  // ({docs, tags}), for tests.
  function Engine(lunr, index, records) {
    this.lunr = lunr;
    this.index = records ? new (indexes().MemoryIndex)(lunr, index, records) : index;
    this.tagNames = this.index.tagNames;
    var fields = this.index.fields;
    this.wordFields = fields.filter(function (f) { return PAIR_FIELDS.indexOf(f) === -1; });
    this.pairFields = fields.filter(function (f) { return PAIR_FIELDS.indexOf(f) !== -1; });
    // Query syntax only when the reader uses it on purpose: a pasted title such as
    // "Grokking: A Study" is a plain search, not a search of a field called "grokking".
    this.syntax = new RegExp('(^|\\s)[+-]\\S|[*~^]|(^|\\s)(' + fields.join('|') + '):');
  }

  // Clauses parsed by lunr keep whatever punctuation was typed ("learning?", "café*");
  // fold each term like the index was folded, keeping the wildcards. A clause without a field
  // searches the words, not the pairs made from them (an implementation detail: "gen*" would
  // otherwise also match thousands of pairs that start with "gen").
  Engine.prototype.foldClauses = function (query) {
    var clauses = [];
    var wordFields = this.wordFields;
    query.clauses.forEach(function (clause) {
      var folded = clause.term.split('*').map(fold).join('*');
      var fields = clause.fields === query.allFields ? wordFields : clause.fields;
      folded.split(' ').forEach(function (term) {
        if (!/[^*]/.test(term)) return;
        clauses.push(Object.assign({}, clause, {
          term: term, fields: fields, usePipeline: term.indexOf('*') === -1
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

  // Stems of the words that `word` could be the start of. Not checked against the index: a
  // query term the index lacks matches nothing and weighs nothing.
  Engine.prototype.completions = function (word) {
    var found = Object.create(null);
    var self = this;
    ENDINGS.forEach(function (ending) {
      for (var typed = 0; typed < ending.length; typed++) {
        if (word.slice(word.length - typed) !== ending.slice(0, typed)) continue;
        found[self.stem(word + ending.slice(typed))] = true;
      }
    });
    return Object.keys(found);
  };

  // The words of a plain query, in order: {text: folded, term: its stem or null (a stop word,
  // which the index does not hold), phrase: number of its quoted group or 0, typing: the last
  // word, maybe unfinished}. An unclosed quote runs to the end.
  Engine.prototype.parse = function (text) {
    var self = this;
    var parts = text.split(QUOTES);
    var list = [];
    parts.forEach(function (part, i) {
      words(part).forEach(function (word) {
        var kept = PAIR_SKIPPED.indexOf(word) === -1 && self.lunr.stopWordFilter(word);
        list.push({ text: word, term: kept ? self.stem(word) : null,
          phrase: i % 2 ? i : 0, typing: false });
      });
    });
    // The last word is being typed, unless a space or a closing quote follows it; even a
    // stop word ("in" may become "interpretability").
    var last = list[list.length - 1];
    var closed = parts.length % 2 === 1 && !words(parts[parts.length - 1]).length;
    if (last && !/\s$/.test(text) && !closed && last.text.length > 1) {
      last.typing = true;
      last.prefix = last.text;
      last.alternatives = this.completions(last.text);
    }
    return list;
  };

  // The lunr query for these words: every word REQUIRED (but an unfinished one, whose
  // alternatives are checked after: see matches), and each phrase's pairs too; or, relaxed,
  // 'phrase': the words without the quotes, 'words': any word. Each two neighbours add their
  // pair, which phrases require and plain words only reward.
  Engine.prototype.clauses = function (list, relaxed) {
    var lunr = this.lunr;
    var self = this;
    var kept = list.filter(function (w) { return w.term || w.typing; });
    var REQUIRED = lunr.Query.presence.REQUIRED;
    var OPTIONAL = lunr.Query.presence.OPTIONAL;
    return function (query) {
      kept.forEach(function (word, i) {
        if (word.term) {
          query.term(word.term, { fields: self.wordFields, boost: 10, usePipeline: false,
            presence: relaxed === 'words' || word.typing ? OPTIONAL : REQUIRED });
        }
        if (word.typing) {
          query.term(word.prefix, { fields: self.wordFields, usePipeline: false,
            wildcard: lunr.Query.wildcard.TRAILING });
          word.alternatives.forEach(function (stem) {
            query.term(stem, { fields: self.wordFields, usePipeline: false });
          });
        }
        var next = kept[i + 1];
        if (next && word.term && next.term && self.pairFields.length) {
          var phrase = !relaxed && word.phrase && next.phrase === word.phrase && !next.typing;
          // Through lunr's pipeline, as the indexed pair went through it (unchanged).
          query.term(word.term + PAIR_JOINER + next.term + PAIR_JOINER, {
            fields: self.pairFields, presence: phrase ? REQUIRED : OPTIONAL });
        }
      });
    };
  };

  // Whether a hit matched this word (an unfinished one: the word, a completion, or a word it
  // starts).
  function matches(hit, word) {
    var terms = hit.matchData.metadata;
    if (word.term && terms[word.term]) return true;
    if (!word.typing) return false;
    return word.alternatives.some(function (stem) { return terms[stem]; }) ||
      Object.keys(terms).some(function (term) { return term.lastIndexOf(word.prefix, 0) === 0; });
  }

  // Results for these words: as typed, else without the quotes, else any word ({hits,
  // relaxed: false, 'phrase' or 'words', missing: the words no paper holds}).
  Engine.prototype.run = async function (list) {
    var self = this;
    var typing = list.filter(function (w) { return w.typing; })[0];
    var required = list.some(function (w) { return w.term && !w.typing; });
    async function search(relaxed) {
      var hits = await self.index.query(self.clauses(list, relaxed));
      // Required, the unfinished word must match one way or another; a stop word being typed
      // filters nothing, as it may be complete ("training of").
      if (relaxed === 'words' || !typing || !typing.term || !required) return hits;
      return hits.filter(function (hit) { return matches(hit, typing); });
    }
    var hits = await search(false);
    if (hits.length) return { hits: hits, relaxed: false, missing: [] };
    if (list.some(function (w) { return w.phrase && w.term; })) {
      hits = await search('phrase');
      if (hits.length) return { hits: hits, relaxed: 'phrase', missing: [] };
    }
    if (required) hits = await search('words');
    var missing = list.filter(function (w) {
      return w.term && !hits.some(function (hit) { return matches(hit, w); });
    });
    return { hits: hits, relaxed: hits.length ? 'words' : false, missing: missing };
  };

  // Words one edit away from `word` (a letter deleted, swapped with the next, changed or
  // added) after its first KEPT letters, by their stem: {stem: the first such word}. Stop
  // words are left out. Slips are rarer at a word's start, and candidates that share it lie
  // in a few neighbouring term shards: editing the first letters too would fetch a shard for
  // every letter of the alphabet (480 KB for one misspelt word at 5,000 papers).
  Engine.prototype.edits = function (word) {
    var letters = 'abcdefghijklmnopqrstuvwxyz';
    Array.from(word).forEach(function (c) { if (letters.indexOf(c) === -1) letters += c; });
    var chars = Array.from(word);
    var found = Object.create(null);
    var self = this;
    function add(candidate) {
      var text = candidate.join('');
      if (text === word || !self.lunr.stopWordFilter(text) || PAIR_SKIPPED.indexOf(text) !== -1) {
        return;
      }
      var stem = self.stem(text);
      if (!(stem in found)) found[stem] = text;
    }
    // Added letters first: a missed letter is the commonest slip, and the word it makes is
    // the one shown for a stem ("dynamcs" -> "dynamics", not "dynams").
    function edit(at, removed, inserted) {
      add(chars.slice(0, at).concat(inserted, chars.slice(at + removed)));
    }
    var i, k;
    for (i = KEPT; i <= chars.length; i++) {
      for (k = 0; k < letters.length; k++) edit(i, 0, [letters[k]]);
    }
    for (i = KEPT; i < chars.length; i++) {
      for (k = 0; k < letters.length; k++) edit(i, 1, [letters[k]]);
    }
    for (i = KEPT; i < chars.length - 1; i++) edit(i, 2, [chars[i + 1], chars[i]]);
    for (i = KEPT; i < chars.length; i++) edit(i, 1, []);
    return found;
  };

  // For each of these words (which match nothing), the word one edit away whose stem the
  // most papers hold, or nothing: {text: correction}. Which stems exist is asked of the
  // index, all in one query. Words with digits (model names, numbers) are not typos.
  Engine.prototype.corrections = async function (list) {
    var self = this;
    var candidates = list.filter(function (w) {
      return Array.from(w.text).length >= CORRECTED_MIN && !/\d/.test(w.text);
    }).map(function (w) { return { word: w, edits: self.edits(w.text) }; });
    if (!candidates.length) return Object.create(null);
    var stems = Object.create(null);
    candidates.forEach(function (c) {
      Object.keys(c.edits).forEach(function (stem) { stems[stem] = 0; });
    });
    var hits = await this.index.query(function (query) {
      Object.keys(stems).forEach(function (stem) {
        query.term(stem, { fields: self.wordFields, usePipeline: false });
      });
    });
    hits.forEach(function (hit) {
      Object.keys(hit.matchData.metadata).forEach(function (term) {
        if (term in stems) stems[term] += 1;
      });
    });
    var fixed = Object.create(null); // no inherited keys: "constructor" is a word
    candidates.forEach(function (c) {
      var best = Object.keys(c.edits).filter(function (s) { return stems[s] > 0; })
        .sort(function (a, b) { return stems[b] - stems[a] || (a < b ? -1 : 1); })[0];
      if (best) fixed[c.word.text] = c.edits[best];
    });
    return fixed;
  };

  // A plain query: all words required; a word that matches nothing replaced by the closest
  // word that does ({corrected: the query as searched}); if still nothing, fewer words
  // required (see run). Resolves to {hits, relaxed, corrected}.
  Engine.prototype.plainQuery = async function (text) {
    var list = this.parse(text);
    var none = { hits: [], relaxed: false, corrected: null };
    if (!list.some(function (w) { return w.term || w.typing; })) return none;
    var found = await this.run(list);
    var plain = { hits: found.hits, relaxed: found.relaxed, corrected: null };
    if (!found.missing.length) return plain;
    var fixed = await this.corrections(found.missing);
    if (!Object.keys(fixed).length) return plain;
    var self = this;
    var again = await this.run(list.map(function (w) {
      if (!(w.text in fixed)) return w;
      return { text: fixed[w.text], term: self.stem(fixed[w.text]), phrase: w.phrase,
        typing: false };
    }));
    if (!again.hits.length) return plain;
    var corrected = text.replace(WORD, function (word) {
      var folded = fold(word);
      return folded in fixed ? fixed[folded] : word;
    });
    return { hits: again.hits, relaxed: again.relaxed, corrected: corrected };
  };

  // Lunr syntax as lunr reads it, when the reader uses it; else a plain query. Resolves to
  // {hits, relaxed, corrected}.
  Engine.prototype.query = async function (text) {
    var self = this;
    if (this.syntax.test(text)) {
      try {
        var hits = await this.index.query(function (query) {
          new self.lunr.QueryParser(text, query).parse();
          self.foldClauses(query);
        });
        return { hits: hits, relaxed: false, corrected: null };
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

  // Resolves to the answer search.js shows: {total (after the filters), unfiltered (before
  // them: the filters are why when it is larger and total is 0), relaxed (false; 'phrase': no
  // paper has the quoted phrases, these have all the words; 'words': no paper has every word,
  // these have some), corrected (null, or the query searched instead, when a word matched
  // nothing: "showing results for ..."), facets, tagNames, results}. Filters and their counts need every paper's year and
  // tags: `facets: false` (and no filter) spares fetching them.
  Engine.prototype.search = function (text, options) {
    options = options || {};
    var self = this;
    var filtered = options.facets !== false || options.tag || options.year;
    return Promise.all([this.query(String(text || '')), filtered ? this.index.table() : null])
      .then(function (found) { return self.answer(found[0], found[1], options); });
  };

  Engine.prototype.answer = function (found, table, options) {
    var self = this;
    var hits = found.hits;
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
        relaxed: found.relaxed,
        corrected: found.corrected,
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
