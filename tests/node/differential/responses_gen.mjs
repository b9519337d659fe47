// A seeded, deterministic generator of Responses API event streams (SSE text), one of each kind
// in turn: text (several messages, annotations), 8 parallel function calls with their argument
// deltas one call after the other or interleaved, reasoning (summaries and reasoning text),
// refusal, incomplete, failed, unknown event types, a keepalive before response.created, error
// events (flat and nested) and streams cut before their end. Line endings LF, CRLF or CR; keepalive events, comments, `obfuscation`
// fields and data split over several `data:` lines sprinkled in.
//
// Each stream comes with what it must give: `expect` ('ok', 'stream_error', 'stream_truncated'),
// `terminal` (the terminal event's response, for 'ok'), and `sdkCopes` (false where the official
// SDK cannot: it throws on unknown event types and on a keepalive before response.created, and
// returns its last snapshot, without an error, from a stream cut before its end).
import { mulberry32 } from './gen.mjs';

export const KINDS = ['text', 'calls_sequential', 'calls_interleaved', 'reasoning', 'refusal',
  'incomplete', 'failed', 'unknown_events', 'keepalive_first', 'error_flat', 'error_nested',
  'truncated', 'mixed'];

const WORDS = ['the', 'weather', 'in', 'Paris', 'is', 'sunny', 'and', 'warm', 'é', '日本',
  'quote"s', 'back\\slash', 'new\nline', 'tab\t', '🙂', 'data:', 'event: x', '[DONE]', '\r'];

