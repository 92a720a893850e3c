import { KeyObject, createPublicKey } from 'node:crypto';
import { RevocationEvent, TokenClaims, ValidationKey } from '../../contracts/identity/identity.types';
import { UnauthorizedError } from '../errors/api-error';
import { parseToken, signatureValid } from './token-codec';

/** Where a validator learns keys and revocations: identity's RPC client, or identity itself. */
export interface TokenTrustSource {
  getValidationKeys(): Promise<ValidationKey[]>;
  listRevocations(afterId: string): Promise<RevocationEvent[]>;
}

interface CachedToken {
  token: string;
  claims: TokenClaims;
  /** Revocation generation the token was last checked against. */
  generation: number;
}

interface LiveRevocation {
  auditId?: string | null;
  userId?: string | null;
  projectId?: string | null;
  domainId?: string | null;
  issuedBefore: number;
  expiresAt: number;
}

export const TOKEN_VALIDATOR = Symbol('TOKEN_VALIDATOR');

/**
 * Checks tokens in memory: signature, expiry and revocation events, with a bounded cache of
 * tokens already verified. Revocations are pulled every `pollMs` (and pushed at once inside
 * the identity process), so a revoked token stops working within seconds everywhere.
 */
export class TokenValidator {
  private keys = new Map<string, KeyObject>();
  /**
   * Verified tokens by the end of their signature (cacheKey). A token is ~900 characters and arrives
   * as a new string on every request, so hashing it whole for the lookup cost ~1.5 µs; 32 bytes of
   * an Ed25519 signature are unique per token, and a hit still requires the whole token to be equal.
   */
  private readonly cache = new Map<string, CachedToken>();
  private revocations: LiveRevocation[] = [];
  private lastRevocationId = '0';
  private generation = 0;
  private ready?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly source: TokenTrustSource,
    private readonly opts: { cacheSize?: number; pollMs?: number } = {},
  ) {}

  /** Resolves the token to its claims, or throws 401. */
  async validate(token: string | undefined): Promise<TokenClaims> {
    if (!token) throw new UnauthorizedError();
    const slot = cacheKey(token);
    const cached = this.cache.get(slot);
    if (cached && cached.token === token) {
      if (cached.claims.exp <= Date.now()) {
        this.cache.delete(slot);
        throw new UnauthorizedError('The request you have made requires authentication.');
      }
      if (cached.generation !== this.generation) {
        if (this.isRevoked(cached.claims)) {
          this.cache.delete(slot);
          throw new UnauthorizedError('The token has been revoked.');
        }
        cached.generation = this.generation;
      }
      return cached.claims;
    }
    await this.ensureReady();
    const parsed = parseToken(token);
    if (!parsed) throw new UnauthorizedError();
    let key = this.keys.get(parsed.claims.kid);
    if (!key) {
      await this.loadKeys();
      key = this.keys.get(parsed.claims.kid);
    }
    if (!key || !signatureValid(parsed.body, parsed.sig, key)) throw new UnauthorizedError();
    if (parsed.claims.exp <= Date.now()) throw new UnauthorizedError('The request you have made requires authentication.');
    if (this.isRevoked(parsed.claims)) throw new UnauthorizedError('The token has been revoked.');
    this.remember(token, parsed.claims);
    return parsed.claims;
  }

  get lastSeenRevocationId(): string {
    return this.lastRevocationId;
  }

  /** Applies revocation events at once (identity calls this for its own revocations). */
  applyRevocations(events: RevocationEvent[]): void {
    let changed = false;
    for (const e of events) {
      if (BigInt(e.id) <= BigInt(this.lastRevocationId)) continue;
      this.lastRevocationId = e.id;
      this.revocations.push({
        auditId: e.audit_id, userId: e.user_id, projectId: e.project_id, domainId: e.domain_id,
        issuedBefore: Date.parse(e.issued_before), expiresAt: Date.parse(e.expires_at),
      });
      changed = true;
    }
    if (changed) {
      const now = Date.now();
      this.revocations = this.revocations.filter((r) => r.expiresAt > now);
      this.generation++;
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refreshRevocations().catch(() => undefined), this.opts.pollMs ?? 2000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private ensureReady(): Promise<void> {
    if (!this.ready) {
      this.ready = Promise.all([this.loadKeys(), this.refreshRevocations()]).then(() => this.start());
      this.ready.catch(() => (this.ready = undefined));
    }
    return this.ready;
  }

  private async loadKeys(): Promise<void> {
    const keys = await this.source.getValidationKeys();
    this.keys = new Map(keys.map((k) => [k.id, createPublicKey(k.publicKeyPem)]));
  }

  private async refreshRevocations(): Promise<void> {
    this.applyRevocations(await this.source.listRevocations(this.lastRevocationId));
  }

  private isRevoked(c: TokenClaims): boolean {
    for (const r of this.revocations) {
      if (c.iat > r.issuedBefore) continue;
      if (r.auditId && r.auditId !== c.aid && r.auditId !== c.paid) continue;
      if (r.userId && r.userId !== c.sub) continue;
      if (r.projectId && r.projectId !== c.pid) continue;
      if (r.domainId && r.domainId !== c.did && r.domainId !== c.ud && r.domainId !== c.pd) continue;
      return true;
    }
    return false;
  }

  private remember(token: string, claims: TokenClaims): void {
    const max = this.opts.cacheSize ?? 20000;
    if (this.cache.size >= max) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(cacheKey(token), { token, claims, generation: this.generation });
  }
}

/** The last 43 base64url characters: the last 32 bytes of a token's signature (see TokenValidator.cache). */
function cacheKey(token: string): string {
  return token.slice(-43);
}
