// Starts coassist-emulator for one test file (path in COASSIST_EMULATOR), with its request log
// (bodies included) in COASSIST_EMULATOR_LOG_DIR so that ctest can validate every response
// against the spec afterwards. Every wait has a deadline.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync } from 'node:fs';
import { join, basename } from 'node:path';
import OpenAI from 'openai';

export async function startEmulator({ name = 'test', args = [], apiKey = 'sk-test-key' } = {}) {
  const exe = process.env.COASSIST_EMULATOR;
  if (!exe) throw new Error('set COASSIST_EMULATOR to the coassist-emulator binary');
  const logDir = process.env.COASSIST_EMULATOR_LOG_DIR;
  const extra = [];
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    extra.push('--log-requests', join(logDir, `${basename(name)}-${process.pid}-${Date.now()}.jsonl`), '--log-bodies');
  }
  const child = spawn(exe, ['--listen', '127.0.0.1:0', '--run-step-ms', '15', '--file-processing-ms', '20', ...extra, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('emulator did not start within 20 s')), 20000);
    lines.once('line', (line) => { clearTimeout(timer); resolve(line); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`emulator exited with ${code}`)); });
  });
  const match = /^listening on (https?:\/\/\S+\/v1)$/.exec(first);
  if (!match) throw new Error(`unexpected first line: ${first}`);
  const baseURL = match[1];
  const client = new OpenAI({ apiKey, baseURL, maxRetries: 0, timeout: 20000 });
  const stop = async () => {
    if (child.exitCode !== null) return child.exitCode;
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  // POST /v1/_emulator/scripts
  const script = async (body) => {
    const res = await fetch(`${baseURL}/_emulator/scripts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10000),
    });
    if (!res.ok) throw new Error(`script rejected: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return { baseURL, client, stop, script, child };
}

export const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
