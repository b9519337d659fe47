// The Conversations API through the official SDK, over TLS with the self-signed CA: CRUD, items
// create/list/get/delete, pagination in both orders over more than 250 items, duplicates, and a
// full tool loop by `conversation`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEmulator, weatherFunction } from './emulator.mjs';

let emu;
before(async () => { emu = await startEmulator({ name: 'conversations', tls: true }); });
after(async () => { assert.equal(await emu.stop(), 0); });

test('conversations CRUD', async () => {
  const c = emu.client;
  const conv = await c.conversations.create({ metadata: { topic: 'demo' }, items: [{ type: 'message', role: 'user', content: 'hello' }] });
  assert.match(conv.id, /^conv_/);
  assert.equal(conv.object, 'conversation');
  assert.deepEqual(conv.metadata, { topic: 'demo' });
  assert.ok(Math.abs(conv.created_at - Date.now() / 1000) < 60);
  assert.deepEqual(await c.conversations.retrieve(conv.id), conv);
  const updated = await c.conversations.update(conv.id, { metadata: { topic: 'other' } });
  assert.deepEqual(updated.metadata, { topic: 'other' });
  const deleted = await c.conversations.delete(conv.id);
  assert.deepEqual(deleted, { id: conv.id, object: 'conversation.deleted', deleted: true });
  await assert.rejects(c.conversations.retrieve(conv.id),
    (e) => e instanceof OpenAI.NotFoundError && e.message.includes(`Conversation with id '${conv.id}' not found.`));
  await assert.rejects(c.conversations.update('conv_nope', { metadata: {}, bogus: 1 }), (e) => e.status === 400 && e.param === 'bogus');
  await assert.rejects(c.conversations.create({ items: Array.from({ length: 21 }, () => ({ role: 'user', content: 'x' })) }),
    (e) => e.status === 400 && e.param === 'items' && /maximum length 20/.test(e.message));
});

test('items create, list, get and delete, paging over 260 items in both orders', async () => {
  const c = emu.client;
  const conv = await c.conversations.create();
  const ids = [];
  for (let batch = 0; batch < 13; ++batch) {
    const items = Array.from({ length: 20 }, (_, i) => ({ type: 'message', role: 'user', content: `item ${batch * 20 + i}` }));
    const page = await c.conversations.items.create(conv.id, { items });
    assert.equal(page.data.length, 20);
    assert.equal(page.first_id, page.data[0].id);
    assert.equal(page.has_more, false);
    ids.push(...page.data.map((x) => x.id));
  }
  assert.equal(new Set(ids).size, 260);
  assert.ok(ids.every((id) => id.startsWith('msg_')));
  await assert.rejects(c.conversations.items.create(conv.id, { items: Array.from({ length: 21 }, () => ({ role: 'user', content: 'x' })) }),
    (e) => e.status === 400 && e.param === 'items');
  // by hand: limit 100, three pages each way; the default order is desc
  for (const order of [undefined, 'asc']) {
    const seen = [];
    let after;
    for (let pages = 0; pages < 10; ++pages) {
      const page = await c.conversations.items.list(conv.id, { limit: 100, order, after });
      seen.push(...page.data.map((x) => x.id));
      if (!page.has_more) break;
      assert.equal(page.last_id, page.data.at(-1).id);
      after = page.last_id;
    }
    assert.deepEqual(seen, order === 'asc' ? ids : [...ids].reverse());
  }
  // the SDK's auto-pagination
  const all = [];
  for await (const item of c.conversations.items.list(conv.id, { order: 'asc', limit: 37 })) all.push(item.id);
  assert.deepEqual(all, ids);
  await assert.rejects(c.conversations.items.list(conv.id, { limit: 101 }), (e) => e.status === 400 && e.param === 'limit');
  await assert.rejects(c.conversations.items.list(conv.id, { limit: 0 }), (e) => e.status === 400 && e.param === 'limit');
  // get and delete
  const item = await c.conversations.items.retrieve(ids[5], { conversation_id: conv.id });
  assert.equal(item.type, 'message');
  assert.deepEqual(item.content, [{ type: 'input_text', text: 'item 5' }]);
  const after = await c.conversations.items.delete(ids[5], { conversation_id: conv.id });
  assert.equal(after.id, conv.id);
  assert.equal(after.object, 'conversation');
  await assert.rejects(c.conversations.items.retrieve(ids[5], { conversation_id: conv.id }),
    (e) => e instanceof OpenAI.NotFoundError && e.message.includes(`Item with id '${ids[5]}' not found.`));
  const first = await c.conversations.items.list(conv.id, { order: 'asc', limit: 6 });
  assert.deepEqual(first.data.map((x) => x.id), [...ids.slice(0, 5), ids[6]]);
  // an item sent twice is refused
  const dup = await c.conversations.items.retrieve(ids[7], { conversation_id: conv.id });
  await assert.rejects(c.conversations.items.create(conv.id, { items: [dup] }),
    (e) => e.status === 400 && e.message === `400 Duplicate item found with id ${ids[7]}. Remove duplicate items from your input and try again.`);
});

test('a full tool loop by conversation', async () => {
  const c = emu.client;
  const conv = await c.conversations.create();
  const first = await c.responses.create({ model: 'gpt-4o', conversation: conv.id, input: '/call get_weather {"city":"Oslo"}\n/call get_weather {"city":"Rome"}', tools: [weatherFunction] });
  assert.deepEqual(first.conversation, { id: conv.id });
  assert.equal(first.output.length, 2);
  let items = await c.conversations.items.list(conv.id, { order: 'asc' });
  assert.deepEqual(items.data.map((x) => x.type), ['message', 'function_call', 'function_call']);
  assert.equal(items.data[1].id, first.output[0].id);
  // a call item sent again is a duplicate; outputs missing are the service's 400
  await assert.rejects(c.responses.create({ model: 'gpt-4o', conversation: { id: conv.id }, input: [first.output[0]] }),
    (e) => e.status === 400 && e.param === 'input' && e.message.startsWith(`400 Duplicate item found with id ${first.output[0].id}.`));
  await assert.rejects(c.responses.create({ model: 'gpt-4o', conversation: conv.id, input: 'well?' }),
    (e) => e.status === 400 && e.message.startsWith('400 No tool output found for function call'));
  const outputs = first.output.map((o) => ({ type: 'function_call_output', call_id: o.call_id, output: o.arguments.includes('Oslo') ? 'snow' : 'sun' }));
  const stream = c.responses.stream({ model: 'gpt-4o', conversation: { id: conv.id }, input: outputs, tools: [weatherFunction] });
  const final = await stream.finalResponse();
  assert.equal(final.output_text, 'Tool outputs: get_weather -> snow; get_weather -> sun.');
  items = await c.conversations.items.list(conv.id, { order: 'asc' });
  assert.deepEqual(items.data.map((x) => x.type), ['message', 'function_call', 'function_call', 'function_call_output', 'function_call_output', 'message']);
  assert.equal(items.data[5].role, 'assistant');
  // the next turn in the conversation sees everything before it
  const next = await c.responses.create({ model: 'gpt-4o', conversation: conv.id, input: 'thanks' });
  assert.equal(next.output_text, 'You said: thanks');
  assert.ok(next.usage.input_tokens > final.usage.input_tokens);
  // scripted turns on a conversation
  await emu.script({ conversation_id: conv.id, turns: [{ text: 'scripted reply', chunks: 2 }] });
  const scripted = await c.responses.create({ model: 'gpt-4o', conversation: conv.id, input: 'again' });
  assert.equal(scripted.output_text, 'scripted reply');
});
