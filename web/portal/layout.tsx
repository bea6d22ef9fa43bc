// The frame of every signed-in page: a skip link, the header (account switcher, user, sign out) and the navigation
// by role; on a phone the navigation folds behind a Menu button.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { Link, useLocation } from './lib/router.tsx';
import { useSession } from './lib/session.tsx';
import { PAGES } from './pages/routes.ts';

export function Layout(props: { children: ComponentChildren }) {
  const s = useSession();
  const loc = useLocation();
  const [menu, setMenu] = useState(false);
  const [switching, setSwitching] = useState(false);
  const nav = PAGES.filter((p) => p.nav && s.can(p.permission));
  const section = (pattern: string) => (pattern === '/' ? loc.path === '/' : loc.path === pattern || loc.path.startsWith(pattern + '/'));
  return (
    <div class="app">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <button type="button" class="btn plain menu-button" aria-expanded={menu ? 'true' : 'false'} aria-controls="nav" onClick={() => setMenu(!menu)}>
          Menu
        </button>
        <Link class="brand" href="/">
          <span class="brand-mark" aria-hidden="true">
            ◉
          </span>{' '}
          Telltale
        </Link>
        <div class="top-right">
          {s.accounts.length > 1 ? (
            <label class="account-switch">
              <span class="sr-only">Account</span>
              <select
                value={String(s.current_client_id ?? '')}
                disabled={switching}
                onChange={async (e) => {
                  setSwitching(true);
                  try {
                    await s.switchAccount(Number((e.target as HTMLSelectElement).value));
                  } finally {
                    setSwitching(false);
                  }
                }}
              >
                {s.accounts.map((a) => (
                  <option key={a.client_id} value={String(a.client_id)}>
                    {a.name || `Account ${a.client_id}`} ({a.client_id})
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <span class="account-name">{s.account ? `${s.account.name || 'Account'} · ${s.account.client_id}` : ''}</span>
          )}
          <span class="user" title={`Role: ${s.account?.role ?? ''}`}>
            {s.user.username}
            <span class="role">{s.account?.role.replace('_', ' ')}</span>
          </span>
          <button type="button" class="btn plain" onClick={() => s.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <div class="body">
        <nav id="nav" class={menu ? 'side open' : 'side'} aria-label="Sections">
          <ul>
            {nav.map((p) => (
              <li key={p.pattern}>
                <Link href={p.pattern} aria-current={section(p.pattern) ? 'page' : undefined} onClick={() => setMenu(false)}>
                  {p.nav}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="content">{props.children}</div>
      </div>
    </div>
  );
}
