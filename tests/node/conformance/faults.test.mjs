// Fault injection seen through the official SDK: queued 429/500 faults are retried by the SDK,
// a header fault answers once, a stream cut mid-way surfaces as an error, delays are honoured.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator } from './emulator.mjs';

let emu;
before(async () => { emu = await startEmulator({ name: 'faults' }); });
after(async () => { assert.equal(await emu.stop(), 0); });

test('queued 429 with Retry-After then success: the SDK retries', async () => {
  const retrying = new OpenAI({ apiKey: 'k', baseURL: emu.baseURL, maxRetries: 2, timeout: 10000 });
  await emu.script({ faults: [{ status: 429, headers: { 'retry-after-ms': '10' }, method: 'GET', path_contains: '/assistants', count: 2 }] });
  const started = Date.now();
  const res = await retrying.beta.assistants.list().withResponse();
  assert.equal(res.response.status, 200);
  assert.ok(Date.now() - started < 5000);
});

test('500 and 503 reach the caller when retries are off, with the service error body', async () => {
  await emu.script({ fault: { status: 500, method: 'GET', path_contains: '/files' } });
  await assert.rejects(emu.client.files.list(), (e) => e.status === 500 && e.error.type === 'server_error');
  await emu.script({ fault: { status: 503, headers: { 'Retry-After': '1' } } });
  await assert.rejects(emu.client.files.list(), (e) => e.status === 503 && e.headers.get('retry-after') === '1');
  // consumed: the next request is normal
  assert.ok(Array.isArray((await emu.client.files.list()).data));
});

test('x-emulator-fault header applies to that request only', async () => {
  await assert.rejects(
    emu.client.files.list({}, { headers: { 'x-emulator-fault': JSON.stringify({ status: 429, headers: { 'Retry-After': '3' } }) } }),
    (e) => e.status === 429 && e.code === 'rate_limit_exceeded');
  const started = Date.now();
  await emu.client.files.list({}, { headers: { 'x-emulator-fault': JSON.stringify({ delay_ms: 150 }) } });
  assert.ok(Date.now() - started >= 140);
});

test('a body cut mid-way and a connection closed before headers are connection errors', async () => {
  await assert.rejects(emu.client.files.list({}, { headers: { 'x-emulator-fault': '{"cut":"mid_body"}' } }));
  await assert.rejects(emu.client.files.list({}, { headers: { 'x-emulator-fault': '{"cut":"before_headers"}' } }),
    (e) => e instanceof OpenAI.APIConnectionError);
});

test('a stream cut after some events, and a malformed chunk, fail the stream', async () => {
  const c = emu.client;
  const assistant = await c.beta.assistants.create({ model: 'gpt-4o' });
  for (const fault of [{ cut: 'mid_stream', after_events: 4 }, { malformed_chunk: true, after_events: 2 }]) {
    const thread = await c.beta.threads.create({ messages: [{ role: 'user', content: 'hi there you' }] });
    const events = [];
    const stream = c.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id },
      { headers: { 'x-emulator-fault': JSON.stringify(fault) } }).on('event', (e) => events.push(e.event));
    await assert.rejects(stream.finalRun());
    assert.ok(events.length <= fault.after_events, `${events.length} events`);
  }
});

test('scripted per-delta delays stream in real time', async () => {
  const c = emu.client;
  const assistant = await c.beta.assistants.create({ model: 'gpt-4o' });
  const thread = await c.beta.threads.create();
  await emu.script({ thread_id: thread.id, turns: [{ text: 'one two three four', chunks: 4, delay_ms: 60 }] });
  const times = [];
  const stream = c.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id }).on('textDelta', () => times.push(Date.now()));
  await stream.finalRun();
  assert.equal(times.length, 4);
  // deltas arrive spread out, not all at once: each was flushed when it was produced
  assert.ok(times[3] - times[0] >= 150, `spread ${times[3] - times[0]} ms`);
});
