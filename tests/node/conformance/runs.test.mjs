// Runs through the official SDK: createAndPoll, runs.stream with text deltas and finalMessages(),
// a requires_action round trip through submitToolOutputsStream, scripted turns, steps, cancel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, weatherTool } from './emulator.mjs';

let emu, assistant;
before(async () => {
  emu = await startEmulator({ name: 'runs' });
  assistant = await emu.client.beta.assistants.create({ model: 'gpt-4o', instructions: 'Be brief.', tools: [weatherTool] });
});
after(async () => { assert.equal(await emu.stop(), 0); });

async function threadWith(text) {
  return emu.client.beta.threads.create({ messages: [{ role: 'user', content: text }] });
}

test('createAndPoll walks the lifecycle to completed, with steps and usage', async () => {
  const c = emu.client;
  const thread = await threadWith('hello there');
  const created = await c.beta.threads.runs.create(thread.id, { assistant_id: assistant.id });
  assert.equal(created.status, 'queued');
  assert.match(created.id, /^run_/);
  const seen = new Set();
  let run = created;
  const raw = await c.beta.threads.runs.retrieve(run.id, { thread_id: thread.id }).withResponse();
  // while the run is active (timing-dependent here; the unit tests pin it down) it says when to poll
  if (['queued', 'in_progress'].includes(raw.data.status)) {
    assert.ok(Number(raw.response.headers.get('openai-poll-after-ms')) > 0);
  } else {
    assert.equal(raw.response.headers.get('openai-poll-after-ms'), null);
  }
  while (['queued', 'in_progress'].includes(run.status)) {
    seen.add(run.status);
    await new Promise((r) => setTimeout(r, 5));
    run = await c.beta.threads.runs.retrieve(run.id, { thread_id: thread.id });
  }
  assert.ok(seen.has('queued'));
  assert.equal(run.status, 'completed');

  const polled = await c.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, { pollIntervalMs: 5 });
  assert.equal(polled.status, 'completed');
  assert.ok(polled.usage.total_tokens > 0);
  assert.equal(polled.instructions, 'Be brief.');
  const messages = await c.beta.threads.messages.list(thread.id, { run_id: polled.id });
  assert.equal(messages.data.length, 1);
  assert.equal(messages.data[0].role, 'assistant');
  assert.equal(messages.data[0].content[0].text.value, 'You said: hello there');
  const steps = await c.beta.threads.runs.steps.list(polled.id, { thread_id: thread.id });
  assert.equal(steps.data.length, 1);
  assert.equal(steps.data[0].type, 'message_creation');
  assert.match(steps.data[0].id, /^step_/);
  const step = await c.beta.threads.runs.steps.retrieve(steps.data[0].id, { thread_id: thread.id, run_id: polled.id });
  assert.equal(step.step_details.message_creation.message_id, messages.data[0].id);
  const runs = await c.beta.threads.runs.list(thread.id, { limit: 1 });
  assert.equal(runs.data[0].id, polled.id);
  assert.equal(runs.has_more, true);
  const updated = await c.beta.threads.runs.update(polled.id, { thread_id: thread.id, metadata: { k: 'v' } });
  assert.deepEqual(updated.metadata, { k: 'v' });
});

test('runs.stream: text deltas, event order and finalMessages()', async () => {
  const c = emu.client;
  const thread = await threadWith('stream me please');
  const events = [];
  let text = '';
  const stream = c.beta.threads.runs
    .stream(thread.id, { assistant_id: assistant.id })
    .on('event', (e) => events.push(e.event))
    .on('textDelta', (d) => { text += d.value; });
  const messages = await stream.finalMessages();
  const run = await stream.finalRun();
  assert.equal(run.status, 'completed');
  assert.equal(text, 'You said: stream me please');
  assert.equal(messages.length, 1);
  assert.equal(messages[0].content[0].text.value, 'You said: stream me please');
  assert.deepEqual(events.filter((e) => e !== 'thread.message.delta'), [
    'thread.run.created', 'thread.run.queued', 'thread.run.in_progress',
    'thread.run.step.created', 'thread.run.step.in_progress',
    'thread.message.created', 'thread.message.in_progress',
    'thread.message.completed', 'thread.run.step.completed', 'thread.run.completed',
  ]);
  assert.ok(events.filter((e) => e === 'thread.message.delta').length >= 4);
});

