import pg from 'pg';

/** A statement whose SQL starts with this comment runs as a named prepared statement (see PreparingClient). */
export const PREPARED = /^\/\* prepared:([a-z0-9_]+) \*\//;

/**
 * A pg client that runs hot-path SQL as named prepared statements: SQL that begins with `/* prepared:NAME *\/` is
 * parsed once per connection and then only bound and executed (PostgreSQL may also keep its plan), which saves the
 * server the parse and analysis of a large statement on every request. Each name must always carry the same SQL;
 * everything else goes through unchanged.
 */
export class PreparingClient extends pg.Client {
  constructor(config?: pg.ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...a: unknown[]) => unknown;
    (this as { query: unknown }).query = (...args: unknown[]) => {
      const [text, values] = args;
      if (typeof text === 'string' && args.length === 2 && Array.isArray(values)) {
        const m = PREPARED.exec(text);
        if (m) return query({ name: m[1], text, values });
      }
      return query(...args);
    };
  }
}
