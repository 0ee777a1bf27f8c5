// Runs the theme's search engine in Node on the search files a build wrote, as the worker
// does (search-worker.js + search-index.js), with files read from disk instead of fetched.
// request on stdin: {site: folder holding search/manifest.json, searches?: [{q, tag?, year?,
//   limit?, facets?}], queries?: [lunr query strings], index?: the whole serialised index,
//   shared?: {cacheLimit} to run the queries on one engine whose cache holds that many numbers}
// answer: {results: [engine.search(...) per search], files: [files each search fetched],
//   compared: number of queries, mismatches: [[query, lunr.js's answer, the shards']]}
// Each query runs on a fresh engine (nothing cached) unless shared, in lunr's syntax on both;
// answers compare as [ref, score, matched terms and fields] in order.
'use strict';
const fs = require('fs');
const path = require('path');
const lunr = require('lunr');
const assets = path.join(__dirname, '..', '..', 'themes', 'default', 'assets');
const { Engine } = require(path.join(assets, 'search-worker.js'));
const { ShardedIndex } = require(path.join(assets, 'search-index.js'));

function open(site, files) {
  const manifest = JSON.parse(fs.readFileSync(path.join(site, 'search', 'manifest.json')));
  const load = (file) => new Promise((resolve, reject) => {
    files.push(file);
    fs.readFile(path.join(site, file), 'utf8', (error, text) => {
      if (error) reject(error); else resolve(JSON.parse(text));
    });
  });
  return new ShardedIndex(lunr, manifest, load);
}

function rows(results) {
  return results.map((r) => [r.ref, r.score, r.matchData.metadata]);
}

async function main(request) {
  const answer = {};
  if (request.searches) {
    answer.results = [];
    answer.files = [];
    for (const s of request.searches) {
      const files = [];
      const engine = new Engine(lunr, open(request.site, files));
      try {
        answer.results.push(await engine.search(s.q, s));
      } catch (error) {
        answer.results.push({ error: String(error) });
      }
      answer.files.push(files);
    }
  }
  if (request.queries) {
    const whole = lunr.Index.load(request.index);
    let shared = null;
    if (request.shared) {
      shared = open(request.site, []);
      shared.cacheLimit = request.shared.cacheLimit;
    }
    answer.mismatches = [];
    answer.compared = 0;
    for (const text of request.queries) {
      const parse = (q) => new lunr.QueryParser(text, q).parse();
      let expected;
      let got;
      try {
        expected = JSON.stringify(rows(whole.query(parse)));
      } catch (error) {
        expected = 'error: ' + error.message;
      }
      try {
        got = JSON.stringify(rows(await (shared || open(request.site, [])).query(parse)));
      } catch (error) {
        got = 'error: ' + error.message;
      }
      answer.compared += 1;
      if (expected !== got && answer.mismatches.length < 10) {
        answer.mismatches.push([text, expected.slice(0, 400), got.slice(0, 400)]);
      }
    }
  }
  return answer;
}

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  main(JSON.parse(input)).then((answer) => process.stdout.write(JSON.stringify(answer)),
    (error) => { process.stderr.write(String(error.stack || error)); process.exit(1); });
});
