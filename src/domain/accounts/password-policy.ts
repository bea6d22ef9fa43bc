/**
 * An account's password policy, and what follows from it. A user who reaches several accounts is held to the strictest
 * of their policies (`strictest`). Zero turns the expiry, the lockout and the inactive lockout off.
 */
export interface PasswordPolicy {
  /** characters a new password needs at least (8–128) */
  min_length: number;
  /** character classes (lower case, upper case, digits, other) a new password needs at least (1–4) */
  min_classes: number;
  /** days a password stays valid; then it must be changed at the next sign-in (0: never expires) */
  expiry_days: number;
  /** the last N passwords cannot be used again (0–24) */
  history: number;
  /** failed sign-ins in a row that lock the user out (0: no lockout) */
  lockout_attempts: number;
  /** minutes a lockout lasts */
  lockout_minutes: number;
  /** days without a sign-in after which the user is locked out until an admin enables them (0: never) */
  inactive_days: number;
}

export const DEFAULT_PASSWORD_POLICY: Readonly<PasswordPolicy> = Object.freeze({
  min_length: 12,
  min_classes: 3,
  expiry_days: 0,
  history: 5,
  lockout_attempts: 5,
  lockout_minutes: 15,
  inactive_days: 180,
});

/** Allowed range of each setting. */
export const POLICY_LIMITS: Record<keyof PasswordPolicy, { min: number; max: number }> = {
  min_length: { min: 8, max: 128 },
  min_classes: { min: 1, max: 4 },
  expiry_days: { min: 0, max: 3650 },
  history: { min: 0, max: 24 },
  lockout_attempts: { min: 0, max: 100 },
  lockout_minutes: { min: 1, max: 1440 },
  inactive_days: { min: 0, max: 3650 },
};

/** Passwords kept per user for the history rule (the largest history a policy may ask for). */
export const HISTORY_KEPT = POLICY_LIMITS.history.max;

/** The smallest positive value (0 means off, so any positive setting is stricter). */
const minOn = (xs: number[]) => {
  const on = xs.filter((x) => x > 0);
  return on.length ? Math.min(...on) : 0;
};

/** The strictest of several policies (the defaults when there are none). */
export function strictest(policies: PasswordPolicy[]): PasswordPolicy {
  if (policies.length === 0) return { ...DEFAULT_PASSWORD_POLICY };
  return {
    min_length: Math.max(...policies.map((p) => p.min_length)),
    min_classes: Math.max(...policies.map((p) => p.min_classes)),
    expiry_days: minOn(policies.map((p) => p.expiry_days)),
    history: Math.max(...policies.map((p) => p.history)),
    lockout_attempts: minOn(policies.map((p) => p.lockout_attempts)),
    lockout_minutes: Math.max(...policies.map((p) => p.lockout_minutes)),
    inactive_days: minOn(policies.map((p) => p.inactive_days)),
  };
}

/** How many of the four classes (lower, upper, digit, other) a password uses. */
export function characterClasses(password: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
}

/** The rules a new password breaks (empty when it is acceptable), in words a user can act on. */
export function passwordRuleBreaks(policy: PasswordPolicy, password: string): string[] {
  const out: string[] = [];
  const length = [...password].length;
  if (length < policy.min_length) out.push(`must be at least ${policy.min_length} characters (has ${length})`);
  if (length > 1024) out.push('must be at most 1024 characters');
  const classes = characterClasses(password);
  if (classes < policy.min_classes) out.push(`must use at least ${policy.min_classes} of: lower case, upper case, digits, other characters (uses ${classes})`);
  return out;
}

/** When a password set at `changedAt` expires under `policy` (null: never). */
export function passwordExpiresAt(policy: PasswordPolicy, changedAt: string): Date | null {
  if (policy.expiry_days <= 0) return null;
  return new Date(Date.parse(changedAt) + policy.expiry_days * 86_400_000);
}

/** Whether a user last active at `lastActive` is locked out as inactive at `now`. */
export function inactiveLocked(policy: PasswordPolicy, lastActive: string, now: Date): boolean {
  return policy.inactive_days > 0 && now.getTime() - Date.parse(lastActive) > policy.inactive_days * 86_400_000;
}

/** Out-of-range settings as field errors (`{path, message}`), for a policy being saved. */
export function policyErrors(input: Partial<Record<string, unknown>>): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  for (const [k, lim] of Object.entries(POLICY_LIMITS)) {
    const v = input[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lim.min || v > lim.max) out.push({ path: k, message: `must be a whole number from ${lim.min} to ${lim.max}` });
  }
  return out;
}
