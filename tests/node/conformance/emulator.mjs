// Starts coassist-emulator for one test file (path in COASSIST_EMULATOR), with its request log
// (bodies included) in COASSIST_EMULATOR_LOG_DIR so that ctest can validate every response
// against the spec afterwards. Every wait has a deadline.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync } from 'node:fs';
import { join, basename } from 'node:path';
import OpenAI from 'openai';

// tls: serve https with the certificate in COASSIST_EMULATOR_CERTS (made by
// emulator/scripts/make_certs.py); node trusts its CA through NODE_EXTRA_CA_CERTS.
export async function startEmulator({ name = 'test', args = [], apiKey = 'sk-test-key', tls = false, timeout = 20000 } = {}) {
  const exe = process.env.COASSIST_EMULATOR;
  if (!exe) throw new Error('set COASSIST_EMULATOR to the coassist-emulator binary');
  const logDir = process.env.COASSIST_EMULATOR_LOG_DIR;
  const extra = [];
  if (tls) {
    const certs = process.env.COASSIST_EMULATOR_CERTS;
    if (!certs || !process.env.NODE_EXTRA_CA_CERTS) throw new Error('set COASSIST_EMULATOR_CERTS and NODE_EXTRA_CA_CERTS (see tests/emulator.cmake)');
    extra.push('--tls-cert', join(certs, 'server.pem'), '--tls-key', join(certs, 'server.key'));
  }
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
  if (tls && !baseURL.startsWith('https://')) throw new Error(`expected https, got ${baseURL}`);
  const client = new OpenAI({ apiKey, baseURL, maxRetries: 0, timeout });
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
  // POST /v1/_emulator/faults
  const fault = async (body) => {
    const res = await fetch(`${baseURL}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10000),
    });
    if (!res.ok) throw new Error(`fault rejected: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return { baseURL, client, stop, script, fault, child };
}

export const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

// a Responses function tool (flat shape), strict-compatible
export const weatherFunction = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather in a city',
  strict: true,
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
};
