/**
 * A real `bosun server` in its own process, for tests that start several at once (start-up races need separate
 * processes: SQLite locks are per connection and better-sqlite3 blocks its event loop while it waits for one).
 * Settings come from BOSUN_* variables as `bosun server` reads them; the port is always 0.
 *
 * Protocol (stdout is one JSON object a line): once loaded it prints `{"bosunTestWaiting":true}` and waits for a
 * line on stdin, so that a test can release several children at the same moment; then it starts. Pino's log
 * lines follow, the last of the start-up holding `"bosunTestReady":"http://..."`. A failed start prints the
 * error's message on stderr and exits 1; SIGTERM closes the server and exits 0; so does the end of stdin (the
 * test process went away).
 * Run: `node --import tsx/esm src/server/test-support/server-child.ts` (see server-process.ts).
 */
import { loadServerConfig } from '../../shared/config.js';
import { startServer } from '../start-server.js';

process.stdout.write(`${JSON.stringify({ bosunTestWaiting: true })}\n`);
await new Promise<void>((go) => process.stdin.once('data', () => go()));
process.stdin.once('end', () => process.kill(process.pid, 'SIGTERM'));

try {
  const server = await startServer(loadServerConfig({ port: 0 }));
  // Through the logger, so that it comes after every line the start-up logged (pino may buffer them).
  server.app.log.info({ bosunTestReady: server.address }, 'test server ready');
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
