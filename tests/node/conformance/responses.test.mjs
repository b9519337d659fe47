// The Responses API through the official SDK, over TLS with the self-signed CA: create (plain and
// with tools), responses.stream(...).finalResponse() for text, 8 parallel calls and a refusal,
// a full tool loop by previous_response_id, input items, and the service's 400s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator, weatherFunction } from './emulator.mjs';

let emu;
before(async () => { emu = await startEmulator({ name: 'responses', tls: true }); });
after(async () => { assert.equal(await emu.stop(), 0); });

const calls = (n) => Array.from({ length: n }, (_, i) => `/call get_weather {"city":"c${i}"}`).join('\n');

// the events of a stream in order, checking the sequence numbers (0, 1, 2, ...) on the way
async function collect(stream) {
  const events = [];
  for await (const e of stream) {
    assert.equal(e.sequence_number, events.length, `sequence_number of ${e.type}`);
    events.push(e);
  }
  return events;
}

test('responses.create answers a Response with a message', async () => {
  const r = await emu.client.responses.create({ model: 'gpt-4o', input: 'hello there', instructions: 'Be brief.', metadata: { k: 'v' } });
  assert.match(r.id, /^resp_/);
  assert.equal(r.object, 'response');
  assert.equal(r.status, 'completed');
  assert.equal(r.instructions, 'Be brief.');
  assert.deepEqual(r.metadata, { k: 'v' });
  assert.equal(r.output.length, 1);
  assert.equal(r.output[0].type, 'message');
  assert.match(r.output[0].id, /^msg_/);
  assert.equal(r.output[0].role, 'assistant');
  assert.equal(r.output_text, 'You said: hello there');
  assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens === 4);
  assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
  assert.ok(Math.abs(r.created_at - Date.now() / 1000) < 60);
  const again = await emu.client.responses.retrieve(r.id);
  assert.deepEqual(again.output, r.output);
});

test('responses.create with tools: function_call items, parallel or the first only', async () => {
  const r = await emu.client.responses.create({ model: 'gpt-4o', input: calls(2), tools: [weatherFunction] });
  assert.equal(r.status, 'completed');
  assert.deepEqual(r.output.map((o) => o.type), ['function_call', 'function_call']);
  assert.match(r.output[0].id, /^fc_/);
  assert.match(r.output[0].call_id, /^call_/);
  assert.equal(r.output[0].name, 'get_weather');
  assert.deepEqual(JSON.parse(r.output[1].arguments), { city: 'c1' });
  const one = await emu.client.responses.create({ model: 'gpt-4o', input: calls(2), tools: [weatherFunction], parallel_tool_calls: false });
  assert.equal(one.output.length, 1);
  assert.deepEqual(JSON.parse(one.output[0].arguments), { city: 'c0' });
  const none = await emu.client.responses.create({ model: 'gpt-4o', input: calls(1), tools: [weatherFunction], tool_choice: 'none' });
  assert.equal(none.output[0].type, 'message');
});

test('responses.stream(...).finalResponse() for text, in the service event order', async () => {
  const stream = emu.client.responses.stream({ model: 'gpt-4o', input: 'stream me please' });
  const deltas = [];
  stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
  const types = [];
  stream.on('event', (e) => types.push(e.type));
  const final = await stream.finalResponse();
  assert.equal(final.status, 'completed');
  assert.equal(final.output_text, 'You said: stream me please');
  assert.equal(deltas.join(''), final.output_text);
  assert.deepEqual(types.filter((t) => t !== 'response.output_text.delta'), [
    'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
    'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
  ]);
  assert.equal(deltas.length, 5);

  // the raw stream: sequence numbers from 0, obfuscation padding by default, none when asked
  const raw = await collect(await emu.client.responses.create({ model: 'gpt-4o', input: 'hi', stream: true }));
  const delta = raw.find((e) => e.type === 'response.output_text.delta');
  assert.equal(typeof delta.obfuscation, 'string');
  assert.deepEqual(delta.logprobs, []);
  assert.equal(raw.at(-1).type, 'response.completed');
  const plain = await collect(await emu.client.responses.create({ model: 'gpt-4o', input: 'hi', stream: true, stream_options: { include_obfuscation: false } }));
  assert.equal(plain.find((e) => e.type === 'response.output_text.delta').obfuscation, undefined);
});

