// Create, retrieve, update, list with pagination and delete for each resource, through the
// official SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { toFile } from 'openai';
import { startEmulator, weatherTool } from './emulator.mjs';

let emu;
before(async () => { emu = await startEmulator({ name: 'crud' }); });
after(async () => { assert.equal(await emu.stop(), 0); });

async function collect(page) {
  const ids = [];
  for await (const item of page) ids.push(item.id);
  return ids;
}

test('assistants: create, retrieve, update, list pages, delete', async () => {
  const c = emu.client;
  const created = [];
  for (let i = 0; i < 5; i++) {
    created.push(await c.beta.assistants.create({ model: 'gpt-4o', name: `a${i}`, tools: [weatherTool], metadata: { i: String(i) } }));
  }
  const a = created[0];
  assert.match(a.id, /^asst_/);
  assert.equal(a.object, 'assistant');
  assert.equal(typeof a.created_at, 'number');
  assert.equal(a.tools[0].function.name, 'get_weather');
  const got = await c.beta.assistants.retrieve(a.id);
  assert.deepEqual(got, a);
  const updated = await c.beta.assistants.update(a.id, { name: 'renamed', metadata: { k: 'v' } });
  assert.equal(updated.name, 'renamed');
  assert.deepEqual(updated.metadata, { k: 'v' });

  // pagination: desc by default, pages of 2 followed through `after`
  const page1 = await c.beta.assistants.list({ limit: 2 });
  assert.equal(page1.data.length, 2);
  assert.equal(page1.has_more, true);
  assert.deepEqual(page1.data.map((x) => x.id), [created[4].id, created[3].id]);
  const all = await collect(await c.beta.assistants.list({ limit: 2 }));
  assert.deepEqual(all, created.map((x) => x.id).reverse());
  const asc = await c.beta.assistants.list({ limit: 3, order: 'asc' });
  assert.deepEqual(asc.data.map((x) => x.id), created.slice(0, 3).map((x) => x.id));
  assert.equal(asc.body.first_id, created[0].id);
  assert.equal(asc.body.last_id, created[2].id);
  const after2 = await c.beta.assistants.list({ order: 'asc', after: created[1].id, limit: 100 });
  assert.deepEqual(after2.data.map((x) => x.id), created.slice(2).map((x) => x.id));
  assert.equal(after2.has_more, false);
  const beforeLast = await c.beta.assistants.list({ order: 'asc', before: created[4].id, limit: 2 });
  assert.deepEqual(beforeLast.data.map((x) => x.id), [created[2].id, created[3].id]);

  const del = await c.beta.assistants.delete(a.id);
  assert.deepEqual(del, { id: a.id, object: 'assistant.deleted', deleted: true });
  await assert.rejects(c.beta.assistants.retrieve(a.id), (e) => e.status === 404 && /No assistant found/.test(e.message));
});

test('threads and messages: create, retrieve, update, list pages, delete', async () => {
  const c = emu.client;
  const thread = await c.beta.threads.create({ messages: [{ role: 'user', content: 'first' }], metadata: { topic: 't' } });
  assert.match(thread.id, /^thread_/);
  assert.equal(thread.object, 'thread');
  assert.deepEqual((await c.beta.threads.retrieve(thread.id)).metadata, { topic: 't' });
  assert.deepEqual((await c.beta.threads.update(thread.id, { metadata: { topic: 'u' } })).metadata, { topic: 'u' });

  const msgs = [];
  for (let i = 0; i < 4; i++) {
    msgs.push(await c.beta.threads.messages.create(thread.id, { role: 'user', content: `m${i}` }));
  }
  assert.match(msgs[0].id, /^msg_/);
  assert.equal(msgs[0].content[0].text.value, 'm0');
  const got = await c.beta.threads.messages.retrieve(msgs[1].id, { thread_id: thread.id });
  assert.equal(got.content[0].text.value, 'm1');
  const upd = await c.beta.threads.messages.update(msgs[1].id, { thread_id: thread.id, metadata: { x: 'y' } });
  assert.deepEqual(upd.metadata, { x: 'y' });
  const ids = await collect(await c.beta.threads.messages.list(thread.id, { limit: 2, order: 'asc' }));
  assert.equal(ids.length, 5);
  assert.deepEqual(ids.slice(1), msgs.map((m) => m.id));
  const del = await c.beta.threads.messages.delete(msgs[0].id, { thread_id: thread.id });
  assert.equal(del.deleted, true);
  assert.equal(del.object, 'thread.message.deleted');
  assert.equal((await collect(await c.beta.threads.messages.list(thread.id))).length, 4);

  const tdel = await c.beta.threads.delete(thread.id);
  assert.deepEqual(tdel, { id: thread.id, object: 'thread.deleted', deleted: true });
  await assert.rejects(c.beta.threads.retrieve(thread.id), (e) => e.status === 404);
});

