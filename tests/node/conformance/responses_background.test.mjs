// Background responses through the official SDK, over TLS with the self-signed CA: queued ->
// in_progress -> completed, retrieve, cancel, delete, a stream resumed with starting_after, and
// the resume window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator } from './emulator.mjs';

let emu;
before(async () => { emu = await startEmulator({ name: 'responses_background', tls: true, args: ['--response-step-ms', '30'] }); });
after(async () => { assert.equal(await emu.stop(), 0); });

const words = (n) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

// polls until the status is terminal, with a deadline
async function settle(id) {
  const deadline = Date.now() + 10000;
  const seen = [];
  for (;;) {
    const r = await emu.client.responses.retrieve(id);
    if (seen.at(-1) !== r.status) seen.push(r.status);
    if (!['queued', 'in_progress'].includes(r.status)) return { r, seen };
    assert.ok(Date.now() < deadline, `still ${r.status} after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a background response is queued, then in_progress, then completed; retrieve and delete', async () => {
  await emu.script({ turns: [{ text: words(10), delay_ms: 15 }] });
  const created = await emu.client.responses.create({ model: 'gpt-4o', input: 'x', background: true });
  assert.equal(created.status, 'queued');
  assert.equal(created.background, true);
  assert.deepEqual(created.output, []);
  const { r, seen } = await settle(created.id);
  assert.equal(r.status, 'completed');
  assert.equal(r.output_text, words(10));
  assert.ok(seen.includes('in_progress'), `statuses seen: ${seen}`);
  const deleted = await emu.client.responses.delete(created.id);
  assert.deepEqual(deleted, { id: created.id, object: 'response.deleted', deleted: true });
  await assert.rejects(emu.client.responses.retrieve(created.id), (e) => e instanceof OpenAI.NotFoundError);
});

test('cancel works on a background response only, and answers the cancelled response', async () => {
  await emu.script({ turns: [{ text: words(40), delay_ms: 50 }] });
  const created = await emu.client.responses.create({ model: 'gpt-4o', input: 'x', background: true });
  const cancelled = await emu.client.responses.cancel(created.id);
  assert.equal(cancelled.id, created.id);
  assert.equal(cancelled.status, 'cancelled');
  const later = await emu.client.responses.retrieve(created.id);
  assert.equal(later.status, 'cancelled');
  // cancelling again answers the same response; a foreground one is the service's 400
  assert.equal((await emu.client.responses.cancel(created.id)).status, 'cancelled');
  const fg = await emu.client.responses.create({ model: 'gpt-4o', input: 'x' });
  await assert.rejects(emu.client.responses.cancel(fg.id),
    (e) => e instanceof OpenAI.BadRequestError && e.message === '400 Cannot cancel a synchronous response.');
});

test('a background stream resumed with starting_after replays the rest and continues live', async () => {
  await emu.script({ turns: [{ text: words(12), delay_ms: 20 }] });
  const first = await emu.client.responses.create({ model: 'gpt-4o', input: 'x', background: true, stream: true });
  const seen = [];
  for await (const e of first) {
    seen.push(e);
    if (e.sequence_number === 6) break; // the connection drops here
  }
  assert.deepEqual(seen.slice(0, 3).map((e) => e.type), ['response.created', 'response.queued', 'response.in_progress']);
  assert.equal(seen[0].response.status, 'queued');
  const id = seen[0].response.id;
  const rest = [];
  for await (const e of await emu.client.responses.retrieve(id, { stream: true, starting_after: 6 })) rest.push(e);
  assert.equal(rest[0].sequence_number, 7);
  rest.forEach((e, i) => assert.equal(e.sequence_number, 7 + i));
  assert.equal(rest.at(-1).type, 'response.completed');
  const text = [...seen, ...rest].filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
  assert.equal(text, words(12));
  assert.equal(rest.at(-1).response.output[0].content[0].text, words(12));
  // the SDK's own resume: responses.stream({response_id, starting_after}).finalResponse()
  const again = emu.client.responses.stream({ response_id: id, starting_after: 3 });
  const deltas = [];
  again.on('response.output_text.delta', (e) => deltas.push(e.delta));
  const final = await again.finalResponse();
  assert.equal(final.output_text, words(12));
  assert.equal(deltas.join(''), words(12)); // events 0..3 carry no text
});

test('a resume later than the window is the service 400', async () => {
  const short = await startEmulator({ name: 'responses_background_window', tls: true, args: ['--resume-window-ms', '0'] });
  try {
    const r = await short.client.responses.create({ model: 'gpt-4o', input: 'x', background: true });
    await assert.rejects(short.client.responses.retrieve(r.id, { stream: true, starting_after: 0 }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'stream' && /can no longer be streamed/.test(e.message));
    // the response itself is still there
    assert.equal((await short.client.responses.retrieve(r.id)).id, r.id);
  } finally {
    assert.equal(await short.stop(), 0);
  }
});
