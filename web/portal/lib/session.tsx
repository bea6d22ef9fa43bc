// Who is signed in, the accounts they reach and their role in the current one; what that role may do (the same
// role matrix the APIs enforce: a page hides what the API would refuse, the API still decides).
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { ROLE_PERMISSIONS, type Permission, type Role } from '../../../src/domain/accounts/roles.ts';
import { api, setCsrfToken } from './api.ts';

export type { Permission, Role };

export interface AccountRef {
  client_id: number;
  name: string;
  role: Role;
}

export interface Session {
  user: { id: string; username: string };
  accounts: AccountRef[];
  current_client_id: number | null;
  password_change_required: boolean;
}

export interface SessionState extends Session {
  account: AccountRef | null;
  can(permission: Permission): boolean;
  /** Reads the session again (after switching accounts or changing the password). */
  refresh(): Promise<void>;
  signOut(): Promise<void>;
  switchAccount(clientId: number): Promise<void>;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in page');
  return s;
}

/** Whether a role grants a permission. */
export function roleCan(role: Role | undefined, permission: Permission): boolean {
  return !!role && ROLE_PERMISSIONS[role].includes(permission);
}

const CSRF_KEY = 'tt_csrf';

/** Remembers the CSRF token of this tab's session (the cookie itself is HttpOnly). */
export function rememberCsrf(token: string | null): void {
  setCsrfToken(token);
  try {
    if (token) sessionStorage.setItem(CSRF_KEY, token);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    /* storage may be unavailable (private mode): the token then lives in memory only */
  }
}

/** The signed-in session (GET /userapi/v1/session), or null when there is none (401). */
export async function loadSession(): Promise<Session | null> {
  try {
    const me = await api<Session & { csrf_token?: string | null }>('/userapi/v1/session', { quiet401: true });
    let token = me.csrf_token ?? null;
    if (!token) {
      try {
        token = sessionStorage.getItem(CSRF_KEY);
      } catch {
        token = null;
      }
    }
    rememberCsrf(token);
    return me;
  } catch (err) {
    if ((err as { status?: number }).status === 401) return null;
    throw err;
  }
}