test('requires_action round trip with parallel calls through submitToolOutputsStream', async () => {
  const c = emu.client;
  const thread = await threadWith('weather?\n/call get_weather {"city":"Paris"}\n/call get_weather {"city":"Rome"}');
  const stream = c.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id });
  const run = await stream.finalRun();
  assert.equal(run.status, 'requires_action');
  const calls = run.required_action.submit_tool_outputs.tool_calls;
  assert.equal(calls.length, 2);
  assert.deepEqual(calls.map((x) => JSON.parse(x.function.arguments).city), ['Paris', 'Rome']);
  assert.ok(calls.every((x) => x.function.name === 'get_weather' && /^call_/.test(x.id)));

  // not every output: refused
  await assert.rejects(
    c.beta.threads.runs.submitToolOutputs(run.id, { thread_id: thread.id, tool_outputs: [{ tool_call_id: calls[0].id, output: 'x' }] }),
    (e) => e.status === 400);
  // a message while the run is active: refused
  await assert.rejects(c.beta.threads.messages.create(thread.id, { role: 'user', content: 'hi' }),
    (e) => e.status === 400 && /while a run .* is active/.test(e.message));

  let text = '';
  const events = [];
  const cont = c.beta.threads.runs
    .submitToolOutputsStream(run.id, {
      thread_id: thread.id,
      tool_outputs: calls.map((x, i) => ({ tool_call_id: x.id, output: i === 0 ? '21C' : '25C' })),
    })
    .on('event', (e) => events.push(e.event))
    .on('textDelta', (d) => { text += d.value; });
  const finalRun = await cont.finalRun();
  assert.equal(finalRun.status, 'completed');
  assert.equal(events[0], 'thread.run.step.completed');
  assert.equal(events[1], 'thread.run.queued');
  assert.match(text, /21C/);
  assert.match(text, /25C/);
  const steps = await c.beta.threads.runs.steps.list(run.id, { thread_id: thread.id, order: 'asc' });
  assert.deepEqual(steps.data.map((s) => s.type), ['tool_calls', 'message_creation']);
  assert.deepEqual(steps.data[0].step_details.tool_calls.map((t) => t.function.output), ['21C', '25C']);
  // tool outputs on a completed run: refused
  await assert.rejects(
    c.beta.threads.runs.submitToolOutputs(run.id, { thread_id: thread.id, tool_outputs: [{ tool_call_id: calls[0].id, output: 'x' }] }),
    (e) => e.status === 400 && /do not accept tool outputs/.test(e.message));
});

test('requires_action through polling: submitToolOutputsAndPoll', async () => {
  const c = emu.client;
  const thread = await threadWith('/call get_weather {"city":"Oslo"}');
  const run = await c.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, { pollIntervalMs: 5 });
  assert.equal(run.status, 'requires_action');
  const id = run.required_action.submit_tool_outputs.tool_calls[0].id;
  const done = await c.beta.threads.runs.submitToolOutputsAndPoll(run.id,
    { thread_id: thread.id, tool_outputs: [{ tool_call_id: id, output: 'snow' }] }, { pollIntervalMs: 5 });
  assert.equal(done.status, 'completed');
  const msgs = await c.beta.threads.messages.list(thread.id, { limit: 1 });
  assert.equal(msgs.data[0].content[0].text.value, 'Tool outputs: get_weather -> snow.');
});

test('an unknown function name fails the run', async () => {
  const c = emu.client;
  const thread = await threadWith('/call launch_rockets {}');
  const run = await c.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, { pollIntervalMs: 5 });
  assert.equal(run.status, 'failed');
  assert.equal(run.last_error.code, 'invalid_prompt');
  assert.match(run.last_error.message, /launch_rockets/);
});

test('scripted turns: text in chunks, streamed tool call arguments, fail, incomplete', async () => {
  const c = emu.client;
  const thread = await emu.client.beta.threads.create();
  await emu.script({
    thread_id: thread.id,
    turns: [
      { text: 'abcdefghij', chunks: 5 },
      { tool_calls: [{ name: 'get_weather', arguments: '{"city":"Lima"}' }], argument_chunks: 4 },
      { text: 'after tools' },
      { fail: { code: 'rate_limit_exceeded', message: 'slow down' } },
      { incomplete: 'max_completion_tokens', text: 'one two three four' },
    ],
  });
  const deltas = [];
  const s1 = c.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id }).on('textDelta', (d) => deltas.push(d.value));
  await s1.finalRun();
  assert.deepEqual(deltas, ['ab', 'cd', 'ef', 'gh', 'ij']);

  const argDeltas = [];
  const s2 = c.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id })
    .on('toolCallDelta', (d) => { if (d.function?.arguments) argDeltas.push(d.function.arguments); });
  const r2 = await s2.finalRun();
  assert.equal(r2.status, 'requires_action');
  assert.equal(argDeltas.length, 4);
  assert.equal(argDeltas.join(''), '{"city":"Lima"}');
  const callId = r2.required_action.submit_tool_outputs.tool_calls[0].id;
  const s3 = c.beta.threads.runs.submitToolOutputsStream(r2.id, { thread_id: thread.id, tool_outputs: [{ tool_call_id: callId, output: 'ok' }] });
  const m3 = await s3.finalMessages();
  assert.equal(m3[0].content[0].text.value, 'after tools');

  const r4 = await c.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, { pollIntervalMs: 5 });
  assert.equal(r4.status, 'failed');
  assert.deepEqual(r4.last_error, { code: 'rate_limit_exceeded', message: 'slow down' });

  const r5 = await c.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, { pollIntervalMs: 5 });
  assert.equal(r5.status, 'incomplete');
  assert.equal(r5.incomplete_details.reason, 'max_completion_tokens');
});

