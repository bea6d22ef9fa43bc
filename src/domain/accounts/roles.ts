/**
 * Roles a user (or an API key) holds in one account, and what each may do. Every authenticated route names the one
 * permission it needs (`config: { permission }`); the caller's role in the account the request acts on must grant it.
 * A route that declares none is refused (at startup when it documents user authentication, else with 403 at request).
 *
 * Not under this matrix (they keep their own credentials): feed URLs (the feed's own Basic/Digest/IP rule), the legacy
 * `/JSON` API (its account_id/api_key and tokens), carrier webhooks (the carrier's signature) and the sandbox carrier's
 * recording media (the carrier account SID and token).
 */
export const ROLES = ['owner', 'admin', 'analyst', 'read_only'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** the caller's own sign-in: session, sessions list, password change, the accounts they reach; every role */
  'self',
  /** read calls, reports, numbers, settings, deliveries, recordings */
  'read',
  /** write a call's label, notes and evaluation answers */
  'call_work',
  /** place outbound (click-to-call) calls */
  'dial',
  /** order, change and cancel numbers and services (Telco API), answer points, DNI tracking codes, sandbox test calls and SMS */
  'numbers',
  /** account settings: evaluation questions, feeds, callbacks */
  'settings',
  /** event subscriptions, API keys, redelivery */
  'integrations',
  /** list users, invite them, change their roles, disable, reset and remove them */
  'users',
  /** read the audit log */
  'audit',
  /** the account itself: password policy */
  'account',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: ['self', 'read', 'call_work', 'dial', 'numbers', 'settings', 'integrations', 'users', 'audit'],
  analyst: ['self', 'read', 'call_work'],
  read_only: ['self', 'read'],
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function isPermission(v: unknown): v is Permission {
  return typeof v === 'string' && (PERMISSIONS as readonly string[]).includes(v);
}

/** owner 3, admin 2, analyst 1, read_only 0: a role may hand out (to a user or an API key) only roles up to its own. */
export function roleRank(role: Role): number {
  return ROLES.length - 1 - ROLES.indexOf(role);
}

/**
 * Whether `actor` may give `target` the role `to` (or take `from` away): only owners grant or revoke owner, everyone
 * else hands out roles up to their own; nobody changes their own role. Answers the reason when not.
 */
export function roleChangeRefusal(input: { actorRole: Role; from?: Role; to?: Role; self: boolean }): string | null {
  if (input.self) return 'nobody changes their own role or access';
  if ((input.to === 'owner' || input.from === 'owner') && input.actorRole !== 'owner') return 'only an owner grants or revokes the owner role';
  if (input.to && roleRank(input.to) > roleRank(input.actorRole)) return `a ${input.actorRole} cannot grant the role ${input.to}`;
  if (input.from && roleRank(input.from) > roleRank(input.actorRole)) return `a ${input.actorRole} cannot change a ${input.from}`;
  return null;
}
