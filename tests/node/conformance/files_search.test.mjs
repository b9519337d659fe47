// Vector stores through the official SDK: fileBatches.uploadAndPoll, files.uploadAndPoll, lexical
// search ranking, and the file_search tool with file_citation annotations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { toFile } from 'openai';
import { startEmulator } from './emulator.mjs';

let emu;
before(async () => { emu = await startEmulator({ name: 'files_search' }); });
after(async () => { assert.equal(await emu.stop(), 0); });

const docs = {
  'cats.txt': 'Cats are small carnivorous mammals. A cat sleeps most of the day.\n\nCats purr when content.',
  'rockets.txt': 'Rockets burn propellant to produce thrust. Orbital rockets need staging.',
  'bread.txt': 'Bread is baked from dough made of flour and water, leavened with yeast.',
};

async function store() {
  const vs = await emu.client.vectorStores.create({ name: 'kb' });
  const files = await Promise.all(Object.entries(docs).map(([name, text]) => toFile(Buffer.from(text), name)));
  const batch = await emu.client.vectorStores.fileBatches.uploadAndPoll(vs.id, { files }, { pollIntervalMs: 10 });
  return { vs, batch };
}

test('fileBatches.uploadAndPoll completes with file_counts', async () => {
  const { vs, batch } = await store();
  assert.match(batch.id, /^vsfb_/);
  assert.equal(batch.object, 'vector_store.files_batch');
  assert.equal(batch.status, 'completed');
  assert.deepEqual(batch.file_counts, { in_progress: 0, completed: 3, failed: 0, cancelled: 0, total: 3 });
  const listed = await emu.client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: vs.id });
  assert.equal(listed.data.length, 3);
  const again = await emu.client.vectorStores.retrieve(vs.id);
  assert.equal(again.status, 'completed');
  assert.equal(again.file_counts.completed, 3);
  assert.ok(again.usage_bytes > 0);
});

test('a fresh vector store file is in_progress first, then completed', async () => {
  const vs = await emu.client.vectorStores.create({ name: 'slow' });
  const f = await emu.client.files.create({ file: await toFile(Buffer.from('hello'), 'h.txt'), purpose: 'assistants' });
  const vf = await emu.client.vectorStores.files.create(vs.id, { file_id: f.id });
  assert.equal(vf.status, 'in_progress');
  const counts = (await emu.client.vectorStores.retrieve(vs.id)).file_counts;
  assert.equal(counts.in_progress + counts.completed, 1); // processing takes --file-processing-ms
  const done = await emu.client.vectorStores.files.poll(vs.id, f.id, { pollIntervalMs: 10 });
  assert.equal(done.status, 'completed');
  const up = await emu.client.vectorStores.files.uploadAndPoll(vs.id, await toFile(Buffer.from('more'), 'm.txt'), { pollIntervalMs: 10 });
  assert.equal(up.status, 'completed');
  const content = await emu.client.vectorStores.files.content(f.id, { vector_store_id: vs.id });
  const parts = [];
  for await (const p of content) parts.push(p.text);
  assert.deepEqual(parts, ['hello']);
});

test('search ranks the matching document first', async () => {
  const { vs } = await store();
  const page = await emu.client.vectorStores.search(vs.id, { query: 'why do cats purr', max_num_results: 2 });
  assert.ok(page.data.length >= 1);
  assert.equal(page.data[0].filename, 'cats.txt');
  assert.ok(page.data[0].score > 0 && page.data[0].score <= 1);
  for (let i = 1; i < page.data.length; i++) assert.ok(page.data[i - 1].score >= page.data[i].score);
  const none = await emu.client.vectorStores.search(vs.id, { query: 'quantum chromodynamics' });
  assert.equal(none.data.length, 0);
  const rocket = await emu.client.vectorStores.search(vs.id, { query: ['thrust', 'staging'] });
  assert.equal(rocket.data[0].filename, 'rockets.txt');
});

test('the file_search tool cites what it found', async () => {
  const { vs } = await store();
  const c = emu.client;
  const assistant = await c.beta.assistants.create({
    model: 'gpt-4o', tools: [{ type: 'file_search' }], tool_resources: { file_search: { vector_store_ids: [vs.id] } },
  });
  const thread = await c.beta.threads.create({ messages: [{ role: 'user', content: '/search yeast flour' }] });
  const stream = c.beta.threads.runs.stream(thread.id, { assistant_id: assistant.id });
  const messages = await stream.finalMessages();
  const run = await stream.finalRun();
  assert.equal(run.status, 'completed');
  const text = messages[0].content[0].text;
  const cite = text.annotations[0];
  assert.equal(cite.type, 'file_citation');
  const bread = (await c.files.list()).data.find((f) => f.filename === 'bread.txt');
  const steps = await c.beta.threads.runs.steps.list(run.id, { thread_id: thread.id, order: 'asc' });
  const fs = steps.data[0].step_details.tool_calls[0];
  assert.equal(fs.type, 'file_search');
  assert.equal(fs.file_search.results[0].file_name, 'bread.txt');
  assert.equal(fs.file_search.results[0].file_id, cite.file_citation.file_id);
  assert.ok(bread);
  assert.equal([...text.value].slice(cite.start_index, cite.end_index).join(''), cite.text);
  assert.equal(fs.file_search.results[0].content, undefined);
  const withContent = await c.beta.threads.runs.steps.retrieve(steps.data[0].id, {
    thread_id: thread.id, run_id: run.id, include: ['step_details.tool_calls[*].file_search.results[*].content'],
  });
  assert.match(withContent.step_details.tool_calls[0].file_search.results[0].content[0].text, /yeast/);
});