test('code_interpreter steps stream input and logs', async () => {
  const c = emu.client;
  const thread = await threadWith('/code print(6*7)');
  const inputs = [];
  const stream = c.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id })
    .on('toolCallDelta', (d) => { if (d.type === 'code_interpreter' && d.code_interpreter?.input) inputs.push(d.code_interpreter.input); });
  const run = await stream.finalRun();
  assert.equal(run.status, 'completed');
  assert.equal(inputs.join(''), 'print(6*7)');
  const steps = await c.beta.threads.runs.steps.list(run.id, { thread_id: thread.id, order: 'asc' });
  const ci = steps.data[0].step_details.tool_calls[0];
  assert.equal(ci.type, 'code_interpreter');
  assert.equal(ci.code_interpreter.outputs[0].logs, 'ran: print(6*7)');
});

test('cancel moves a run through cancelling to cancelled', async () => {
  const c = emu.client;
  const thread = await threadWith('/call get_weather {"city":"Nice"}');
  const run = await c.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, { pollIntervalMs: 5 });
  assert.equal(run.status, 'requires_action');
  const cancelling = await c.beta.threads.runs.cancel(run.id, { thread_id: thread.id });
  assert.equal(cancelling.status, 'cancelling');
  const final = await c.beta.threads.runs.poll(run.id, { thread_id: thread.id }, { pollIntervalMs: 5 });
  assert.equal(final.status, 'cancelled');
  await assert.rejects(c.beta.threads.runs.cancel(run.id, { thread_id: thread.id }), (e) => e.status === 400);
});

test('createThreadAndRun streams thread.created first', async () => {
  const c = emu.client;
  const events = [];
  const stream = c.beta.threads.createAndRunStream({ assistant_id: assistant.id, thread: { messages: [{ role: 'user', content: 'hi' }] } })
    .on('event', (e) => events.push(e.event));
  const run = await stream.finalRun();
  assert.equal(run.status, 'completed');
  assert.equal(events[0], 'thread.created');
  assert.equal(events[1], 'thread.run.created');
  const polled = await c.beta.threads.createAndRunPoll({ assistant_id: assistant.id, thread: { messages: [{ role: 'user', content: 'yo' }] } }, { pollIntervalMs: 5 });
  assert.equal(polled.status, 'completed');
});

test('errors: 404 unknown ids, 400 validation naming the parameter, 400 active run', async () => {
  const c = emu.client;
  await assert.rejects(c.beta.threads.retrieve('thread_nope'), (e) => e.status === 404 && e.error.type === 'invalid_request_error');
  await assert.rejects(c.beta.threads.runs.create('thread_nope', { assistant_id: assistant.id }), (e) => e.status === 404);
  await assert.rejects(c.beta.assistants.create({ model: 'gpt-4o', tools: [{ type: 'bogus' }] }),
    (e) => e.status === 400 && e.param === 'tools[0].type' && /Supported values are/.test(e.message));
  await assert.rejects(c.beta.assistants.create({ model: 'gpt-4o', temperature: 5 }), (e) => e.status === 400 && e.param === 'temperature');
  const md = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
  await assert.rejects(c.beta.threads.create({ metadata: md }), (e) => e.status === 400 && e.param === 'metadata');
  await assert.rejects(c.beta.assistants.list({ limit: 101 }), (e) => e.status === 400 && e.param === 'limit');
  const thread = await threadWith('/call get_weather {"city":"Bern"}');
  const run = await c.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id }, { pollIntervalMs: 5 });
  assert.equal(run.status, 'requires_action');
  await assert.rejects(c.beta.threads.runs.create(thread.id, { assistant_id: assistant.id }),
    (e) => e.status === 400 && /already has an active run/.test(e.message));
  await assert.rejects(c.beta.threads.messages.create(thread.id, { role: 'user', content: 'x' }),
    (e) => e.status === 400 && e.error.message === `Can't add messages to ${thread.id} while a run ${run.id} is active.`);
  // the Beta header is required on the Assistants endpoints
  await assert.rejects(c.beta.assistants.list({}, { headers: { 'OpenAI-Beta': null } }),
    (e) => e.status === 400 && /OpenAI-Beta/.test(e.message));
});

test('401 for a wrong or missing API key', async () => {
  const locked = await startEmulator({ name: 'auth', args: ['--api-key', 'sk-right'], apiKey: 'sk-wrong-key-123456' });
  try {
    await assert.rejects(locked.client.beta.assistants.list(),
      (e) => e.status === 401 && e.code === 'invalid_api_key' && /Incorrect API key provided/.test(e.message));
    const res = await fetch(`${locked.baseURL}/files`, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 401);
    assert.match((await res.json()).error.message, /You didn't provide an API key/);
  } finally {
    assert.equal(await locked.stop(), 0);
  }
});
