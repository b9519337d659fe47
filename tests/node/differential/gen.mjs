// A seeded, deterministic generator of valid Assistants v2 run streams (SSE text): several
// messages with text, image and annotation content parts whose text arrives in many deltas;
// run steps with parallel function calls whose arguments are split across many interleaved
// deltas (sometimes opened out of index order), code interpreter calls with streamed input and
// outputs, file search calls; every run end state; LF or CRLF line endings, comments, data split
// over several `data:` lines.

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['the', 'weather', 'in', 'Paris', 'is', 'sunny', 'and', 'warm', 'é', '日本',
  'quote"s', 'back\\slash', 'new\nline', 'tab\t', '🙂', 'data:', 'event: x', '[DONE]'];

export function generateStream(seed) {
  const rnd = mulberry32(seed);
  const int = (n) => Math.floor(rnd() * n);
  const pick = (xs) => xs[int(xs.length)];
  const chance = (p) => rnd() < p;
  const id = (prefix) => `${prefix}_${seed}_${Math.floor(rnd() * 1e9).toString(36)}`;
  let clock = 1710000000 + seed;
  const now = () => (clock += 1 + int(3));
  const crlf = chance(0.25);
  const nl = crlf ? '\r\n' : '\n';
  const out = [];
  const faults = { outOfOrderCalls: false, reversedAnnotations: false };

  const emit = (event, data) => {
    let text = typeof data === 'string' ? data : JSON.stringify(data);
    if (chance(0.05)) out.push(`: keep-alive${nl}`);
    let lines;
    if (typeof data !== 'string' && chance(0.08)) {
      // JSON split over several data lines; the joining LF is JSON whitespace
      text = JSON.stringify(data, null, 1);
      lines = text.split('\n').map((l) => `data: ${l}`);
    } else {
      lines = [`data: ${text}`];
    }
    out.push(`event: ${event}${nl}${lines.join(nl)}${nl}${nl}`);
  };

  const threadId = id('thread');
  const runId = id('run');
  const assistantId = 'asst_gen';
  const run = (status, extra = {}) => ({
    id: runId, object: 'thread.run', created_at: 1710000000 + seed, assistant_id: assistantId,
    thread_id: threadId, status, started_at: null, expires_at: null, cancelled_at: null,
    failed_at: null, completed_at: null, required_action: null, last_error: null,
    model: 'gpt-4o', instructions: null, tools: [], metadata: {}, temperature: 1.0, top_p: 1.0,
    incomplete_details: null, usage: null, tool_choice: 'auto', parallel_tool_calls: true,
    ...extra,
  });

  if (chance(0.5)) emit('thread.created', { id: threadId, object: 'thread', created_at: now(), metadata: {} });
  emit('thread.run.created', run('queued'));
  emit('thread.run.queued', run('queued'));
  emit('thread.run.in_progress', run('in_progress', { started_at: now() }));

  const step = (stepId, type, status, details, extra = {}) => ({
    id: stepId, object: 'thread.run.step', created_at: now(), run_id: runId,
    assistant_id: assistantId, thread_id: threadId, type, status, cancelled_at: null,
    completed_at: null, expires_at: null, failed_at: null, last_error: null,
    step_details: details, usage: null, ...extra,
  });

  const splitText = (s) => {
    const parts = [];
    let i = 0;
    const cps = Array.from(s); // never split a code point: both sides see valid UTF-8
    while (i < cps.length) {
      const n = 1 + int(6);
      parts.push(cps.slice(i, i + n).join(''));
      i += n;
    }
    return parts.length ? parts : [''];
  };
  const sentence = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');

  const messageStep = () => {
    const stepId = id('step');
    const msgId = id('msg');
    const details = { type: 'message_creation', message_creation: { message_id: msgId } };
    emit('thread.run.step.created', step(stepId, 'message_creation', 'in_progress', details));
    emit('thread.run.step.in_progress', step(stepId, 'message_creation', 'in_progress', details));
    const message = (status, content, extra = {}) => ({
      id: msgId, object: 'thread.message', created_at: 1710000000 + seed, assistant_id: assistantId,
      thread_id: threadId, run_id: runId, status, incomplete_details: null, completed_at: null,
      incomplete_at: null, role: 'assistant', content, attachments: [], metadata: {}, ...extra,
    });
    emit('thread.message.created', message('in_progress', []));
    if (chance(0.7)) emit('thread.message.in_progress', message('in_progress', []));
    const nparts = 1 + int(3);
    const finalContent = [];
    const deltas = []; // each a list of content delta elements
    for (let index = 0; index < nparts; ++index) {
      if (chance(0.2)) {
        const fileId = id('file');
        deltas.push([{ index, type: 'image_file', image_file: { file_id: fileId, detail: 'auto' } }]);
        finalContent.push({ type: 'image_file', image_file: { file_id: fileId, detail: 'auto' } });
        continue;
      }
      const text = sentence(2 + int(25));
      const pieces = splitText(text);
      const annotations = [];
      pieces.forEach((p, k) => {
        deltas.push([{ index, type: 'text', text: k === 0 ? { value: p, annotations: [] } : { value: p } }]);
      });
      const nann = chance(0.5) ? int(4) : 0;
      const annDeltas = [];
      for (let a = 0; a < nann; ++a) {
        const citation = chance(0.5);
        const ann = citation
          ? { index: a, type: 'file_citation', text: `【${a}†source】`, start_index: a * 3, end_index: a * 3 + 2, file_citation: { file_id: id('file') } }
          : { index: a, type: 'file_path', text: `sandbox:/f${a}.csv`, start_index: a * 4, end_index: a * 4 + 3, file_path: { file_id: id('file') } };
        annotations.push(ann);
        annDeltas.push(ann);
      }
      if (annDeltas.length >= 2 && chance(0.3)) {
        // two annotations in one delta, listed in reverse index order: fault 1 in Node
        const [x, y] = [annDeltas.shift(), annDeltas.shift()];
        deltas.push([{ index, type: 'text', text: { value: '', annotations: [y, x] } }]);
        faults.reversedAnnotations = true;
      }
      for (const ann of annDeltas)
        deltas.push([{ index, type: 'text', text: { value: ann.text, annotations: [ann] } }]);
      finalContent.push({ type: 'text', text: { value: text, annotations } });
    }
    // sometimes two content parts advance in one delta event
    for (let k = 0; k < deltas.length; ++k) {
      let content = deltas[k];
      if (k + 1 < deltas.length && chance(0.1)) content = content.concat(deltas[++k]);
      emit('thread.message.delta', { id: msgId, object: 'thread.message.delta', delta: { content } });
    }
    const incomplete = chance(0.1);
    const endedAt = now();
    if (incomplete) {
      emit('thread.message.incomplete', message('incomplete', finalContent, {
        incomplete_at: endedAt, incomplete_details: { reason: 'max_tokens' } }));
    } else {
      emit('thread.message.completed', message('completed', finalContent, { completed_at: endedAt }));
    }
    if (chance(0.85))
      emit('thread.run.step.completed', step(stepId, 'message_creation', 'completed', details, {
        completed_at: now(), usage: { prompt_tokens: 10 + int(90), completion_tokens: 1 + int(50), total_tokens: 200 } }));
    return incomplete ? 'incomplete' : 'ok';
  };

  // Tool calls: function calls end the stream with requires_action (no step.completed), as the
  // API does; code interpreter / file search steps complete.
  const toolStep = (withFunctions) => {
    const stepId = id('step');
    emit('thread.run.step.created', step(stepId, 'tool_calls', 'in_progress', { type: 'tool_calls', tool_calls: [] }));
    if (chance(0.5)) emit('thread.run.step.in_progress', step(stepId, 'tool_calls', 'in_progress', { type: 'tool_calls', tool_calls: [] }));
    const ncalls = withFunctions ? 1 + int(4) : 1 + int(2);
    const calls = []; // per index: list of delta objects in order
    const finals = [];
    for (let index = 0; index < ncalls; ++index) {
      const callId = `call_${seed}_${index}_${int(1e6)}`;
      const kind = withFunctions ? 'function' : pick(['code_interpreter', 'file_search']);
      const ds = [];
      if (kind === 'function') {
        const name = pick(['get_weather', 'lookup', 'send_mail', 'calc']);
        const args = JSON.stringify({ location: sentence(1 + int(4)), unit: pick(['c', 'f']), n: int(100) });
        ds.push({ index, id: callId, type: 'function', function: { name, arguments: '', output: null } });
        for (const p of splitText(args)) ds.push({ index, type: 'function', function: { arguments: p } });
        finals.push({ id: callId, type: 'function', function: { name, arguments: args, output: null } });
      } else if (kind === 'code_interpreter') {
        const input = `print(${int(1000)} * ${int(1000)})\nimport os`;
        ds.push({ index, id: callId, type: 'code_interpreter', code_interpreter: { input: '', outputs: [] } });
        for (const p of splitText(input)) ds.push({ index, type: 'code_interpreter', code_interpreter: { input: p } });
        const outputs = [];
        const nout = int(3);
        for (let o = 0; o < nout; ++o) {
          const output = chance(0.6)
            ? { index: o, type: 'logs', logs: `${int(1e6)}\n` }
            : { index: o, type: 'image', image: { file_id: id('file') } };
          ds.push({ index, type: 'code_interpreter', code_interpreter: { outputs: [output] } });
          const { index: _drop, ...plainOutput } = output;
          outputs.push(plainOutput);
        }
        finals.push({ id: callId, type: 'code_interpreter', code_interpreter: { input, outputs } });
      } else {
        ds.push({ index, id: callId, type: 'file_search', file_search: {} });
        finals.push({ id: callId, type: 'file_search', file_search: { ranking_options: { ranker: 'auto', score_threshold: 0 }, results: [] } });
      }
      calls.push(ds);
    }
    // open the calls in index order, or (sometimes, with several calls) out of order
    const order = calls.map((_, i) => i);
    if (ncalls > 1 && chance(0.35)) {
      for (let i = order.length - 1; i > 0; --i) {
        const j = int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      if (order[0] !== 0) faults.outOfOrderCalls = true;
    }
    const cursors = order.map(() => 0);
    for (const i of order) { // the first delta of each call, in opening order
      emit('thread.run.step.delta', { id: stepId, object: 'thread.run.step.delta', delta: { step_details: { type: 'tool_calls', tool_calls: [calls[i][0]] } } });
      cursors[i] = 1;
    }
    // then the rest, interleaved at random; sometimes two calls advance in one event
    for (;;) {
      const open = order.filter((i) => cursors[i] < calls[i].length);
      if (!open.length) break;
      const batch = [];
      const first = pick(open);
      batch.push(calls[first][cursors[first]++]);
      const others = open.filter((i) => i !== first && cursors[i] < calls[i].length);
      if (others.length && chance(0.2)) {
        const second = pick(others);
        batch.push(calls[second][cursors[second]++]);
      }
      emit('thread.run.step.delta', { id: stepId, object: 'thread.run.step.delta', delta: { step_details: { type: 'tool_calls', tool_calls: batch } } });
    }
    if (!withFunctions) {
      emit('thread.run.step.completed', step(stepId, 'tool_calls', 'completed', { type: 'tool_calls', tool_calls: finals }, { completed_at: now() }));
    }
    return finals;
  };

  const nsteps = 1 + int(4);
  let outcome = 'ok';
  for (let s = 0; s < nsteps && outcome === 'ok'; ++s) {
    const kind = int(3);
    if (kind === 2) toolStep(false);
    else outcome = messageStep();
  }
  let functionCalls = null;
  if (outcome === 'ok' && chance(0.4)) functionCalls = toolStep(true);

  const end = chance(0.06) ? 'none' : functionCalls ? 'requires_action'
    : outcome === 'incomplete' ? 'incomplete'
    : pick(['completed', 'completed', 'completed', 'failed', 'cancelled', 'expired']);
  const usage = { prompt_tokens: 100 + int(100), completion_tokens: int(100), total_tokens: 300 };
  switch (end) {
    case 'requires_action':
      emit('thread.run.requires_action', run('requires_action', { started_at: clock, required_action: {
        type: 'submit_tool_outputs', submit_tool_outputs: { tool_calls: functionCalls.map(({ id, type, function: f }) => ({ id, type, function: { name: f.name, arguments: f.arguments } })) } }, usage }));
      break;
    case 'failed':
      emit('thread.run.failed', run('failed', { failed_at: now(), last_error: { code: 'server_error', message: 'Something went wrong.' }, usage }));
      break;
    case 'cancelled':
      emit('thread.run.cancelling', run('cancelling'));
      emit('thread.run.cancelled', run('cancelled', { cancelled_at: now(), usage }));
      break;
    case 'none':
      break; // a stream without a terminal run event: both sides must report an error
    default:
      emit(`thread.run.${end}`, run(end, { completed_at: end === 'completed' ? now() : null,
        incomplete_details: end === 'incomplete' ? { reason: 'max_completion_tokens' } : null, usage }));
  }
  if (end !== 'none' || chance(0.5)) emit('done', '[DONE]');
  return { text: out.join(''), faults };
}
