// Users and roles: the roles' names, the permissions in words, the roles a user may hand out, and the role matrix
// (what each role may do) drawn from the domain's ROLE_PERMISSIONS.
import { ROLE_PERMISSIONS, PERMISSIONS, ROLES, roleRank, type Role } from '../../../src/domain/accounts/roles.ts';

export const ROLE_TEXT: Record<Role, string> = { owner: 'Owner', admin: 'Admin', analyst: 'Analyst', read_only: 'Read only' };
const PERMISSION_TEXT: Record<string, string> = {
  self: 'Sign in, own password and sessions',
  read: 'Read calls, reports, numbers, settings, deliveries, recordings',
  call_work: 'Label calls, write notes and evaluations',
  dial: 'Place click-to-call calls',
  numbers: 'Order and change numbers, services, answer points, website tracking, sandbox calls',
  settings: 'Account settings: evaluation questions, data feeds, callbacks',
  integrations: 'Event subscriptions, API keys, webhook secret, redelivery',
  users: 'Invite users, change roles, disable, reset, remove',
  audit: 'Read the audit log',
  account: 'The account itself: name, time zone, password policy',
};

/** The roles the signed-in user may hand out (up to their own; owner only by owners). */
export function grantable(mine: Role | undefined): [string, string][] {
  if (!mine) return [];
  return ROLES.filter((r) => roleRank(r) <= roleRank(mine)).map((r) => [r, ROLE_TEXT[r]]);
}

export function RoleMatrix() {
  return (
    <section aria-labelledby="matrix-h">
      <h2 id="matrix-h">What each role may do</h2>
      <p class="muted small">Only owners grant or take away the owner role; everyone else hands out roles up to their own, and nobody changes their own role. The account always keeps one enabled owner.</p>
      <div class="table-wrap matrix-wrap">
        <table class="data matrix">
          <caption class="sr-only">Permissions of each role</caption>
          <thead>
            <tr>
              <th scope="col">Permission</th>
              {ROLES.map((r) => (
                <th scope="col" key={r}>
                  {ROLE_TEXT[r]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {PERMISSIONS.map((p) => (
              <tr key={p}>
                <th scope="row">
                  {PERMISSION_TEXT[p] ?? p} <span class="muted small">({p})</span>
                </th>
                {ROLES.map((r) => (
                  <td key={r} data-label={ROLE_TEXT[r]}>
                    {ROLE_PERMISSIONS[r].includes(p) ? (
                      <span class="yes" aria-label="yes">
                        ✓
                      </span>
                    ) : (
                      <span class="no" aria-label="no">
                        –
                      </span>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
