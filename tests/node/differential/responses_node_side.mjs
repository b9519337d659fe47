// Runs Responses SSE bytes through the official SDK as an application does: an OpenAI client whose
// fetch answers with those bytes, client.responses.stream(), then finalResponse(). Returns
// {error, final_response} as plain JSON, with the fields only the SDK adds removed (output_text,
// output_parsed, parsed_arguments, parsed): they are no part of the service's Response.
import OpenAI from 'openai';

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

export function withoutSdkFields(response) {
  const r = JSON.parse(JSON.stringify(response));
  delete r.output_text;
  delete r.output_parsed;
  for (const item of r.output ?? []) {
    delete item.parsed_arguments;
    for (const part of Array.isArray(item.content) ? item.content : []) delete part.parsed;
  }
  return r;
}

export async function runResponsesSdk(bytes, { chunkSizes = null } = {}) {
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
  try {
    const stream = client.responses.stream({ model: 'gpt-test', input: 'differential' });
    const final = await stream.finalResponse();
    return { error: null, final_response: withoutSdkFields(final) };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e), final_response: null };
  }
}
