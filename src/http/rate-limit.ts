import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../domain/clock.ts';
import { AppError } from '../domain/errors.ts';
import { FixedWindowLimiter } from '../domain/rate-limit.ts';

/**
 * An onRequest hook (after authentication) that spends one unit of the user's budget and publishes it in
 * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` and `RateLimit-Policy` (IETF draft); a spent budget
 * answers 429 with `Retry-After`.
 */
export function rateLimitHook(opts: { limit: number; windowSeconds: number; clock: Clock }) {
  const limiter = new FixedWindowLimiter(opts.limit, opts.windowSeconds * 1000);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const key = request.principal?.userId ?? `ip:${request.ip}`;
    const r = limiter.take(key, opts.clock.now().getTime());
    const reset = Math.max(1, Math.ceil(r.resetMs / 1000));
    reply.header('ratelimit-limit', String(opts.limit));
    reply.header('ratelimit-remaining', String(r.remaining));
    reply.header('ratelimit-reset', String(reset));
    reply.header('ratelimit-policy', `${opts.limit};w=${opts.windowSeconds}`);
    if (!r.allowed) {
      reply.header('retry-after', String(reset));
      throw new AppError('rate_limited', `rate limit of ${opts.limit} requests per ${opts.windowSeconds} s reached; retry in ${reset} s`);
    }
  };
}
