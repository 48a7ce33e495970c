import http from 'node:http';
import https from 'node:https';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP, type Socket } from 'node:net';
import type { WebhookTargetPolicy } from './target-policy.js';

/** One POST to a webhook receiver. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** What the receiver answered; a network failure, refusal or timeout rejects instead. */
export interface WebhookResponse {
  statusCode: number;
  /** The `Location` header of a 3xx answer (which is never followed). */
  location?: string;
}

/** Sends webhook requests. The HTTP one is used in production; tests may use it against a local receiver. */
export interface WebhookTransport {
  send(request: WebhookRequest): Promise<WebhookResponse>;
}

/** The target was refused by the policy (before or at connection time). */
export class WebhookTargetRefusedError extends Error {}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * POSTs with `http.request`, resolving names itself: every address the resolver returns is checked against
 * the policy and only checked addresses are handed to the socket, so a DNS answer that changes between the
 * subscription check and the connection (rebinding) cannot reach a refused address. The remote address of
 * the socket is checked again once connected. No proxy, no keep-alive, no redirects.
 */
export class HttpWebhookTransport implements WebhookTransport {
  constructor(private readonly policy: WebhookTargetPolicy) {}

  send(request: WebhookRequest): Promise<WebhookResponse> {
    const url = new URL(request.url);
    const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!client) return Promise.reject(new WebhookTargetRefusedError(`unsupported scheme ${url.protocol}`));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0) {
      const why = this.policy.refusal(host);
      if (why !== undefined) {
        return Promise.reject(new WebhookTargetRefusedError(`target ${host} refused: ${why}`));
      }
    }
    const policy = this.policy;
    const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
      policy.resolver(hostname).then(
        (addresses) => {
          if (addresses.length === 0) {
            callback(new WebhookTargetRefusedError(`host '${hostname}' does not resolve`), '');
            return;
          }
          for (const { address } of addresses) {
            const why = policy.refusal(address);
            if (why !== undefined) {
              callback(
                new WebhookTargetRefusedError(`host '${hostname}' resolved to ${address}: refused, ${why}`),
                '',
              );
              return;
            }
          }
          const wanted =
            options.family === 4 || options.family === 6
              ? addresses.filter((a) => a.family === options.family)
              : addresses;
          const first = wanted[0];
          if (!first) {
            callback(new WebhookTargetRefusedError(`host '${hostname}' has no usable address`), '');
          } else if (options.all) {
            callback(null, wanted);
          } else {
            callback(null, first.address, first.family);
          }
        },
        (err: unknown) =>
          callback(
            Object.assign(new Error(`cannot resolve '${hostname}': ${(err as Error).message}`), {
              code: 'ENOTFOUND',
            }),
            '',
          ),
      );
    };

    const body = Buffer.from(request.body, 'utf8');
    return new Promise<WebhookResponse>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | undefined, response?: WebhookResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (err) reject(err);
        else if (response) resolve(response);
      };
      const req = client.request(url, {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(body.length) },
        agent: false,
        lookup,
        timeout: request.timeoutMs,
      });
      const deadline = setTimeout(() => {
        req.destroy(new Error(`timed out after ${request.timeoutMs} ms`));
      }, request.timeoutMs);
      const checkSocket = (socket: Socket) => {
        const remote = socket.remoteAddress;
        const why = remote === undefined ? 'unknown remote address' : policy.refusal(remote);
        if (why !== undefined) {
          req.destroy(new WebhookTargetRefusedError(`connected to ${remote ?? '?'}: refused, ${why}`));
        }
      };
      req.on('socket', (socket: Socket) => {
        if (socket.remoteAddress !== undefined && !socket.connecting) checkSocket(socket);
        else socket.once('connect', () => checkSocket(socket));
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${request.timeoutMs} ms`)));
      req.on('error', (err) => finish(err));
      req.on('response', (res) => {
        const response: WebhookResponse = { statusCode: res.statusCode ?? 0 };
        const location = res.headers.location;
        if (location !== undefined) response.location = location.slice(0, 300);
        res.resume();
        res.destroy();
        finish(undefined, response);
      });
      req.end(body);
    });
  }
}
