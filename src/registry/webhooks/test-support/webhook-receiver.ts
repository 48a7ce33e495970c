import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers one request on a path: a status code, a redirect, or never. */
export type Answer = number | { redirect: string } | 'hang';

/** A webhook receiver on 127.0.0.1 that records what it gets and answers from a per-path script. */
export interface WebhookReceiver {
  base: string;
  port: number;
  received: ReceivedRequest[];
  /** Answers for the next requests on `path`, in order; afterwards 200. */
  script(path: string, answers: Answer[]): void;
  on(path: string): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const scripts = new Map<string, Answer[]>();
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = scripts.get(path)?.shift() ?? 200;
      if (answer === 'hang') {
        hanging.push(res);
      } else if (typeof answer === 'number') {
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(`answer ${answer}`);
      } else {
        res.writeHead(302, { location: answer.redirect }).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    received,
    script: (path, answers) => scripts.set(path, [...answers]),
    on: (path) => received.filter((r) => r.path === path),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
