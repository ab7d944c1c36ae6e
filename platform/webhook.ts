import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'x-coord-signature';
export const TIMESTAMP_HEADER = 'x-coord-timestamp';
export const DELIVERY_HEADER = 'x-coord-delivery';

/**
 * The timestamp is signed with the body so a captured request cannot be
 * replayed later with a fresh timestamp; receivers reject old timestamps.
 */
export function signWebhook(secret: string, timestamp: string | number, rawBody: string | Buffer): string {
  const mac = crypto.createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

/**
 * For receivers (and tests): true when the signature header matches and the
 * timestamp is within toleranceSeconds (default 300) of now. The comparison is
 * timing-safe, so response times reveal nothing about the expected signature.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | undefined,
  rawBody: string | Buffer,
  signatureHeader: string | undefined,
  opts: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  if (timestamp === undefined || signatureHeader === undefined || !/^\d+$/.test(String(timestamp))) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody));
  const given = Buffer.from(signatureHeader);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

export interface WebhookRequest {
  url: string;
  secret: string;
  deliveryId: number;
  payload: unknown;
  timeoutMs: number;
  fetchImpl?: typeof fetch;
}

/** Resolves when the receiver answered 2xx; anything else (status, network, timeout) rejects, to be retried. */
export async function postWebhook(req: WebhookRequest): Promise<void> {
  const body = JSON.stringify(req.payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await (req.fetchImpl ?? fetch)(req.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [DELIVERY_HEADER]: String(req.deliveryId),
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: signWebhook(req.secret, timestamp, body),
    },
    body,
    // A redirected POST may turn into a GET elsewhere; a receiver that moved must be reconfigured.
    redirect: 'manual',
    signal: AbortSignal.timeout(req.timeoutMs),
  });
  // Read to the end so the connection can be reused; the start of it explains a failure.
  const text = await res.text().catch(() => '');
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`webhook answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
}
