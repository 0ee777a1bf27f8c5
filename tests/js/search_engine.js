// Runs the theme's search engine (search-worker.js) in Node on a built index, for tests.
// request on stdin: {index?, records?, searches?: [{q, tag?, year?, limit?}], fold?: [texts]}
// answer: {results: [await engine.search(...) per search], fold: [fold(text) per text]}
// (a whole index in memory; tests/js/sharded_engine.js runs it on the files a build writes)
'use strict';
const path = require('path');
const lunr = require('lunr');
const engineFile = path.join(__dirname, '..', '..', 'themes', 'default', 'assets', 'search-worker.js');
const { fold, Engine } = require(process.env.SITEGEN_SEARCH_WORKER || engineFile);

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  const request = JSON.parse(input);
  const answer = {};
  if (request.fold) answer.fold = request.fold.map(fold);
  if (request.searches) {
    const engine = new Engine(lunr, request.index, request.records);
    answer.results = [];
    for (const s of request.searches) { // one at a time, as the worker answers them
      try {
        answer.results.push(await engine.search(s.q, s));
      } catch (error) {
        answer.results.push({ error: String(error) });
      }
    }
  }
  process.stdout.write(JSON.stringify(answer));
});
