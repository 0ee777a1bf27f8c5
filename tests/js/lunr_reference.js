// lunr.js as the reference for tests: reads one JSON request on stdin, writes one JSON answer.
// request: {fields: [{name, boost}], pipeline: [names], docs: [{ref, <field>: text}],
//           python_index?: serialised index, stems?: [words], tokens?: [texts],
//           rounds?: [numbers]}
// answer: {index, index_json, stems, tokens, rounds, mismatches, queries}
'use strict';
const lunr = require('lunr');

function build(request) {
  return lunr(function () {
    this.ref('ref');
    for (const f of request.fields) this.field(f.name, { boost: f.boost });
    this.pipeline.reset();
    for (const name of request.pipeline) this.pipeline.add(lunr.Pipeline.registeredFunctions[name]);
    for (const doc of request.docs) this.add(doc);
  });
}

function run(index, build) {
  try {
    return index.query(build).map((r) => [r.ref, r.score, r.matchData.metadata]);
  } catch (e) {
    return 'error: ' + e.message;
  }
}

// Every vocabulary term, as an exact term and as a prefix, must give the same results
// (refs, scores, matched terms and fields) from both indexes.
function compareQueries(jsIndex, pyIndex, terms) {
  const mismatches = [];
  let count = 0;
  const queries = [];
  for (const term of terms) {
    queries.push((q) => q.term(term, { usePipeline: false }));
    if (term.length >= 2) {
      const prefix = term.slice(0, Math.max(2, term.length - 2));
      queries.push((q) => q.term(prefix, { wildcard: lunr.Query.wildcard.TRAILING }));
    }
  }
  queries.push((q) => q.term(terms[0] || 'x', { presence: lunr.Query.presence.PROHIBITED }));
  for (const query of queries) {
    const a = JSON.stringify(run(jsIndex, query));
    const b = JSON.stringify(run(pyIndex, query));
    count += 1;
    if (a !== b && mismatches.length < 5) mismatches.push([query.toString(), a.slice(0, 300), b.slice(0, 300)]);
  }
  return { mismatches, queries: count };
}

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  const answer = {};
  if (request.docs) {
    const index = build(request);
    answer.index = JSON.parse(JSON.stringify(index));
    // The bytes lunr.js would write, without the empty field vectors sitegen leaves out.
    const pruned = index.toJSON();
    const first = request.fields[0].name + '/';
    pruned.fieldVectors = pruned.fieldVectors.filter((v) => v[1].length || v[0].startsWith(first));
    answer.index_json = JSON.stringify(pruned);
    if (request.python_index) {
      const py = lunr.Index.load(request.python_index);
      Object.assign(answer, compareQueries(index, py, Object.keys(index.invertedIndex).sort()));
    }
  }
  if (request.stems) {
    answer.stems = request.stems.map((w) => lunr.stemmer(new lunr.Token(w)).toString());
  }
  if (request.rounds) {
    answer.rounds = request.rounds.map((x) => Math.round(x * 1000) / 1000);
  }
  if (request.tokens) {
    answer.tokens = request.tokens.map((t) => lunr.tokenizer(t).map(String));
  }
  process.stdout.write(JSON.stringify(answer));
});
