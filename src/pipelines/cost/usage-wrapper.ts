import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * A tiny Python program that runs a step's command and reports what its whole process tree used: it forks,
 * execs the command in the child (signal dispositions restored, as `subprocess` does), waits with `os.wait4`, and
 * writes `{"cpu_ms", "peak_rss_bytes"}` to the file named by its first argument: user + system CPU time of the
 * child and every descendant it waited for, and the largest max RSS among them (`ru_maxrss`). It then exits as
 * the command did (same code, or the same signal), so the executor sees no difference. A command that cannot be
 * started is reported as `{"error": "..."}` with exit code 127. SIGTERM sent to the process group reaches the
 * command; the wrapper outlives it long enough to report.
 *
 * Node cannot read a child's rusage itself (libuv reaps children without keeping it), hence a wrapper; Python
 * because the server requires python3 already. Its cost is one interpreter start (`-I -S`, no site packages) per
 * attempt, so local steps normally start through the long-lived step spawner instead
 * (`executor/step-spawner.ts`, same figures); the wrapper is what `spawnStep` runs when asked to measure (the
 * spawner could not run with this interpreter).
 */
export const USAGE_WRAPPER = String.raw`
import os, sys, _signal as signal
out, argv = sys.argv[1], sys.argv[2:]
signal.signal(signal.SIGTERM, lambda *_: None)
signal.signal(signal.SIGINT, lambda *_: None)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    for s in ("SIGPIPE", "SIGXFSZ", "SIGXFZ", "SIGTERM", "SIGINT"):
        if hasattr(signal, s):
            signal.signal(getattr(signal, s), signal.SIG_DFL)
    try:
        os.execvp(argv[0], argv)
    except BaseException as e:
        os.write(w, (getattr(e, "strerror", None) or str(e)).encode("utf-8", "replace"))
    os._exit(127)
os.close(w)
err = b""
while True:
    chunk = os.read(r, 4096)
    if not chunk:
        break
    err += chunk
_, status, ru = os.wait4(pid, 0)
if err:
    text = ("spawn " + argv[0] + " " + err.decode("utf-8", "replace")).encode("ascii", "backslashreplace").decode()
    report = '{"error": "%s"}' % text.replace("\\", "\\\\").replace('"', '\\"')
else:
    scale = 1 if sys.platform == "darwin" else 1024
    report = '{"cpu_ms": %d, "peak_rss_bytes": %d}' % (round((ru.ru_utime + ru.ru_stime) * 1000), ru.ru_maxrss * scale)
with open(out, "w") as f:
    f.write(report)
if os.WIFSIGNALED(status):
    sig = os.WTERMSIG(status)
    signal.signal(sig, signal.SIG_DFL)
    os.kill(os.getpid(), sig)
os._exit(127 if err else os.waitstatus_to_exitcode(status))
`;

/** What a step's process tree used, as the wrapper reports it. */
export type WrapperReport = { cpuMs: number; peakRssBytes: number } | { error: string };

/** Reads the wrapper's report; undefined when it wrote none (it was killed with SIGKILL, or is not there). */
export function readWrapperReport(file: string): WrapperReport | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const r = parsed as Record<string, unknown>;
  if (typeof r.error === 'string') return { error: r.error };
  if (typeof r.cpu_ms === 'number' && typeof r.peak_rss_bytes === 'number') {
    return { cpuMs: r.cpu_ms, peakRssBytes: r.peak_rss_bytes };
  }
  return undefined;
}

const resolved = new Map<string, Promise<string | undefined>>();

/**
 * The real interpreter behind `python` (`sys.executable`: a pyenv shim or a venv link costs a shell or more per
 * start), found once per process; undefined when there is none, and then steps run unmeasured.
 */
export function usageInterpreter(python: string): Promise<string | undefined> {
  let found = resolved.get(python);
  if (found === undefined) {
    found = new Promise((resolve) => {
      execFile(python, ['-I', '-S', '-c', 'import sys; print(sys.executable)'], (error, stdout) => {
        const path = stdout.trim();
        resolve(error === null && path !== '' ? path : undefined);
      });
    });
    resolved.set(python, found);
  }
  return found;
}
