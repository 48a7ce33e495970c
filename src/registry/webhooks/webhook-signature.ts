import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `X-Bosun-Signature` value: `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` keyed with the
 * subscription secret, where `<timestamp>` is the `X-Bosun-Timestamp` header (Unix seconds) and `<body>` the
 * exact request body. Example: `signWebhook('s3cret', 1700000000, '{"id":1}')`.
 */
export function signWebhook(secret: string, timestamp: number | string, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `sha256=${mac}`;
}

/**
 * What a receiver does: recompute the signature, compare in constant time, and refuse stale timestamps
 * (replays). `nowSeconds` is injectable for tests.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
