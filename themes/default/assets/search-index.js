/* sitegen search index, fetched in pieces: what search-worker.js's Engine queries.
 *
 * The build (sitegen/shards.py) cuts lunr's index into term shards, word lists, result
 * records and a table of each paper's year and tags; search/manifest.json routes a term to
 * its shard. A query is answered by fetching the shards its terms need and running lunr's
 * query algorithm on their postings: a document's score is the dot product of its field
 * vectors with the query vector, over the query's terms alone, so the scores, and their
 * order, are the ones lunr.js gives on the whole index.
 *
 * Loaded by the worker with importScripts (after the manifest) and by Node with require.
 */
(function (scope) {
  'use strict';

  var EMPTY = {}; // lunr copies a posting's metadata (none here), never changes it
  // Term shards kept between queries, the latest used, up to this many posting numbers (a
  // number takes about 14 bytes of heap, decoded): the worker stays within a few MB.
  var CACHED_NUMBERS = 400000;
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
    this.cacheLimit = CACHED_NUMBERS;
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
        var size = 0;
        data.forEach(function (entry) {
          terms[entry[0]] = entry;
          for (var i = 2; i < entry.length; i++) size += entry[i].length;
        });
        self.shards.set(Number(name.slice(1, -5)), { terms: terms, entries: data, size: size });
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

  // lunr 2.3.9's Index#query, step for step, on the planned terms' postings held in typed
  // arrays: the same clauses, term expansion (lunr's TokenSet), required and prohibited sets,
  // query vectors (lunr's Vector), and the same floating-point operations in the same order
  // (each field's dot product by ascending term number, a document's fields in the order they
  // matched, results in the order documents matched, sorted as lunr sorts them), so refs,
  // scores and order are lunr's. A result's matchData is made when first read.
  ShardedIndex.prototype.run = function (fn, plan) {
    var lunr = this.lunr;
    var fields = this.fields;
    var papers = this.manifest.papers;
    var self = this;
    var byTerm = Object.create(null);
    var byNumber = Object.create(null);
    var used = Object.create(null);
    plan.terms.forEach(function (term) {
      var n = self.shardOf(term);
      used[n] = true;
      var shard = self.shards.get(n);
      self.shards.delete(n); // the latest used last; the oldest beyond the cache go
      self.shards.set(n, shard);
      byTerm[term] = byNumber[shard.terms[term][1]] = shard.terms[term];
    });
    var kept = 0;
    Array.from(this.shards.keys()).reverse().forEach(function (n) {
      kept += self.shards.get(n).size;
      if (kept > self.cacheLimit && !(n in used)) self.shards.delete(n);
    });
    var tokenSet = lunr.TokenSet.fromArray(plan.terms.slice().sort());
    var query = new lunr.Query(fields);
    fn.call(query, query);
    var REQUIRED = lunr.Query.presence.REQUIRED;
    var PROHIBITED = lunr.Query.presence.PROHIBITED;
    var queryVectors = Object.create(null);
    fields.forEach(function (field) { queryVectors[field] = new lunr.Vector(); });
    var pairs = []; // [postings, field number] as lunr first matches them, term after term
    var seen = Object.create(null);
    var required = Object.create(null);
    var prohibited = Object.create(null);
    query.clauses.forEach(function (clause) {
      var terms = clause.usePipeline
        ? self.pipeline.runString(clause.term, { fields: clause.fields }) : [clause.term];
      var clauseMatches = EMPTY_SET;
      for (var m = 0; m < terms.length; m++) {
        clause.term = terms[m];
        var expanded = tokenSet.intersect(lunr.TokenSet.fromClause(clause)).toArray();
        if (expanded.length === 0 && clause.presence === REQUIRED) {
          clause.fields.forEach(function (field) { required[field] = EMPTY_SET; });
          break;
        }
        expanded.forEach(function (term) {
          var entry = byTerm[term];
          clause.fields.forEach(function (field) {
            var f = fields.indexOf(field);
            var postings = decoded(entry, f);
            if (clause.presence === REQUIRED) {
              clauseMatches = clauseMatches.union(new DocSet(postings.docs));
              if (required[field] === undefined) required[field] = COMPLETE_SET;
            }
            if (clause.presence === PROHIBITED) {
              prohibited[field] = (prohibited[field] || EMPTY_SET).union(new DocSet(postings.docs));
              return;
            }
            queryVectors[field].upsert(entry[1], clause.boost, function (a, b) { return a + b; });
            if (seen[term + '/' + field]) return;
            seen[term + '/' + field] = true;
            pairs.push([postings, f, term]);
          });
        });
      }
      if (clause.presence === REQUIRED) {
        clause.fields.forEach(function (field) {
          required[field] = required[field].intersect(clauseMatches);
        });
      }
    });
    var allRequired = COMPLETE_SET;
    var allProhibited = EMPTY_SET;
    fields.forEach(function (field) {
      if (required[field]) allRequired = allRequired.intersect(required[field]);
      if (prohibited[field]) allProhibited = allProhibited.union(prohibited[field]);
    });
    var results = [];
    if (query.isNegated()) { // lunr lists every document, each through its first field
      for (var doc = 0; doc < papers; doc++) {
        if (!allRequired.contains(doc) || allProhibited.contains(doc)) continue;
        results.push({ ref: String(doc), score: 0, matchData: new lunr.MatchData() });
      }
      return results;
    }
    // Where each document (and each of its fields) first matched: lunr's insertion order.
    var first = new Int32Array(papers).fill(-1);
    var fieldFirst = fields.map(function () { return new Int32Array(papers).fill(-1); });
    var order = [];
    pairs.forEach(function (pair, p) {
      var docs = pair[0].docs;
      var firsts = fieldFirst[pair[1]];
      for (var i = 0; i < docs.length; i++) {
        var d = docs[i];
        if (firsts[d] < 0) firsts[d] = p;
        if (first[d] < 0) {
          first[d] = p;
          order.push(d);
        }
      }
    });
    // Each field's dot products: the query vector's terms by ascending number, as Vector#dot.
    var dots = fields.map(function (field, f) {
      var q = queryVectors[field].elements;
      var sums = null;
      for (var i = 0; i < q.length; i += 2) {
        var postings = decoded(byNumber[q[i]], f);
        var docs = postings.docs;
        var scores = postings.scores;
        var weight = q[i + 1];
        if (!docs.length) continue;
        sums = sums || new Float64Array(papers);
        for (var k = 0; k < docs.length; k++) sums[docs[k]] += weight * scores[k];
      }
      return sums;
    });
    var magnitudes = fields.map(function (field) { return queryVectors[field].magnitude(); });
    var Hit = hitType(lunr, pairs, fields, fieldFirst);
    var mine = new Int32Array(fields.length);
    for (var o = 0; o < order.length; o++) {
      var d = order[o];
      if (!allRequired.contains(d) || allProhibited.contains(d)) continue;
      var count = 0; // the document's fields, in the order they matched (insertion sort)
      for (var f = 0; f < fields.length; f++) {
        var at = fieldFirst[f][d];
        if (at < 0) continue;
        var j = count++;
        while (j > 0 && fieldFirst[mine[j - 1]][d] > at) { mine[j] = mine[j - 1]; j--; }
        mine[j] = f;
      }
      var score = 0;
      for (var m = 0; m < count; m++) {
        var g = mine[m];
        var similarity = (dots[g] ? dots[g][d] : 0) / magnitudes[g] || 0;
        score = m === 0 ? similarity : score + similarity;
      }
      results.push(new Hit(d, score));
    }
    return byScore(results);
  };

  // What lunr's results.sort(function (a, b) { return b.score - a.score }) gives, as V8's
  // sort is stable: by descending score, equal scores in their order. Placed by rank instead
  // of compared: tens of thousands of results sort several times faster.
  function byScore(results) {
    var scores = new Float64Array(results.length);
    for (var i = 0; i < results.length; i++) scores[i] = results[i].score;
    scores.sort();
    var next = new Map(); // a score -> where its next result goes
    for (var rank = 0; rank < scores.length; rank++) {
      var score = scores[scores.length - 1 - rank];
      if (!next.has(score)) next.set(score, rank); // 0 and -0 tie, as in lunr's comparison
    }
    var sorted = new Array(results.length);
    results.forEach(function (result) {
      var at = next.get(result.score);
      sorted[at] = result;
      next.set(result.score, at + 1);
    });
    return sorted;
  }

  // Results as lunr gives them ({ref, score, matchData}) for one query; matchData (the terms
  // matched in each field) is made when read, as lunr makes it: per field in the order the
  // fields matched, terms in the order they matched.
  function hitType(lunr, pairs, fields, fieldFirst) {
    function Hit(doc, score) {
      this.ref = String(doc);
      this.score = score;
    }
    var made = new Map();
    Object.defineProperty(Hit.prototype, 'matchData', { get: function () {
      var doc = Number(this.ref);
      if (made.has(doc)) return made.get(doc);
      var order = [];
      fieldFirst.forEach(function (firsts, f) { if (firsts[doc] >= 0) order.push(f); });
      order.sort(function (a, b) { return fieldFirst[a][doc] - fieldFirst[b][doc]; });
      var data = null;
      order.forEach(function (f) {
        var field = null;
        pairs.forEach(function (pair) {
          if (pair[1] !== f || !contains(pair[0].docs, doc)) return;
          if (!field) field = new lunr.MatchData(pair[2], fields[f], EMPTY);
          else field.add(pair[2], fields[f], EMPTY);
        });
        if (!data) data = field; else data.combine(field);
      });
      made.set(doc, data);
      return data;
    } });
    return Hit;
  }

  function contains(sorted, value) {
    var low = 0;
    var high = sorted.length - 1;
    while (low <= high) {
      var mid = (low + high) >> 1;
      if (sorted[mid] === value) return true;
      if (sorted[mid] < value) low = mid + 1; else high = mid - 1;
    }
    return false;
  }

  // A term's postings in field f as arrays: document numbers, and scores as lunr reads them
  // from its index (three decimals).
  function decoded(entry, f) {
    var cache = entry.decoded || (entry.decoded = []);
    if (cache[f]) return cache[f];
    var flat = entry[2 + f];
    var docs = new Int32Array(flat.length / 2);
    var scores = new Float64Array(flat.length / 2);
    var doc = 0;
    for (var i = 0; i < flat.length; i += 2) {
      doc += flat[i];
      docs[i / 2] = doc;
      scores[i / 2] = flat[i + 1] / 1000;
    }
    cache[f] = { docs: docs, scores: scores };
    return cache[f];
  }

  // lunr.Set's algebra on document numbers.
  var COMPLETE_SET = {
    intersect: function (other) { return other; },
    union: function () { return this; },
    contains: function () { return true; }
  };
  var EMPTY_SET = {
    intersect: function () { return this; },
    union: function (other) { return other; },
    contains: function () { return false; }
  };

  function DocSet(docs) {
    this.docs = docs instanceof Set ? docs : new Set(docs);
  }

  DocSet.prototype.contains = function (doc) { return this.docs.has(doc); };

  DocSet.prototype.intersect = function (other) {
    if (other === COMPLETE_SET) return this;
    if (other === EMPTY_SET) return other;
    var small = this.docs.size < other.docs.size ? this : other;
    var large = small === this ? other : this;
    var both = new Set();
    small.docs.forEach(function (doc) { if (large.docs.has(doc)) both.add(doc); });
    return new DocSet(both);
  };

  DocSet.prototype.union = function (other) {
    if (other === COMPLETE_SET) return COMPLETE_SET;
    if (other === EMPTY_SET) return this;
    var all = new Set(this.docs);
    other.docs.forEach(function (doc) { all.add(doc); });
    return new DocSet(all);
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
    var self = this;
    if (!this.filters) {
      this.filters = this.load(this.manifest.folder + 'filters.json');
      this.filters.catch(function () { self.filters = null; }); // may be tried again
    }
    return this.filters.then(profileTable);
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
