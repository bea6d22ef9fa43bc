// A small router over the History API: the path picks the page, the query string holds the page's state (filters,
// the cursor), so every view can be bookmarked, shared and reloaded. Links are real <a href> (open in a new tab works);
// plain clicks are handled in place.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();
const current = (): Location => ({ path: window.location.pathname, query: new URLSearchParams(window.location.search) });

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const here = window.location.pathname + window.location.search;
  if (to !== here) {
    if (opts.replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
  }
  listeners.forEach((l) => l());
  if (!opts.replace) window.scrollTo(0, 0);
}

window.addEventListener('popstate', () => listeners.forEach((l) => l()));

/** The current location; the component re-renders when it changes. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const l = () => setLoc(current());
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
  return loc;
}

/** Replaces the location once rendered (a redirect is a navigation after the render, never during it). */
export function Redirect(props: { to: string }) {
  useEffect(() => navigate(props.to, { replace: true }), [props.to]);
  return null;
}

/** Matches `/calls/:id` against a path: the parameters, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split('/').filter(Boolean);
  const b = path.split('/').filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) params[a[i].slice(1)] = decodeURIComponent(b[i]);
    else if (a[i] !== b[i]) return null;
  }
  return params;
}

/** The page's query string as an object of strings (empty values left out). */
export function queryObject(q: URLSearchParams): Record<string, string> {
  const o: Record<string, string> = {};
  q.forEach((v, k) => {
    if (v !== '') o[k] = v;
  });
  return o;
}

/** `path?query` from an object, empty values left out. */
export function href(path: string, query: Record<string, string | number | undefined | null> = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

/** Replaces the current page's query (e.g. applied filters) without a new history entry unless asked. */
export function setQuery(query: Record<string, string | number | undefined | null>, opts: { push?: boolean } = {}): void {
  navigate(href(window.location.pathname, query), { replace: !opts.push });
}

type AnchorProps = JSX.AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren };

/** An <a> that navigates in place on a plain left click, and behaves as a normal link otherwise. */
export function Link(props: AnchorProps) {
  const { href: to, onClick, ...rest } = props;
  return (
    <a
      {...rest}
      href={to}
      onClick={(e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => {
        if (onClick) (onClick as (e: JSX.TargetedMouseEvent<HTMLAnchorElement>) => void)(e);
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || props.target) return;
        e.preventDefault();
        navigate(to);
      }}
    />
  );
}
