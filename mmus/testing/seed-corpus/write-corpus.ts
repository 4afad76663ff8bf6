// Writes the seed corpus (corpus/<theme>/<name>.json) from the definitions in this directory.
// Run from the project root after editing a seed scenario:
//   npx tsc --rootDir . --outDir /tmp/seed-corpus --module nodenext --target es2022 --strict \
//     --skipLibCheck --types node mmus/testing/seed-corpus/write-corpus.ts &&
//   echo '{"type":"module"}' > /tmp/seed-corpus/package.json &&
//   node /tmp/seed-corpus/mmus/testing/seed-corpus/write-corpus.js corpus
// mmus/sdm-corpus-expectations.test.ts fails while a file and its definition disagree.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { seedScenarios } from './index.js';
import { seedScenarioText } from './scenario-json.js';

const root = process.argv[2] ?? 'corpus';
for (const s of seedScenarios()) {
  const path = join(root, s.file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, seedScenarioText(s));
  console.log(path);
}
