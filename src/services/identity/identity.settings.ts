export const IDENTITY_SETTINGS = Symbol('IDENTITY_SETTINGS');

export interface IdentitySettings {
  tokenTtlSeconds: number;
  lockoutFailures: number;
  lockoutSeconds: number;
  region: string;
}
