/** Event types identity notifies on `berth.notifications`. */
export const IDENTITY_EVENTS = {
  tokenRevoked: 'identity.token.revoked',
  projectCreated: 'identity.project.created',
  projectDeleted: 'identity.project.deleted',
  userCreated: 'identity.user.created',
  userDeleted: 'identity.user.deleted',
} as const;
