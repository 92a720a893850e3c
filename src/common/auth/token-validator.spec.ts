import { generateKeyPairSync } from 'node:crypto';
import { RevocationEvent, TokenClaims } from '../../contracts/identity/identity.types';
import { UnauthorizedError } from '../errors/api-error';
import { encodeToken } from './token-codec';
import { TokenTrustSource, TokenValidator } from './token-validator';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

function claims(over: Partial<TokenClaims> = {}): TokenClaims {
  const now = Date.now();
  return {
    v: 1, kid: 'k1', sub: 'u1', un: 'alice', ud: 'default', udn: 'Default', pid: 'p1', pn: 'demo', pd: 'default', pdn: 'Default',
    r: [{ id: 'r1', name: 'member' }], m: ['password'], iat: now - 1000, exp: now + 3600_000, aid: 'audit-1', ...over,
  };
}

class FakeSource implements TokenTrustSource {
  events: RevocationEvent[] = [];
  keyCalls = 0;
  async getValidationKeys() {
    this.keyCalls++;
    return [{ id: 'k1', publicKeyPem }];
  }
  async listRevocations(afterId: string) {
    return this.events.filter((e) => BigInt(e.id) > BigInt(afterId));
  }
}

function revocation(id: string, what: Partial<RevocationEvent>): RevocationEvent {
  return { id, issued_before: new Date().toISOString(), expires_at: new Date(Date.now() + 3600_000).toISOString(), ...what };
}

describe(TokenValidator.name, () => {
  let source: FakeSource;
  let sut: TokenValidator;

  beforeEach(() => {
    source = new FakeSource();
    sut = new TokenValidator(source, { pollMs: 60_000 });
  });
  afterEach(() => sut.stop());

  it('accepts a token signed with a known key and returns its claims', async () => {
    const c = claims();
    await expect(sut.validate(encodeToken(c, privateKey))).resolves.toEqual(c);
  });

  it('rejects a missing, malformed, tampered or foreign-signed token with 401', async () => {
    const good = encodeToken(claims(), privateKey);
    const other = generateKeyPairSync('ed25519').privateKey;
    const tampered = Buffer.from(JSON.stringify({ ...claims(), sub: 'admin' })).toString('base64url') + good.slice(good.indexOf('.'));
    for (const bad of [undefined, '', 'nonsense', 'a.b.c', tampered, encodeToken(claims(), other)]) {
      await expect(sut.validate(bad)).rejects.toBeInstanceOf(UnauthorizedError);
    }
  });

  it('rejects a tampered token that reuses the signature of one it has cached', async () => {
    const good = encodeToken(claims(), privateKey);
    await expect(sut.validate(good)).resolves.toMatchObject({ sub: 'u1' });
    const tampered = Buffer.from(JSON.stringify({ ...claims(), sub: 'admin' })).toString('base64url') + good.slice(good.indexOf('.'));
    await expect(sut.validate(tampered)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(sut.validate(good)).resolves.toMatchObject({ sub: 'u1' });
  });

  it('rejects an expired token, also once it is cached', async () => {
    await expect(sut.validate(encodeToken(claims({ exp: Date.now() - 1 }), privateKey))).rejects.toBeInstanceOf(UnauthorizedError);
    const soon = encodeToken(claims({ exp: Date.now() + 50 }), privateKey);
    await sut.validate(soon);
    await new Promise((r) => setTimeout(r, 80));
    await expect(sut.validate(soon)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('honours revocation by audit id, by user, and by user on a project, even for cached tokens', async () => {
    const a = encodeToken(claims({ aid: 'audit-a' }), privateKey);
    const b = encodeToken(claims({ aid: 'audit-b', sub: 'u2' }), privateKey);
    const c = encodeToken(claims({ aid: 'audit-c', sub: 'u3', pid: 'p9' }), privateKey);
    const d = encodeToken(claims({ aid: 'audit-d', sub: 'u3', pid: 'p1' }), privateKey);
    for (const t of [a, b, c, d]) await sut.validate(t);
    sut.applyRevocations([revocation('1', { audit_id: 'audit-a' }), revocation('2', { user_id: 'u2' }), revocation('3', { user_id: 'u3', project_id: 'p9' })]);
    await expect(sut.validate(a)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(sut.validate(b)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(sut.validate(c)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(sut.validate(d)).resolves.toMatchObject({ aid: 'audit-d' });
  });

  it('keeps accepting tokens issued after a revocation event', async () => {
    sut.applyRevocations([revocation('1', { user_id: 'u1', issued_before: new Date(Date.now() - 5000).toISOString() })]);
    await expect(sut.validate(encodeToken(claims(), privateKey))).resolves.toBeDefined();
  });

  it('learns revocations from its source on the first validation', async () => {
    source.events = [revocation('7', { user_id: 'u1' })];
    await expect(sut.validate(encodeToken(claims(), privateKey))).rejects.toBeInstanceOf(UnauthorizedError);
    expect(sut.lastSeenRevocationId).toBe('7');
  });

  it('fetches keys once, not per token', async () => {
    for (let i = 0; i < 5; i++) await sut.validate(encodeToken(claims({ aid: `a${i}` }), privateKey));
    expect(source.keyCalls).toBe(1);
  });
});