export function generateResponseStream(seed, kind) {
  const rnd = mulberry32(seed);
  const int = (n) => Math.floor(rnd() * n);
  const pick = (xs) => xs[int(xs.length)];
  const chance = (p) => rnd() < p;
  const nl = pick(['\n', '\r\n', '\r']);
  const out = [];
  let seq = 0;
  const responseId = `resp_${seed}_${int(1e9).toString(36)}`;
  let n = 0;
  const id = (prefix) => `${prefix}_${seed}_${++n}`;

  const emit = (type, fields) => {
    const data = { type, sequence_number: seq++, ...fields };
    if (seq > 1 && chance(0.05)) out.push(`: keep-alive${nl}${nl}`);
    if (seq > 1 && chance(0.04)) out.push(`event: keepalive${nl}data: {"type":"keepalive"}${nl}${nl}`);
    let lines;
    if (chance(0.06)) {
      lines = JSON.stringify(data, null, 1).split('\n').map((l) => `data: ${l}`);
    } else {
      lines = [`data: ${JSON.stringify(data)}`];
    }
    out.push(`event: ${type}${nl}${lines.join(nl)}${nl}${nl}`);
  };
  const obf = () => (chance(0.5) ? { obfuscation: 'x'.repeat(int(8)) } : {});

  const response = (status, output, extra = {}) => ({
    id: responseId, object: 'response', created_at: 1760000000 + seed, status,
    background: false, error: null, incomplete_details: null, instructions: null,
    max_output_tokens: null, model: 'gpt-test', output, parallel_tool_calls: true,
    previous_response_id: null, reasoning: { effort: null, summary: null }, store: true,
    temperature: 1.0, text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [],
    top_p: 1.0, truncation: 'disabled', usage: null, metadata: {}, ...extra,
  });
  const words = (k) => Array.from({ length: k }, () => pick(WORDS)).join(' ');
  const split = (s) => {
    const cps = Array.from(s); // never split a code point
    const parts = [];
    for (let i = 0; i < cps.length;) {
      const m = 1 + int(7);
      parts.push(cps.slice(i, i + m).join(''));
      i += m;
    }
    return parts.length ? parts : [''];
  };

  const output = []; // the items as the terminal response holds them
  const textPart = (text) => ({ type: 'output_text', text, annotations: [], logprobs: [] });

  // A message at output index `index`; `finish` false leaves it in progress (cut by the end).
  const message = (parts, finish = true) => {
    const index = output.length;
    const itemId = id('msg');
    const item = { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    output.push(item);
    emit('response.output_item.added', { output_index: index, item: structuredClone(item) });
    parts.forEach((p, ci) => {
      const empty = p.kind === 'refusal' ? { type: 'refusal', refusal: '' } : textPart('');
      emit('response.content_part.added', { item_id: itemId, output_index: index, content_index: ci, part: empty });
      item.content.push(structuredClone(empty));
      if (p.kind === 'refusal') {
        for (const d of split(p.text)) {
          emit('response.refusal.delta', { item_id: itemId, output_index: index, content_index: ci, delta: d, ...obf() });
          item.content[ci].refusal += d;
        }
        if (!finish) return;
        emit('response.refusal.done', { item_id: itemId, output_index: index, content_index: ci, refusal: p.text });
      } else {
        for (const d of split(p.text)) {
          emit('response.output_text.delta', { item_id: itemId, output_index: index, content_index: ci, delta: d, logprobs: [], ...obf() });
          item.content[ci].text += d;
        }
        (p.annotations ?? []).forEach((a, ai) => {
          emit('response.output_text.annotation.added', { item_id: itemId, output_index: index, content_index: ci, annotation_index: ai, annotation: a });
          item.content[ci].annotations.push(a);
        });
        if (!finish) return;
        emit('response.output_text.done', { item_id: itemId, output_index: index, content_index: ci, text: p.text, logprobs: [] });
      }
      emit('response.content_part.done', { item_id: itemId, output_index: index, content_index: ci, part: structuredClone(item.content[ci]) });
    });
    if (!finish) return item;
    item.status = 'completed';
    emit('response.output_item.done', { output_index: index, item: structuredClone(item) });
    return item;
  };

  const annotation = (text) => {
    const start = int(Math.max(1, text.length));
    return pick([
      { type: 'url_citation', url: `https://example.com/${int(100)}`, title: words(2), start_index: start, end_index: start + 1 },
      { type: 'file_citation', file_id: `file-${int(1000)}`, filename: 'notes.txt', index: start },
    ]);
  };

  // `count` parallel function calls, their deltas in call order or interleaved at random.
  const calls = (count, interleaved) => {
    const calls = [];
    for (let k = 0; k < count; ++k) {
      const index = output.length;
      const args = JSON.stringify({ city: words(1 + int(2)), days: int(10), note: words(int(4)) });
      const item = { id: id('fc'), type: 'function_call', status: 'in_progress', arguments: '', call_id: id('call'), name: pick(['get_weather', 'lookup', 'sum']) };
      output.push(item);
      emit('response.output_item.added', { output_index: index, item: structuredClone(item) });
      calls.push({ index, item, args, pieces: split(args) });
    }
    const deltas = [];
    if (interleaved) {
      const queues = calls.map((c) => [...c.pieces]);
      while (queues.some((q) => q.length)) {
        const live = queues.map((q, i) => [q, i]).filter(([q]) => q.length);
        const [q, i] = pick(live);
        deltas.push([calls[i], q.shift()]);
      }
    } else {
      for (const c of calls) for (const p of c.pieces) deltas.push([c, p]);
    }
    for (const [c, d] of deltas) {
      emit('response.function_call_arguments.delta', { item_id: c.item.id, output_index: c.index, delta: d, ...obf() });
      c.item.arguments += d;
    }
    for (const c of calls) {
      emit('response.function_call_arguments.done', { item_id: c.item.id, output_index: c.index, name: c.item.name, arguments: c.args });
      c.item.status = 'completed';
      emit('response.output_item.done', { output_index: c.index, item: structuredClone(c.item) });
    }
  };

  const reasoning = () => {
    const index = output.length;
    const item = { id: id('rs'), type: 'reasoning', summary: [], content: [], encrypted_content: null, status: 'in_progress' };
    output.push(item);
    emit('response.output_item.added', { output_index: index, item: structuredClone(item) });
    const summaries = 1 + int(2);
    for (let si = 0; si < summaries; ++si) {
      const text = words(3 + int(6));
      emit('response.reasoning_summary_part.added', { item_id: item.id, output_index: index, summary_index: si, part: { type: 'summary_text', text: '' } });
      item.summary.push({ type: 'summary_text', text: '' });
      for (const d of split(text)) {
        emit('response.reasoning_summary_text.delta', { item_id: item.id, output_index: index, summary_index: si, delta: d, ...obf() });
        item.summary[si].text += d;
      }
      emit('response.reasoning_summary_text.done', { item_id: item.id, output_index: index, summary_index: si, text });
      emit('response.reasoning_summary_part.done', { item_id: item.id, output_index: index, summary_index: si, part: { type: 'summary_text', text } });
    }
    const text = words(4 + int(6));
    emit('response.content_part.added', { item_id: item.id, output_index: index, content_index: 0, part: { type: 'reasoning_text', text: '' } });
    item.content.push({ type: 'reasoning_text', text: '' });
    for (const d of split(text)) {
      emit('response.reasoning_text.delta', { item_id: item.id, output_index: index, content_index: 0, delta: d, ...obf() });
      item.content[0].text += d;
    }
    emit('response.reasoning_text.done', { item_id: item.id, output_index: index, content_index: 0, text });
    emit('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part: { type: 'reasoning_text', text } });
    item.status = 'completed';
    emit('response.output_item.done', { output_index: index, item: structuredClone(item) });
  };

  const usage = () => ({ input_tokens: 10 + int(50), input_tokens_details: { cached_tokens: 0 }, output_tokens: 5 + int(200), output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 300 });

  let sdkCopes = true;
  if (kind === 'keepalive_first') {
    // a slow start: the server keeps the connection alive before its first event
    out.push(`: waiting${nl}${nl}event: keepalive${nl}data: {"type":"keepalive","sequence_number":0}${nl}${nl}`);
    seq = 1;
    sdkCopes = false; // the SDK requires response.created first and throws
  }
  emit('response.created', { response: response(chance(0.3) ? 'queued' : 'in_progress', []) });
  if (chance(0.5)) emit('response.in_progress', { response: response('in_progress', []) });

  let expect = 'ok';
  let terminal = null;
  const unknown = () => {
    emit(pick(['response.hologram.delta', 'response.future_tool_call.in_progress', 'session.note']), { output_index: 0, payload: { deep: [1, 2, { x: 'y' }] } });
    sdkCopes = false; // the SDK's accumulateResponse throws on a type it does not know
  };
  const finish = (status, extra = {}) => {
    terminal = response(status, structuredClone(output), { usage: usage(), ...extra });
    emit(`response.${status}`, { response: terminal });
  };

  switch (kind) {
    case 'text': {
      const m = 1 + int(3);
      for (let i = 0; i < m; ++i) {
        const text = words(2 + int(12));
        message([{ kind: 'text', text, annotations: chance(0.4) ? [annotation(text), annotation(text)] : [] }]);
      }
      finish('completed');
      break;
    }
    case 'calls_sequential':
    case 'calls_interleaved':
      if (chance(0.3)) message([{ kind: 'text', text: words(3) }]);
      calls(8, kind === 'calls_interleaved');
      finish('completed');
      break;
    case 'reasoning':
      reasoning();
      message([{ kind: 'text', text: words(5) }]);
      finish('completed');
      break;
    case 'refusal':
      message([{ kind: 'refusal', text: words(6) }]);
      finish('completed');
      break;
    case 'incomplete': {
      const item = message([{ kind: 'text', text: words(8) }], false);
      item.status = 'incomplete';
      emit('response.output_item.done', { output_index: 0, item: structuredClone(item) });
      finish('incomplete', { incomplete_details: { reason: 'max_output_tokens' } });
      break;
    }
    case 'failed':
      if (chance(0.5)) message([{ kind: 'text', text: words(4) }], false);
      finish('failed', { error: { code: 'server_error', message: 'The model failed.' } });
      break;
    case 'unknown_events':
      unknown();
      message([{ kind: 'text', text: words(5) }]);
      unknown();
      if (chance(0.5)) calls(2, true);
      finish('completed');
      break;
    case 'error_flat':
      message([{ kind: 'text', text: words(3) }], false);
      emit('error', { code: 'server_error', message: 'Something broke.', param: null });
      expect = 'stream_error'; // (the SDK throws too: it emits the event on its 'error' channel)
      break;
    case 'error_nested':
      message([{ kind: 'text', text: words(3) }], false);
      emit('error', { error: { type: 'server_error', code: 'server_error', message: 'Something broke.', param: null } });
      expect = 'stream_error';
      break;
    case 'truncated':
      message([{ kind: 'text', text: words(6) }], chance(0.5));
      if (chance(0.5)) out.push(`event: response.output_text.delta${nl}data: {"type":"response.out`);
      expect = 'stream_truncated';
      sdkCopes = false; // the SDK returns its last snapshot as if the stream had ended
      break;
    case 'keepalive_first':
      message([{ kind: 'text', text: words(4) }]);
      finish('completed');
      break;
    case 'mixed':
    default:
      if (chance(0.5)) reasoning();
      message([{ kind: 'text', text: words(4) }, { kind: 'refusal', text: words(2) }]);
      calls(1 + int(8), chance(0.5));
      message([{ kind: 'text', text: words(6), annotations: [annotation('abcdef')] }]);
      finish('completed');
      break;
  }
  return { text: out.join(''), expect, sdkCopes, terminal, kind, nl };
}
