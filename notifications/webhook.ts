import crypto from 'node:crypto';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

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

/** Replies are read up to this many bytes; the connection is dropped beyond it. */
export const MAX_REPLY_BYTES = 64 * 1024;

/**
 * A target the SSRF rules refuse: a permanent failure, since retrying cannot
 * make the address acceptable (an administrator must change the URL or set
 * WEBHOOK_ALLOW_PRIVATE=true).
 */
export class WebhookTargetRefused extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetRefused';
  }
}

/**
 * Loopback, private, link-local (with the cloud metadata address
 * 169.254.169.254), carrier-grade NAT, unspecified, multicast and reserved
 * ranges. BlockList also matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against
 * the IPv4 ranges.
 */
const refusedRanges = (() => {
  const list = new net.BlockList();
  for (const [prefix, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(prefix, bits, 'ipv4');
  }
  // ::/96 holds :: (unspecified), ::1 (loopback) and the deprecated IPv4-compatible addresses.
  for (const [prefix, bits] of [
    ['::', 96],
    ['fc00::', 7],
    ['fe80::', 10],
    ['fec0::', 10],
    ['ff00::', 8],
  ] as const) {
    list.addSubnet(prefix, bits, 'ipv6');
  }
  return list;
})();

/** True for an IP address literal in a refused range (anything not an IP address counts as refused). */
export function isRefusedAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = net.isIP(bare);
  if (family === 0) return true;
  return refusedRanges.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type LookupAll = (hostname: string) => Promise<ResolvedAddress[]>;

const systemLookup: LookupAll = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface TargetOptions {
  /** WEBHOOK_ALLOW_PRIVATE: on-premises IM gateways on private addresses are allowed. */
  allowPrivate: boolean;
  /** The resolver; default the system's (dns.lookup, all addresses). */
  lookup?: LookupAll;
}

/**
 * Resolves the URL's host and answers the address to connect to. Refused
 * (WebhookTargetRefused) when the URL is not http(s) or ANY address of the
 * host lies in a refused range, unless private targets are allowed. The
 * caller connects to the answered address only, so a second DNS answer
 * (rebinding) cannot move the request elsewhere. DNS failures reject with
 * the resolver's error (retryable).
 */
export async function vetWebhookTarget(url: string | URL, opts: TargetOptions): Promise<ResolvedAddress> {
  const u = typeof url === 'string' ? new URL(url) : url;
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new WebhookTargetRefused(`webhook URL scheme ${u.protocol} is not http or https`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const literal = net.isIP(host);
  const addresses: ResolvedAddress[] = literal !== 0 ? [{ address: host, family: literal === 6 ? 6 : 4 }] : await (opts.lookup ?? systemLookup)(host);
  if (addresses.length === 0) throw new Error(`webhook host ${host} has no address`);
  if (!opts.allowPrivate) {
    const refused = addresses.find((a) => isRefusedAddress(a.address));
    if (refused) {
      throw new WebhookTargetRefused(
        `webhook target ${host}${literal ? '' : ` (${refused.address})`} is a loopback, private, link-local or reserved address; set WEBHOOK_ALLOW_PRIVATE=true to allow it`,
      );
    }
  }
  return addresses[0]!;
}

/** A short, single-line, printable excerpt of a reply, for an error message. */
function excerpt(bytes: Buffer): string {
  const text = bytes
    .subarray(0, 400)
    .toString('utf8')
    .replace(/[^\p{L}\p{N}\p{P}\p{S} ]+/gu, ' ')
    .trim();
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

export interface WebhookRequest {
  url: string;
  secret: string;
  deliveryId: number;
  payload: unknown;
  timeoutMs: number;
  /** Allow loopback and private targets (WEBHOOK_ALLOW_PRIVATE); default false. */
  allowPrivate?: boolean;
  /** The resolver (tests); default dns.lookup with all addresses. */
  lookup?: LookupAll;
  /** For tests only: sends instead of the built-in request, after the target was vetted, without address pinning. */
  fetchImpl?: typeof fetch;
}

export interface WebhookReply {
  status: number;
  /** How much of the reply was read: at most MAX_REPLY_BYTES. */
  bytesRead: number;
}

/**
 * Resolves when the receiver answered 2xx. A refused target rejects with
 * WebhookTargetRefused (permanent); anything else (status, network, timeout)
 * rejects to be retried. At most MAX_REPLY_BYTES of the reply are read, and
 * only a short excerpt of it ever reaches an error message.
 */
export async function postWebhook(req: WebhookRequest): Promise<WebhookReply> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  const url = new URL(req.url);
  const target = await abortable(vetWebhookTarget(url, { allowPrivate: req.allowPrivate ?? false, lookup: req.lookup }), signal);
  const body = JSON.stringify(req.payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers = {
    'content-type': 'application/json',
    [DELIVERY_HEADER]: String(req.deliveryId),
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: signWebhook(req.secret, timestamp, body),
  };
  const reply = req.fetchImpl
    ? await viaFetch(req.fetchImpl, url, headers, body, signal)
    : await viaHttp(url, target, headers, body, signal);
  if (reply.status < 200 || reply.status >= 300) {
    const text = excerpt(reply.head);
    throw new Error(`webhook answered HTTP ${reply.status}${text ? `: ${text}` : ''}`);
  }
  return { status: reply.status, bytesRead: reply.bytesRead };
}

/** A slow resolver cannot be cancelled, but it need not be waited for past the timeout. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error(`webhook host lookup timed out`));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

interface RawReply {
  status: number;
  head: Buffer;
  bytesRead: number;
}

/** Connects to the vetted address only (the lookup answers it, whatever DNS says now); TLS still checks the URL's host name. */
function viaHttp(url: URL, target: ResolvedAddress, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<RawReply> {
  const pinned = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as net.LookupFunction;
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<RawReply>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinned,
        agent: false,
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let bytesRead = 0;
        const done = () => resolve({ status: res.statusCode ?? 0, head: Buffer.concat(chunks), bytesRead });
        res.on('data', (chunk: Buffer) => {
          const room = MAX_REPLY_BYTES - bytesRead;
          const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
          bytesRead += kept.length;
          if (chunks.reduce((n, c) => n + c.length, 0) < 400) chunks.push(kept);
          if (chunk.length >= room) {
            // Enough: drop the connection rather than read the rest.
            res.removeAllListeners('data');
            res.removeAllListeners('end');
            req.destroy();
            done();
          }
        });
        res.on('end', done);
        res.on('error', () => done());
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function viaFetch(fetchImpl: typeof fetch, url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<RawReply> {
  // A redirected POST may turn into a GET elsewhere; a receiver that moved must be reconfigured.
  const res = await fetchImpl(url, { method: 'POST', headers, body, redirect: 'manual', signal });
  const head = Buffer.from((await res.text().catch(() => '')).slice(0, 400));
  return { status: res.status, head, bytesRead: head.length };
}
