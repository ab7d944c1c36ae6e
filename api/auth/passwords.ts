import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;

/** OWASP's minimum for scrypt: N=2^17, r=8, p=1. It needs 128·N·r = 128 MiB per hash. */
export const SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1 } as const;
/** Node's default `maxmem` (32 MiB) refuses N=2^17; this leaves room for it and its bookkeeping. */
const MAXMEM = 256 * 1024 * 1024;
const KEY_LENGTH = 32;

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** A stored `scrypt$N$r$p$salt$hash`, or undefined for anything else (or parameters this build would not run). */
function parse(stored: string): Parsed | undefined {
  const [scheme, n, r, p, salt, hash, ...rest] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash || rest.length) return undefined;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || !Number.isInteger(R) || R < 1 || !Number.isInteger(P) || P < 1 || 128 * N * R > MAXMEM / 2) return undefined;
  return { N, r: R, p: P, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
}

function format(params: { N: number; r: number; p: number }, salt: Buffer, hash: Buffer): string {
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** scrypt with a random salt, stored as `scrypt$N$r$p$salt$hash`: the parameters travel with the hash, so they can grow. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, KEY_LENGTH, { ...SCRYPT_PARAMS, maxmem: MAXMEM });
  return format(SCRYPT_PARAMS, salt, hash);
}

/** Checks a password against a stored hash under the parameters recorded in it (older hashes: N=2^14). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed || parsed.hash.length === 0) return false;
  const actual = await scrypt(password, parsed.salt, parsed.hash.length, { N: parsed.N, r: parsed.r, p: parsed.p, maxmem: MAXMEM });
  return crypto.timingSafeEqual(actual, parsed.hash);
}

/** True where a stored hash was made with other parameters than today's: rehash it at the next good sign-in. */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.N !== SCRYPT_PARAMS.N || parsed.r !== SCRYPT_PARAMS.r || parsed.p !== SCRYPT_PARAMS.p || parsed.hash.length !== KEY_LENGTH;
}

/**
 * A hash no password matches, with today's parameters: a sign-in for an
 * unknown (or disabled) user is checked against it, so it costs the same
 * scrypt work as a wrong password and its timing does not tell which
 * usernames exist. Random salt and hash: nothing to compute up front.
 */
export const DUMMY_HASH = format(SCRYPT_PARAMS, crypto.randomBytes(16), crypto.randomBytes(KEY_LENGTH));

/** A password for generated (demo) accounts: readable, 16 characters, ~95 bits. */
export function generatePassword(): string {
  return crypto.randomBytes(12).toString('base64url');
}
