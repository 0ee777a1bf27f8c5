/* sitegen search index, fetched in pieces: what search-worker.js's Engine queries.
 *
 * The build (sitegen/shards.py) cuts lunr's index into term shards, word lists, result
 * records and a table of each paper's year and tags; search/manifest.json routes a term to
 * its shard. A query is answered by fetching the shards its terms need, rebuilding from them a
 * lunr.Index that holds only those terms, and letting lunr.js query it: a document's score is
 * the dot product of its field vectors with the query vector over the query's terms alone,
 * so the scores, and their order, are the ones lunr.js gives on the whole index.
 *
 * Loaded by the worker with importScripts (after the manifest) and by Node with require.
 */
(function (scope) {
  'use strict';

  var EMPTY = {}; // lunr copies a posting's metadata (none here), never changes it
  var CACHED_SHARDS = 64; // decoded term shards kept between queries, the latest used
  var CACHED_FILES = 64; // records files likewise

  // `manifest`: search/manifest.json; `load(path)`: a promise of the JSON file at `path`
  // (from the site root).
  function ShardedIndex(lunr, manifest, load) {
    this.lunr = lunr;
    this.manifest = manifest;
    this.fields = manifest.fields;
    this.tagNames = manifest.tags;
    this.pipeline = lunr.Pipeline.load(manifest.pipeline);
    this.load = load;
    this.files = new Map(); // records file -> promise of its contents, oldest use first
    this.shards = new Map(); // shard number -> {terms, entries}, oldest use first
    this.words = Object.create(null); // word list file -> its words
    this.missing = null; // while a query is planned: the files it still needs
    var self = this;
    // `term in index.invertedIndex`, as Engine asks of a whole lunr index: answered from the
    // fetched shards; while a query is planned, an unfetched term's shard is noted to fetch
    // and the query built again once it has come (see query()).
    this.invertedIndex = new Proxy(Object.create(null), {
      has: function (target, term) { return self.has(String(term)); }
    });
  }

  ShardedIndex.prototype.file = function (name) {
    var files = this.files;
    var got = files.get(name);
    if (got) {
      files.delete(name);
    } else {
      got = this.load(this.manifest.folder + name);
      got.catch(function () { files.delete(name); }); // a failed fetch may be tried again
    }
    files.set(name, got);
    if (files.size > CACHED_FILES) files.delete(files.keys().next().value);
    return got;
  };

  // The shard a term would be in: the last one whose first term is not after it.
  ShardedIndex.prototype.shardOf = function (term) {
    var firsts = this.manifest.shards;
    var low = 0;
    var high = firsts.length - 1;
    while (low < high) {
      var mid = (low + high + 1) >> 1;
      if (firsts[mid] <= term) low = mid; else high = mid - 1;
    }
    return low;
  };

  ShardedIndex.prototype.shard = function (n) {
    var shard = this.shards.get(n);
    if (!shard && this.missing) this.missing.add('t' + n + '.json');
    return shard;
  };

  ShardedIndex.prototype.has = function (term) {
    if (!this.manifest.shards.length) return false;
    var shard = this.shard(this.shardOf(term));
    return shard ? term in shard.terms : true;
  };

  // Fetches term shards and word lists, and keeps them decoded.
  ShardedIndex.prototype.fetch = function (names) {
    var self = this;
    return Promise.all(names.map(function (name) {
      return self.load(self.manifest.folder + name).then(function (data) {
        if (name[0] === 'w') {
          self.words[name] = data;
          return;
        }
        var terms = Object.create(null);
        data.forEach(function (entry) { terms[entry[0]] = entry; });
        self.shards.set(Number(name.slice(1, -5)), { terms: terms, entries: data });
      });
    }));
  };

  // lunr's Index#query, answered once the files it needs are fetched: a promise of lunr's
  // results. `fn` builds the query as for lunr (it may ask `term in invertedIndex`); it is
  // called again after each round of fetching, until every term it asks about and every term
  // its clauses can match is at hand. A query lunr cannot parse throws here, at once.
  ShardedIndex.prototype.query = function (fn) {
    var self = this;
    function settle() {
      var plan = self.plan(fn);
      if (!plan.missing.length) return self.run(fn, plan);
      return self.fetch(plan.missing).then(settle);
    }
    var first = this.plan(fn); // throws now if lunr cannot parse the query
    if (!first.missing.length) return Promise.resolve(this.run(fn, first));
    return this.fetch(first.missing).then(settle);
  };

  // The terms each clause can match, and the files still needed to know them all.
  ShardedIndex.prototype.plan = function (fn) {
    var lunr = this.lunr;
    var self = this;
    var terms = Object.create(null);
    this.missing = new Set();
    try {
      var query = new lunr.Query(this.fields);
      fn.call(query, query);
      query.clauses.forEach(function (clause) {
        var texts = clause.usePipeline
          ? self.pipeline.runString(clause.term, { fields: clause.fields }) : [clause.term];
        texts.forEach(function (text) {
          self.expand(Object.assign({}, clause, { term: text })).forEach(function (term) {
            terms[term] = true;
          });
        });
      });
      return { terms: Object.keys(terms), negated: query.isNegated(),
        missing: Array.from(this.missing) };
    } finally {
      this.missing = null;
    }
  };

  // The indexed terms a clause (with one term) matches, as far as the fetched files tell.
  ShardedIndex.prototype.expand = function (clause) {
    var term = clause.term;
    var shards = this.manifest.shards;
    if (!shards.length) return [];
    if (!('editDistance' in clause) && term.indexOf('*') === -1) {
      var shard = this.shard(this.shardOf(term));
      return shard && term in shard.terms ? [term] : [];
    }
    if (!('editDistance' in clause) && term.indexOf('*') === term.length - 1) {
      var prefix = term.slice(0, -1); // a prefix: the shards of its range, in order
      var found = [];
      for (var n = this.shardOf(prefix); n < shards.length; n++) {
        if (n > 0 && shards[n] > prefix && shards[n].slice(0, prefix.length) !== prefix) break;
        var part = this.shard(n);
        if (!part) continue;
        part.entries.forEach(function (entry) {
          if (entry[0].slice(0, prefix.length) === prefix) found.push(entry[0]);
        });
      }
      return found;
    }
    return this.matching(clause);
  };

  // Fuzzy and wildcard clauses: the words of the word lists their automaton accepts, then
  // the shards of those words.
  ShardedIndex.prototype.matching = function (clause) {
    var lunr = this.lunr;
    var term = clause.term;
    var lists = this.manifest.words;
    var low = 1;
    var high = lists;
    if ('editDistance' in clause) { // each edit changes the length by one at most
      low = Math.max(1, term.length - clause.editDistance);
      high = Math.min(lists, term.length + clause.editDistance);
    } else {
      low = Math.min(lists, term.replace(/\*/g, '').length || 1);
    }
    var words = [];
    for (var n = low; n <= high; n++) {
      var name = 'w' + n + '.json';
      var list = this.words[name];
      if (list) words = words.concat(list); else this.missing.add(name);
    }
    if (this.missing.size) return [];
    var automaton = lunr.TokenSet.fromClause(clause);
    var self = this;
    return words.filter(function (word) {
      if (!accepts(automaton, word)) return false;
      self.shard(self.shardOf(word));
      return true;
    });
  };

  // Whether lunr's TokenSet#intersect keeps `word` from this query automaton: a path
  // along the word's characters, or '*' edges, to a final node.
  function accepts(automaton, word) {
    var states = [automaton];
    for (var i = 0; i < word.length && states.length; i++) {
      var next = [];
      var ch = word[i];
      states.forEach(function (node) {
        if (ch in node.edges && next.indexOf(node.edges[ch]) === -1) next.push(node.edges[ch]);
        if ('*' in node.edges && next.indexOf(node.edges['*']) === -1) next.push(node.edges['*']);
      });
      states = next;
    }
    return states.some(function (node) { return node.final; });
  }

  // lunr.js's own query on an index of the planned terms only.
  ShardedIndex.prototype.run = function (fn, plan) {
    var lunr = this.lunr;
    var fields = this.fields;
    var shards = this.shards;
    var used = new Set();
    var self = this;
    var entries = plan.terms.map(function (term) {
      var n = self.shardOf(term);
      used.add(n);
      return shards.get(n).terms[term];
    }).sort(function (a, b) { return a[1] - b[1]; }); // by lunr's term number: vectors' order
    used.forEach(function (n) { // the latest used last; the oldest beyond the cache go
      var shard = shards.get(n);
      shards.delete(n);
      shards.set(n, shard);
    });
    while (shards.size > Math.max(CACHED_SHARDS, used.size)) {
      shards.delete(shards.keys().next().value);
    }
    var inverted = Object.create(null);
    var vectors = Object.create(null);
    if (plan.negated) { // lunr then lists every document, through its first field's vector
      for (var doc = 0; doc < this.manifest.papers; doc++) vectors[fields[0] + '/' + doc] = [];
    }
    entries.forEach(function (entry) {
      var posting = { _index: entry[1] };
      fields.forEach(function (field, f) {
        var docs = {};
        var flat = entry[2 + f];
        var doc = 0;
        for (var i = 0; i < flat.length; i += 2) {
          doc += flat[i];
          docs[doc] = EMPTY;
          var key = field + '/' + doc;
          (vectors[key] || (vectors[key] = [])).push(entry[1], flat[i + 1] / 1000);
        }
        posting[field] = docs;
      });
      inverted[entry[0]] = posting;
    });
    var fieldVectors = Object.create(null);
    Object.keys(vectors).forEach(function (key) {
      fieldVectors[key] = new lunr.Vector(vectors[key]);
    });
    var index = new lunr.Index({
      invertedIndex: inverted,
      fieldVectors: fieldVectors,
      tokenSet: lunr.TokenSet.fromArray(Object.keys(inverted).sort()),
      fields: fields,
      pipeline: this.pipeline
    });
    return index.query(fn);
  };

  // The result records of these refs, in their order.
  ShardedIndex.prototype.records = function (refs) {
    var size = this.manifest.records;
    var self = this;
    return Promise.all(refs.map(function (ref) {
      var doc = Number(ref);
      return self.file('r' + Math.floor(doc / size) + '.json').then(function (records) {
        return records[doc % size];
      });
    }));
  };

  // {year(ref), tags(ref)} for filters and their counts.
  ShardedIndex.prototype.table = function () {
    if (!this.papers) this.papers = this.file('filters.json').then(profileTable);
    return this.papers;
  };

  function profileTable(table) {
    return {
      year: function (ref) { return table.profiles[table.papers[Number(ref)]][0]; },
      tags: function (ref) { return table.profiles[table.papers[Number(ref)]][1]; }
    };
  }

  // A whole lunr index in memory, with its records ({docs, tags}), as ShardedIndex: for
  // tests and tools that build the index in one piece.
  function MemoryIndex(lunr, serialized, records) {
    this.index = lunr.Index.load(serialized);
    this.fields = this.index.fields;
    this.invertedIndex = this.index.invertedIndex;
    this.docs = records.docs;
    this.tagNames = records.tags;
  }

  MemoryIndex.prototype.query = function (fn) {
    return Promise.resolve(this.index.query(fn)); // throws at once if lunr cannot parse it
  };

  MemoryIndex.prototype.records = function (refs) {
    var docs = this.docs;
    return Promise.resolve(refs.map(function (ref) { return docs[Number(ref)]; }));
  };

  MemoryIndex.prototype.table = function () {
    var docs = this.docs;
    return Promise.resolve({
      year: function (ref) { return docs[Number(ref)][2].slice(0, 4); },
      tags: function (ref) { return docs[Number(ref)][3]; }
    });
  };

  var api = { ShardedIndex: ShardedIndex, MemoryIndex: MemoryIndex };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else scope.sitegenSearchIndex = api;
})(typeof self !== 'undefined' ? self : this);
