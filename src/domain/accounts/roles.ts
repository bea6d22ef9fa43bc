/**
 * Roles a user (or an API key) holds in one account, and what each may do. Every authenticated route names the one
 * permission it needs (`config: { permission }`); the account's role of the caller must grant it.
 */
export const ROLES = ['owner', 'admin', 'analyst', 'read_only'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** read calls, reports, numbers, settings, deliveries */
  'read',
  /** write a call's label, notes and evaluation answers */
  'call_work',
  /** place outbound (click-to-call) calls */
  'dial',
  /** order, change and cancel numbers and services (Telco API), answer points, DNI tracking codes */
  'numbers',
  /** account settings: evaluation questions, feeds, callbacks */
  'settings',
  /** event subscriptions, API keys, redelivery */
  'integrations',
  /** invite users, change their roles, disable and delete them */
  'users',
  /** read the audit log */
  'audit',
  /** the account itself: password policy, ownership */
  'account',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: ['read', 'call_work', 'dial', 'numbers', 'settings', 'integrations', 'users', 'audit'],
  analyst: ['read', 'call_work'],
  read_only: ['read'],
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission an authenticated route needs (see domain/accounts/roles.ts). */
    permission?: Permission;
  }
}
