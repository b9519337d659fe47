// Writes the seed corpus of fuzz/targets/response_stream.cpp: two generated streams of each kind
// (responses_gen.mjs), each after a header byte and three read sizes.
//   node responses_seeds.mjs fuzz/corpus/response_stream
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateResponseStream, KINDS } from './responses_gen.mjs';

const dir = process.argv[2];
mkdirSync(dir, { recursive: true });
KINDS.forEach((kind, k) => {
  for (let i = 0; i < 2; ++i) {
    const g = generateResponseStream(7000 + 10 * k + i, kind);
    const header = Buffer.from([3, 6, 30, 2]); // 3 read sizes: 7, 31, 3
    writeFileSync(join(dir, `seed_${kind}_${i}`), Buffer.concat([header, Buffer.from(g.text, 'utf8')]));
  }
});