test('responses.stream(...).finalResponse() for 8 parallel calls', async () => {
  const stream = emu.client.responses.stream({ model: 'gpt-4o', input: calls(8), tools: [weatherFunction] });
  const argDone = [];
  stream.on('response.function_call_arguments.done', (e) => argDone.push(e));
  const final = await stream.finalResponse();
  assert.equal(final.output.length, 8);
  final.output.forEach((o, i) => {
    assert.equal(o.type, 'function_call');
    assert.equal(o.status, 'completed');
    assert.deepEqual(JSON.parse(o.arguments), { city: `c${i}` });
  });
  assert.equal(new Set(final.output.map((o) => o.call_id)).size, 8);
  assert.deepEqual(argDone.map((e) => e.output_index), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(argDone[3].name, 'get_weather');
});

test('responses.stream(...).finalResponse() for a refusal', async () => {
  const stream = emu.client.responses.stream({ model: 'gpt-4o', input: '/refuse I cannot do that.' });
  const deltas = [];
  stream.on('response.refusal.delta', (e) => deltas.push(e.delta));
  const final = await stream.finalResponse();
  assert.equal(final.output[0].type, 'message');
  assert.equal(final.output[0].content.length, 1);
  assert.equal(final.output[0].content[0].type, 'refusal');
  assert.equal(final.output[0].content[0].refusal, 'I cannot do that.');
  assert.equal(deltas.join(''), 'I cannot do that.');
  assert.equal(final.output_text, '');
});

test('a full tool loop by previous_response_id: calls, outputs, final text', async () => {
  const c = emu.client;
  const first = await c.responses.create({ model: 'gpt-4o', input: calls(3), tools: [weatherFunction], instructions: 'first only' });
  assert.equal(first.output.length, 3);
  // a follow-up without the outputs is the service's 400
  await assert.rejects(
    c.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: 'and now?' }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'input' && e.message.includes(`No tool output found for function call ${first.output[0].call_id}.`));
  const outputs = first.output.map((o, i) => ({ type: 'function_call_output', call_id: o.call_id, output: `sunny ${i}` }));
  const second = await c.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: outputs, tools: [weatherFunction] });
  assert.equal(second.previous_response_id, first.id);
  assert.equal(second.instructions, null); // not carried forward
  assert.equal(second.output_text, 'Tool outputs: get_weather -> sunny 0; get_weather -> sunny 1; get_weather -> sunny 2.');
  // the chain carries the earlier input and output forward: they count as input tokens
  const third = await c.responses.create({ model: 'gpt-4o', previous_response_id: second.id, input: 'what now' });
  assert.equal(third.output_text, 'You said: what now');
  assert.ok(third.usage.input_tokens > second.usage.input_tokens + second.usage.output_tokens);
  const alone = await c.responses.create({ model: 'gpt-4o', input: 'what now' });
  assert.equal(alone.usage.input_tokens, 10);
  // the input items of a response are the ones it was sent, newest first by default
  const items = await c.responses.inputItems.list(second.id);
  assert.equal(items.data.length, 3);
  assert.equal(items.data[0].type, 'function_call_output');
  assert.equal(items.data[0].call_id, first.output[2].call_id);
  const asc = await c.responses.inputItems.list(second.id, { order: 'asc', limit: 2 });
  assert.deepEqual(asc.data.map((i) => i.call_id), [first.output[0].call_id, first.output[1].call_id]);
  assert.equal(asc.has_more, true);
  const rest = await c.responses.inputItems.list(second.id, { order: 'asc', after: asc.data[1].id });
  assert.deepEqual(rest.data.map((i) => i.call_id), [first.output[2].call_id]);
  assert.equal(rest.has_more, false);
});

