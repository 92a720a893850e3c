import * as argon2 from 'argon2';

/**
 * argon2id at OWASP's baseline (19 MiB, 2 passes). Token issue throughput is bounded by this
 * on purpose; do not lower it to win a benchmark.
 */
const PARAMS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export class PasswordHasher {
  private dummy?: Promise<string>;

  hash(password: string): Promise<string> {
    return argon2.hash(password, PARAMS);
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    if (!hash) {
      // Spend the same time as a real check so a missing user or password is not observable.
      this.dummy ??= this.hash('berth-dummy-password');
      await argon2.verify(await this.dummy, password).catch(() => false);
      return false;
    }
    return argon2.verify(hash, password).catch(() => false);
  }
}
