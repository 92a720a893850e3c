import { KeyObject, sign, verify } from 'node:crypto';
import { TokenClaims } from '../../contracts/identity/identity.types';

/**
 * Token wire format: base64url(JSON claims) "." base64url(Ed25519 signature of the first part).
 * Opaque to clients; any service holding the public key can check it without a database.
 */
export function encodeToken(claims: TokenClaims, privateKey: KeyObject): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const sig = sign(null, Buffer.from(body), privateKey).toString('base64url');
  return `${body}.${sig}`;
}

/** Splits and parses a token without checking it; undefined when it is not one of ours. */
export function parseToken(token: string): { body: string; sig: string; claims: TokenClaims } | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.') || token.length > 8192) return undefined;
  const body = token.slice(0, dot);
  const sig = token.slice(dot + 1);
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    if (claims?.v !== 1 || typeof claims.kid !== 'string' || typeof claims.exp !== 'number') return undefined;
    return { body, sig, claims };
  } catch {
    return undefined;
  }
}

export function signatureValid(body: string, sig: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(body), publicKey, Buffer.from(sig, 'base64url'));
  } catch {
    return false;
  }
}