test('the service 400s: validation, strict tools, orphan outputs, both chain kinds, unknown ids', async () => {
  const c = emu.client;
  const bad = async (body, param, pattern) => {
    await assert.rejects(c.responses.create({ model: 'gpt-4o', ...body }), (e) => {
      assert.ok(e instanceof OpenAI.BadRequestError, `${e}`);
      assert.equal(e.param, param);
      assert.match(e.message, pattern);
      return true;
    });
  };
  await bad({ input: 'x', bogus: 1 }, 'bogus', /^400 Unknown parameter: 'bogus'\.$/);
  await bad({ input: 'x', temperature: 3 }, 'temperature', /above maximum value/);
  await bad({ input: [{ role: 'user', content: 'x', type: 'nope' }] }, 'input[0].type', /Invalid value: 'nope'/);
  await bad({ input: 'x', tools: [{ ...weatherFunction, parameters: { type: 'object', properties: { city: { type: 'string' } } } }] },
    'tools[0].parameters', /Invalid schema for function 'get_weather': In context=\(\), 'additionalProperties' is required to be supplied and to be false\./);
  await bad({ input: 'x', tools: [{ ...weatherFunction, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: [], additionalProperties: false } }] },
    'tools[0].parameters', /'required' is required to be supplied and to be an array including every key in properties\. Missing 'city'\./);
  await bad({ input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'x' }] }, 'input', /No tool call found for function call output with call_id call_nope\./);
  await bad({ input: 'x', previous_response_id: 'resp_nope' }, 'previous_response_id', /Previous response with id 'resp_nope' not found\./);
  const conv = await c.conversations.create();
  const r = await c.responses.create({ model: 'gpt-4o', input: 'x' });
  await assert.rejects(c.responses.create({ model: 'gpt-4o', input: 'x', previous_response_id: r.id, conversation: conv.id }),
    (e) => e.status === 400 && e.param == null && /Mutually exclusive parameters/.test(e.message));
  await assert.rejects(c.responses.retrieve('resp_nope'), (e) => e instanceof OpenAI.NotFoundError && /Response with id 'resp_nope' not found\./.test(e.message));
  await assert.rejects(c.responses.cancel(r.id), (e) => e instanceof OpenAI.BadRequestError && /Cannot cancel a synchronous response\./.test(e.message));
  await assert.rejects(c.responses.retrieve(r.id, { stream: true }), (e) => e instanceof OpenAI.BadRequestError && e.param === 'stream');
  // deleted responses are gone
  await c.responses.delete(r.id);
  await assert.rejects(c.responses.retrieve(r.id), (e) => e instanceof OpenAI.NotFoundError);
  // a scripted failure fails the response (not the request)
  await emu.script({ turns: [{ fail: { code: 'rate_limit_exceeded', message: 'slow down' } }] });
  const failed = await c.responses.create({ model: 'gpt-4o', input: 'x' });
  assert.equal(failed.status, 'failed');
  assert.deepEqual(failed.error, { code: 'rate_limit_exceeded', message: 'slow down' });
});

test('input token counts and compaction', async () => {
  const n = await emu.client.responses.inputTokens.count({ model: 'gpt-4o', input: 'one two three', instructions: 'four' });
  assert.equal(n.object, 'response.input_tokens');
  assert.equal(n.input_tokens, 12);
  const compacted = await emu.client.responses.compact({ model: 'gpt-5', input: [{ role: 'user', content: 'keep me' }, { role: 'assistant', content: 'summarise me' }] });
  assert.equal(compacted.object, 'response.compaction');
  assert.deepEqual(compacted.output.map((o) => o.type), ['message', 'compaction']);
});

test('streamed reasoning, incomplete, failed and error endings', async () => {
  const c = emu.client;
  const reasoned = await c.responses.stream({ model: 'o4-mini', input: 'why', reasoning: { effort: 'low', summary: 'auto' } }).finalResponse();
  assert.equal(reasoned.output[0].type, 'reasoning');
  assert.match(reasoned.output[0].id, /^rs_/);
  assert.equal(reasoned.output[0].summary[0].text, 'I considered the request before answering.');
  assert.equal(reasoned.output_text, 'You said: why');
  const cut = await collect(await c.responses.create({ model: 'gpt-4o', input: 'a b c d e f g h i j k l m n o p q r s', max_output_tokens: 16, stream: true }));
  assert.equal(cut.at(-1).type, 'response.incomplete');
  assert.deepEqual(cut.at(-1).response.incomplete_details, { reason: 'max_output_tokens' });
  await emu.script({ turns: [{ fail: { code: 'server_error', message: 'model down' } }, { stream_error: { message: 'boom', code: 'server_error' } }] });
  const failed = await collect(await c.responses.create({ model: 'gpt-4o', input: 'x', stream: true }));
  assert.equal(failed.at(-1).type, 'response.failed');
  assert.deepEqual(failed.at(-1).response.error, { code: 'server_error', message: 'model down' });
  // the flat `error` event ends the stream (the SDK passes it through as an event)
  const errored = await collect(await c.responses.create({ model: 'gpt-4o', input: 'x', stream: true }));
  assert.deepEqual(errored.slice(0, 2).map((e) => e.type), ['response.created', 'response.in_progress']);
  assert.deepEqual(errored.at(-1), { type: 'error', sequence_number: errored.length - 1, code: 'server_error', message: 'boom', param: null });
});
