// Differential test of the Responses stream: the same SSE bytes go through the official
// openai-node SDK (6.49.0, client.responses.stream().finalResponse()) and through coassist (the
// C++ tool: sse::parser, the stream's protocol rules, the typed decoder, responses::accumulator).
//
// Streams: --count generated ones (responses_gen.mjs, seeded), the kinds taken in turn: text,
// 8 parallel calls sequential and interleaved, reasoning, refusal, incomplete, failed, unknown
// events, error events, cut streams, mixed; LF, CRLF and CR line endings. Each stream is read whole
// and in random small reads by both sides. Checked, per stream:
//  - coassist's outcome is the one the stream calls for (ok / stream_error / stream_truncated);
//  - ok: coassist's final snapshot equals the stream's own terminal `response`, the deltas alone
//    rebuilt every item (item_checks) and the terminal output (terminal_check);
//  - where the SDK copes: coassist's final snapshot equals the SDK's finalResponse() (without the
//    fields only the SDK adds). Where it does not (unknown events and a keepalive before
//    response.created: it throws; a cut stream: it returns its last snapshot as if complete),
//    the report counts it.
//
//   node responses_run.mjs --tool path/to/coassist_response_differential --work dir --count 240 --seed 1
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { mulberry32 } from './gen.mjs';
import { generateResponseStream, KINDS } from './responses_gen.mjs';
import { runResponsesSdk } from './responses_node_side.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const tool = args.tool;
const work = args.work ?? '/tmp/coassist-responses-differential';
const count = Number(args.count ?? 240);
const seed = Number(args.seed ?? 1);
const verbose = 'verbose' in args;
mkdirSync(work, { recursive: true });

const streams = [];
for (let i = 0; i < count; ++i) {
  const kind = KINDS[i % KINDS.length];
  const g = generateResponseStream(seed * 100003 + i, kind);
  const s = { name: `gen:${seed}:${i}:${kind}`, ...g };
  s.file = join(work, `response_stream_${String(i).padStart(4, '0')}.sse`);
  s.bytes = Buffer.from(s.text, 'utf8');
  writeFileSync(s.file, s.bytes);
  streams.push(s);
}

const runTool = (extra) => {
  const out = execFileSync(tool, [...extra, ...streams.map((s) => s.file)], { maxBuffer: 1 << 30, timeout: 120000 });
  const lines = out.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
  if (lines.length !== streams.length) throw new Error(`tool printed ${lines.length} results for ${streams.length} streams`);
  return lines;
};
const cppWhole = runTool([]);
const cppSplit = runTool(['--split-seed', String(seed)]);

const firstDifference = (a, b, path = '$') => {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 120)} vs ${JSON.stringify(b)?.slice(0, 120)}`;
};

const tally = { equalSdk: 0, sdkThrows: 0, sdkNoError: 0, sdkSnapshotOnCut: 0, bothError: 0, failed: 0 };
const kinds = {};
const framings = { '\n': 0, '\r\n': 0, '\r': 0 };
const rng = mulberry32(seed);
for (let i = 0; i < streams.length; ++i) {
  const s = streams[i];
  const sizes = Array.from({ length: s.bytes.length + 1 }, () => 1 + Math.floor(rng() * 61));
  const sdkWhole = await runResponsesSdk(s.bytes);
  const sdkSplit = await runResponsesSdk(s.bytes, { chunkSizes: (k) => sizes[k] });
  const problems = [];
  if (!isDeepStrictEqual(sdkWhole, sdkSplit)) problems.push(`the SDK differs with itself between whole and split reads: ${firstDifference(sdkWhole, sdkSplit)}`);
  for (const [how, got] of [['whole', cppWhole[i]], ['split reads', cppSplit[i]]]) {
    if (s.expect === 'ok') {
      if (got.error) { problems.push(`${how}: coassist error ${got.error}`); continue; }
      const d = firstDifference(got.final_response, s.terminal);
      if (d) problems.push(`${how}: final snapshot vs the terminal response: ${d}`);
      if (got.item_checks.length) problems.push(`${how}: deltas did not rebuild an item: ${got.item_checks[0]}`);
      if (got.terminal_check) problems.push(`${how}: deltas did not rebuild the terminal output: ${got.terminal_check}`);
      if (s.sdkCopes) {
        if (sdkWhole.error) problems.push(`the SDK failed a stream it should cope with: ${sdkWhole.error}`);
        else {
          const e = firstDifference(got.final_response, sdkWhole.final_response);
          if (e) problems.push(`${how}: final snapshot vs the SDK's finalResponse(): ${e}`);
        }
      } else if (!sdkWhole.error) {
        problems.push('the SDK coped with a stream it is not expected to cope with');
      }
    } else {
      const want = s.expect;
      if (got.error_kind !== want) problems.push(`${how}: expected ${want}, coassist gave ${got.error_kind}: ${got.error}`);
    }
  }
  kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
  framings[s.nl] += 1;
  if (problems.length) {
    ++tally.failed;
    for (const p of problems) console.log(`FAIL ${s.name}: ${p}`);
    continue;
  }
  if (s.expect === 'ok' && s.sdkCopes) ++tally.equalSdk;
  else if (s.expect === 'ok') ++tally.sdkThrows;
  else if (sdkWhole.error) ++tally.bothError;
  else if (s.expect === 'stream_error') ++tally.sdkNoError;
  else ++tally.sdkSnapshotOnCut;
  if (verbose) console.log(`ok ${s.name}${sdkWhole.error ? ` [sdk: ${sdkWhole.error}]` : ''}`);
}

console.log(`streams: ${streams.length} (seed ${seed}); kinds ${JSON.stringify(kinds)}; ` +
  `line endings LF ${framings['\n']}, CRLF ${framings['\r\n']}, CR ${framings['\r']}`);
console.log(`equal to the SDK's finalResponse() and the terminal snapshot: ${tally.equalSdk}; ` +
  `SDK throws (unknown events, keepalive first), equal to the terminal snapshot: ${tally.sdkThrows}; ` +
  `error both sides: ${tally.bothError}; coassist stream_error where the SDK gives none: ${tally.sdkNoError}; ` +
  `coassist stream_truncated where the SDK returns a partial snapshot: ${tally.sdkSnapshotOnCut}; FAILED: ${tally.failed}`);
const problems = [];
if (tally.failed) problems.push(`${tally.failed} streams failed`);
if (count >= KINDS.length * 10) {
  if (tally.equalSdk < count / 2) problems.push('fewer than half the streams compared with the SDK');
  if (tally.sdkThrows < 5) problems.push('fewer than 5 unknown-event streams');
  if (Object.values(framings).some((n) => n < 10)) problems.push('a line ending with fewer than 10 streams');
}
if (problems.length) {
  console.log(`FAILED: ${problems.join('; ')}`);
  process.exit(1);
}
console.log('PASSED');
