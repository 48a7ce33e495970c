import type { CliIo } from '../cli-context.js';
import { runCli } from '../program.js';

/** What one CLI invocation printed, and its exit code. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `bosun <args>` in process with `env` as its whole environment; collects what it prints. */
export async function captureCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env };
  const code = await runCli(args, io);
  return { code, out: out.join(''), err: err.join('') };
}
