// Starts the real agent-sandbox binary on a free loopback port with a fresh
// database in a temporary directory, reads the port from its startup line, and
// stops it with SIGTERM (SIGKILL only if it does not exit). Paths:
//   AGENT_SANDBOX_BINARY    default <repo>/build/agent-sandbox
//   AGENT_SANDBOX_FIXTURES  default <repo>/fixtures
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SPEC_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'spec');

const STARTUP = /serving the Middesk and Modus APIs on http:\/\/127\.0\.0\.1:(\d+) /;

export async function startSandbox({ timeoutMs = 15000 } = {}) {
  const binary = process.env.AGENT_SANDBOX_BINARY || path.join(REPO_ROOT, 'build', 'agent-sandbox');
  const fixtures = process.env.AGENT_SANDBOX_FIXTURES || path.join(REPO_ROOT, 'fixtures');
  if (!fs.existsSync(binary)) throw new Error(`agent-sandbox binary not found at ${binary} (set AGENT_SANDBOX_BINARY)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-contract-'));
  const child = spawn(binary, ['--host', '127.0.0.1', '--port', '0', '--db', path.join(dir, 'db'),
    '--fixtures', fixtures], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no startup line within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const m = STARTUP.exec(out.slice(0, nl));
      if (m) resolve(Number(m[1]));
      else reject(new Error(`unexpected first stdout line: ${out.slice(0, nl)}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`agent-sandbox exited (code ${code}, signal ${signal}) before serving; stderr: ${stderr}`));
    });
  }).catch((e) => { child.kill('SIGKILL'); fs.rmSync(dir, { recursive: true, force: true }); throw e; });
  child.stdout.resume(); // keep draining

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
      return exited;
    },
  };
}
