// Scriptable faults on the Responses side, seen through the official SDK over TLS: a stream cut
// after N events, a cut before the headers, an answer lost after the request was applied,
// 429/500/503 with Retry-After, interleaved argument deltas of parallel calls, an unknown event
// type, a `keepalive` event, a stall longer than the client's idle timeout, keep-alive comments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator, weatherFunction } from './emulator.mjs';

let emu;
before(async () => { emu = await startEmulator({ name: 'responses_faults', tls: true, args: ['--keepalive-ms', '40'] }); });
after(async () => { assert.equal(await emu.stop(), 0); });

const header = (fault) => ({ headers: { 'x-emulator-fault': JSON.stringify(fault) } });
const calls = (n) => Array.from({ length: n }, (_, i) => `/call get_weather {"city":"city number ${i}"}`).join('\n');

test('a stream cut after N events ends in an error after exactly N events', async () => {
  const stream = await emu.client.responses.create({ model: 'gpt-4o', input: 'one two three', stream: true }, header({ cut: 'mid_stream', after_events: 4 }));
  const seen = [];
  await assert.rejects((async () => { for await (const e of stream) seen.push(e.type); })());
  assert.equal(seen.length, 4);
  assert.equal(seen[0], 'response.created');
});

test('a cut before the headers, and an answer lost after the request was applied', async () => {
  const c = emu.client;
  await assert.rejects(c.responses.create({ model: 'gpt-4o', input: 'x' }, header({ cut: 'before_headers' })),
    (e) => e instanceof OpenAI.APIConnectionError);
  // the lost answer: the items were added although the client saw no response
  const conv = await c.conversations.create();
  await emu.script({ fault: { cut: 'before_headers', conversation_id: conv.id, method: 'POST' } });
  await assert.rejects(c.conversations.items.create(conv.id, { items: [{ role: 'user', content: 'applied' }] }),
    (e) => e instanceof OpenAI.APIConnectionError);
  const items = await c.conversations.items.list(conv.id);
  assert.equal(items.data.length, 1);
  assert.deepEqual(items.data[0].content, [{ type: 'input_text', text: 'applied' }]);
  // a fault on a response applies to the request chained from it
  const r = await c.responses.create({ model: 'gpt-4o', input: 'x' });
  await emu.script({ fault: { status: 500, response_id: r.id } });
  await c.responses.create({ model: 'gpt-4o', input: 'unrelated' });
  await assert.rejects(c.responses.create({ model: 'gpt-4o', input: 'y', previous_response_id: r.id }),
    (e) => e instanceof OpenAI.InternalServerError);
});

test('429, 500 and 503 with Retry-After; the SDK retries them', async () => {
  const c = emu.client;
  for (const status of [429, 500, 503]) {
    await assert.rejects(c.responses.create({ model: 'gpt-4o', input: 'x' }, header({ status, headers: { 'Retry-After': '2' } })), (e) => {
      assert.equal(e.status, status);
      assert.equal(e.headers.get('retry-after'), '2');
      return true;
    });
  }
  const retrying = new OpenAI({ apiKey: 'sk-test', baseURL: emu.baseURL, maxRetries: 2, timeout: 20000 });
  await emu.script({ faults: [{ status: 429, headers: { 'retry-after-ms': '5' }, path_contains: '/responses', count: 2 }] });
  const r = await retrying.responses.create({ model: 'gpt-4o', input: 'finally' });
  assert.equal(r.output_text, 'You said: finally');
});

test('argument deltas of parallel calls interleaved across items still assemble', async () => {
  const stream = emu.client.responses.stream({ model: 'gpt-4o', input: calls(3), tools: [weatherFunction] },
    header({ interleave_arguments: true }));
  const order = [];
  stream.on('response.function_call_arguments.delta', (e) => order.push(e.output_index));
  const final = await stream.finalResponse();
  assert.deepEqual(order.slice(0, 6), [0, 1, 2, 0, 1, 2]);
  final.output.forEach((o, i) => assert.deepEqual(JSON.parse(o.arguments), { city: `city number ${i}` }));
  // the same as a turn of a script
  await emu.script({ turns: [{ tool_calls: [{ name: 'a', arguments: '{"x":1}' }, { name: 'b', arguments: '{"y":2}' }], argument_chunks: 2, interleave: true }] });
  const raw = [];
  for await (const e of await emu.client.responses.create({ model: 'gpt-4o', input: 'x', stream: true })) raw.push(e);
  assert.deepEqual(raw.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.output_index), [0, 1, 0, 1]);
});

test('an unknown event type and a keepalive event pass through the SDK', async () => {
  const raw = [];
  const stream = await emu.client.responses.create({ model: 'gpt-4o', input: 'a b', stream: true }, header({ unknown_event: 2, keepalive_event: 4 }));
  for await (const e of stream) raw.push(e);
  assert.equal(raw[2].type, 'response.emulator_unknown_event');
  assert.equal(raw.find((e) => e.type === 'keepalive').type, 'keepalive');
  raw.forEach((e, i) => assert.equal(e.sequence_number, i));
  // the SDK's stream helper accepts a keepalive event, and refuses an event type it does not know
  const final = await emu.client.responses.stream({ model: 'gpt-4o', input: 'a b' }, header({ keepalive_event: 5 })).finalResponse();
  assert.equal(final.output_text, 'You said: a b');
  await assert.rejects(emu.client.responses.stream({ model: 'gpt-4o', input: 'a b' }, header({ unknown_event: 3 })).finalResponse(),
    /Unhandled response stream event: \{"type":"response.emulator_unknown_event","sequence_number":3/);
});

test('a stall longer than the client idle timeout', async () => {
  const controller = new AbortController();
  let idle;
  const arm = () => { clearTimeout(idle); idle = setTimeout(() => controller.abort(), 300); };
  const seen = [];
  const started = Date.now();
  arm();
  const stream = await emu.client.responses.create({ model: 'gpt-4o', input: 'one two three', stream: true },
    { ...header({ stall_ms: 3000, after_events: 3 }), signal: controller.signal });
  for await (const e of stream) { seen.push(e.type); arm(); }
  clearTimeout(idle);
  assert.equal(seen.length, 3); // the client gave up while the server sent nothing
  assert.ok(controller.signal.aborted);
  assert.ok(Date.now() - started < 2500);
});

test('keep-alive comments while a stream is idle', async () => {
  await emu.script({ turns: [{ text: 'slow words', delay_ms: 150 }] });
  const res = await fetch(`${emu.baseURL}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({ model: 'gpt-4o', input: 'x', stream: true }),
    signal: AbortSignal.timeout(10000),
  });
  assert.equal(res.headers.get('content-type').split(';')[0], 'text/event-stream');
  const text = await res.text();
  assert.ok(text.includes('\n: keep-alive\n\n') || text.startsWith(': keep-alive\n\n'), 'a keep-alive comment');
  assert.ok(!text.includes('[DONE]'));
  assert.ok(text.trimEnd().split('\n\n').at(-1).startsWith('event: response.completed\n'));
});