test('files: upload, retrieve, content, list, delete', async () => {
  const c = emu.client;
  const text = 'Paris is the capital of France.\n';
  const f = await c.files.create({ file: await toFile(Buffer.from(text), 'facts.txt'), purpose: 'assistants' });
  assert.match(f.id, /^file-/);
  assert.equal(f.object, 'file');
  assert.equal(f.bytes, text.length);
  assert.equal(f.filename, 'facts.txt');
  assert.equal(f.purpose, 'assistants');
  assert.deepEqual(await c.files.retrieve(f.id), f);
  const content = await c.files.content(f.id);
  assert.equal(await content.text(), text);
  const f2 = await c.files.create({ file: await toFile(Buffer.from('x'), 'b.txt'), purpose: 'assistants' });
  const listed = await c.files.list({ limit: 1 });
  assert.equal(listed.data[0].id, f2.id);
  assert.equal(listed.has_more, true);
  const del = await c.files.delete(f.id);
  assert.deepEqual(del, { id: f.id, object: 'file', deleted: true });
  await assert.rejects(c.files.retrieve(f.id), (e) => e.status === 404);
});

test('uploads: create, parts, complete, cancel', async () => {
  const c = emu.client;
  const up = await c.uploads.create({ bytes: 6, filename: 'u.txt', mime_type: 'text/plain', purpose: 'assistants' });
  assert.match(up.id, /^upload_/);
  assert.equal(up.status, 'pending');
  const p1 = await c.uploads.parts.create(up.id, { data: await toFile(Buffer.from('abc'), 'p1') });
  const p2 = await c.uploads.parts.create(up.id, { data: await toFile(Buffer.from('def'), 'p2') });
  assert.match(p1.id, /^part_/);
  assert.equal(p1.object, 'upload.part');
  const done = await c.uploads.complete(up.id, { part_ids: [p1.id, p2.id] });
  assert.equal(done.status, 'completed');
  assert.equal(done.file.bytes, 6);
  assert.equal(await (await c.files.content(done.file.id)).text(), 'abcdef');
  const up2 = await c.uploads.create({ bytes: 1, filename: 'v.txt', mime_type: 'text/plain', purpose: 'assistants' });
  assert.equal((await c.uploads.cancel(up2.id)).status, 'cancelled');
});

test('vector stores and their files: create, retrieve, update, list, delete', async () => {
  const c = emu.client;
  const vs = await c.vectorStores.create({ name: 'docs', metadata: { a: 'b' } });
  assert.match(vs.id, /^vs_/);
  assert.equal(vs.object, 'vector_store');
  assert.equal(vs.file_counts.total, 0);
  assert.equal((await c.vectorStores.update(vs.id, { name: 'docs2' })).name, 'docs2');
  const vs2 = await c.vectorStores.create({ name: 'other' });
  const listed = await c.vectorStores.list({ limit: 1 });
  assert.equal(listed.data[0].id, vs2.id);
  assert.equal(listed.has_more, true);
  const f = await c.files.create({ file: await toFile(Buffer.from('some words'), 'w.txt'), purpose: 'assistants' });
  const vf = await c.vectorStores.files.createAndPoll(vs.id, { file_id: f.id }, { pollIntervalMs: 10 });
  assert.equal(vf.status, 'completed');
  assert.equal(vf.object, 'vector_store.file');
  assert.equal((await c.vectorStores.files.retrieve(f.id, { vector_store_id: vs.id })).status, 'completed');
  const upd = await c.vectorStores.files.update(f.id, { vector_store_id: vs.id, attributes: { lang: 'en' } });
  assert.deepEqual(upd.attributes, { lang: 'en' });
  assert.equal((await c.vectorStores.files.list(vs.id)).data.length, 1);
  assert.equal((await c.vectorStores.retrieve(vs.id)).file_counts.completed, 1);
  const fdel = await c.vectorStores.files.delete(f.id, { vector_store_id: vs.id });
  assert.equal(fdel.object, 'vector_store.file.deleted');
  const del = await c.vectorStores.delete(vs.id);
  assert.deepEqual(del, { id: vs.id, object: 'vector_store.deleted', deleted: true });
  await assert.rejects(c.vectorStores.retrieve(vs.id), (e) => e.status === 404);
});
