/** What a signed token says. Short keys: the token travels in every request header. */
export interface TokenClaims {
  /** Format version. */
  v: 1;
  /** Signing key id. */
  kid: string;
  /** User id, name, domain id and domain name. */
  sub: string;
  un: string;
  ud: string;
  udn: string;
  /** Project scope: id, name, domain id, domain name. */
  pid?: string;
  pn?: string;
  pd?: string;
  pdn?: string;
  /** Domain scope: id and name. */
  did?: string;
  dn?: string;
  /** Effective roles (implied roles included) on the scope. */
  r: { id: string; name: string }[];
  /** Auth methods used. */
  m: string[];
  /** Issued at and expires at, epoch milliseconds. */
  iat: number;
  exp: number;
  /** Audit id of this token, and of the token it was rescoped from. */
  aid: string;
  paid?: string;
}

export interface RevocationEvent {
  id: string;
  audit_id?: string | null;
  user_id?: string | null;
  project_id?: string | null;
  domain_id?: string | null;
  /** ISO time: tokens issued at or before it are revoked. */
  issued_before: string;
  expires_at: string;
}

export interface ValidationKey {
  id: string;
  publicKeyPem: string;
}
