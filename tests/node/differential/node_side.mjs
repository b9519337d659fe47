// Runs SSE bytes through the official SDK exactly as an application does: an OpenAI client whose
// fetch answers with those bytes, and client.beta.threads.runs.stream(), which returns the
// SDK's AssistantStream. Returns {error, final_messages, final_run_steps, final_run} as plain
// JSON (JSON.stringify turns array holes into null).
//
// With `corrected: true` the SDK's (`corrected: 'fault1'`: only the first of them) two known faults are corrected, so the result is the
// expectation for coassist:
//  fault 1: AssistantStream.accumulateDelta treats an empty array as an array of primitives and
//           appends, so the first element lands at position 0 whatever its `index`. Corrected by
//           a copy of accumulateDelta that differs only in that test (and adds Node 7's limits).
//  fault 2: a message snapshot keeps `status: in_progress` etc. after thread.message.completed /
//           .incomplete. Corrected by taking that event's fields and keeping the snapshot's
//           accumulated `content`.
import OpenAI from 'openai';
import { AssistantStream } from 'openai/lib/AssistantStream';

const originalAccumulateDelta = AssistantStream.accumulateDelta;

const isObj = (x) => x != null && typeof x === 'object' && !Array.isArray(x);

// openai 6.49.0's accumulateDelta with fault 1 corrected (marked FIX) and the index limits.
function correctedAccumulateDelta(acc, delta) {
  for (const [key, deltaValue] of Object.entries(delta)) {
    if (!acc.hasOwnProperty(key)) {
      acc[key] = deltaValue;
      continue;
    }
    let accValue = acc[key];
    if (accValue === null || accValue === undefined) {
      acc[key] = deltaValue;
      continue;
    }
    if (key === 'index' || key === 'type') {
      acc[key] = deltaValue;
      continue;
    }
    if (typeof accValue === 'string' && typeof deltaValue === 'string') {
      accValue += deltaValue;
    } else if (typeof accValue === 'number' && typeof deltaValue === 'number') {
      accValue += deltaValue;
    } else if (isObj(accValue) && isObj(deltaValue)) {
      accValue = correctedAccumulateDelta(accValue, deltaValue);
    } else if (Array.isArray(accValue) && Array.isArray(deltaValue)) {
      const primitive = accValue.every((x) => typeof x === 'string' || typeof x === 'number');
      // FIX: an empty array receiving objects is an array of objects, merged on index
      if (primitive && !(accValue.length === 0 && deltaValue.some(isObj))) {
        accValue.push(...deltaValue);
        continue;
      }
      for (const deltaEntry of deltaValue) {
        if (!isObj(deltaEntry)) throw new Error(`Expected array delta entry to be an object`);
        const index = deltaEntry['index'];
        if (index == null) throw new Error('Expected array delta entry to have an `index` property');
        if (typeof index !== 'number') throw new Error('Expected a number index');
        if (index >= 65536 || index > accValue.length + 1024) throw new Error('index out of range');
        const accEntry = accValue[index];
        if (accEntry == null) accValue[index] = deltaEntry;
        else accValue[index] = correctedAccumulateDelta(accEntry, deltaEntry);
      }
      continue;
    } else {
      throw Error(`Unhandled record type: ${key}`);
    }
    acc[key] = accValue;
  }
  return acc;
}

function bodyOf(bytes, chunkSizes) {
  let pos = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (pos >= bytes.length) {
        controller.close();
        return;
      }
      const n = chunkSizes ? chunkSizes(i++) : bytes.length;
      controller.enqueue(bytes.subarray(pos, pos + n));
      pos += n;
    },
  });
}

const plain = (x) => (x === undefined ? null : JSON.parse(JSON.stringify(x)));

// bytes: Uint8Array of an SSE stream; chunkSizes: optional (i) => size of read i.
export async function runSdk(bytes, { corrected = false, chunkSizes = null } = {}) {
  const client = new OpenAI({
    apiKey: 'sk-differential',
    baseURL: 'http://127.0.0.1:9/v1',
    maxRetries: 0,
    fetch: async () =>
      new Response(bodyOf(bytes, chunkSizes), {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
      }),
  });
  const fixDelta = corrected === true || corrected === 'fault1';
  const fixCompleted = corrected === true;
  AssistantStream.accumulateDelta = fixDelta ? correctedAccumulateDelta : originalAccumulateDelta;
  const endEvents = new Map(); // message id -> data of its last completed/incomplete event
  try {
    const stream = client.beta.threads.runs.stream('thread_differential', {
      assistant_id: 'asst_differential',
    });
    stream.on('event', (ev) => {
      if (ev.event === 'thread.message.completed' || ev.event === 'thread.message.incomplete')
        endEvents.set(ev.data.id, plain(ev.data));
    });
    let error = null;
    try {
      await stream.done();
    } catch (e) {
      error = String(e && e.message ? e.message : e);
    }
    if (error) return { error, final_messages: [], final_run_steps: [], final_run: null };
    let messages = plain(await stream.finalMessages());
    if (fixCompleted) {
      messages = messages.map((m) => {
        const end = endEvents.get(m.id);
        return end ? { ...end, content: 'content' in m ? m.content : end.content } : m;
      });
    }
    return {
      error: null,
      final_messages: messages,
      final_run_steps: plain(await stream.finalRunSteps()),
      final_run: plain(await stream.finalRun()),
    };
  } finally {
    AssistantStream.accumulateDelta = originalAccumulateDelta;
  }
}
