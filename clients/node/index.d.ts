import type { ChildProcess } from 'node:child_process';

export const DEFAULT_KEY: string;
export const DEFAULT_ORG: string;

export class SandboxError extends Error {
  constructor(message: string, status?: number, body?: unknown);
  status?: number;
  body?: unknown;
}

export interface StartOptions {
  /** The binary; default AGENT_SANDBOX_BINARY, else agent-sandbox on PATH. */
  binary?: string;
  fixtures?: string;
  args?: string[];
  timeoutMs?: number;
  key?: string;
}

export interface Run {
  id: string;
  status: 'running' | 'interrupted' | 'completed' | 'error' | 'cancelled';
  thread_id: string;
  interrupts: Array<{ id: string; value: unknown }>;
  output: unknown;
  [field: string]: unknown;
}

export interface ModusRun {
  id: string;
  workflowId: string;
  temporalRunId: string;
  status: string;
  [field: string]: unknown;
}

export class Sandbox {
  readonly url: string;
  readonly key: string;
  readonly namespaceName?: string;
  readonly org: string;
  process?: ChildProcess;
  static start(options?: StartOptions): Promise<Sandbox>;
  static attach(url: string, options?: { key?: string }): Sandbox;
  stop(options?: { timeoutMs?: number }): Promise<number | null>;
  namespace(name: string): Sandbox;
  request(method: string, path: string, body?: unknown,
          options?: { headers?: Record<string, string>; auth?: 'key' | 'pat' | null }):
    Promise<{ status: number; body: any }>;
  createRun(type: string, options?: { businessId?: string | null; scenario?: string; [field: string]: unknown }):
    Promise<Run>;
  run(runId: string, options?: { steps?: boolean }): Promise<Run>;
  waitForStatus(runId: string, statuses?: string | string[], options?: { timeoutMs?: number }): Promise<Run>;
  answerInterrupt(runId: string, decision?: string, options?: { input?: unknown }): Promise<Run>;
  createModusRun(agentId: number, body?: Record<string, unknown>): Promise<ModusRun>;
  modusRun(agentId: number, workflowId: string): Promise<ModusRun>;
  approveModusRun(agentId: number, workflowId: string, decision?: string, comment?: string): Promise<ModusRun>;
  advanceClock(move: { by: string } | { to: string }): Promise<{ from: string; now: string; fired: unknown[] }>;
  reset(): Promise<{ ok: boolean; now: string }>;
  health(): Promise<{ status: string; [field: string]: unknown }>;
}
