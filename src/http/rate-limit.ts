import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../domain/clock.ts';
import { AppError } from '../domain/errors.ts';
import type { SharedWindowLimiter } from '../domain/accounts/rate-limit.ts';

/**
 * An onRequest hook (after authentication) that spends one unit of the user's budget and publishes it in
 * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` and `RateLimit-Policy` (IETF draft); a spent budget
 * answers 429 with `Retry-After`. The budget is counted in the database, shared by every API process.
 */
export function rateLimitHook(opts: { limiter: SharedWindowLimiter; scope: string; clock: Clock }) {
  const { limiter } = opts;
  const limit = limiter.limit;
  const windowSeconds = limiter.windowMs / 1000;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const who = request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`;
    const r = await limiter.take(`${opts.scope}:${who}`, opts.clock.now().getTime());
    const reset = Math.max(1, Math.ceil(r.resetMs / 1000));
    reply.header('ratelimit-limit', String(limit));
    reply.header('ratelimit-remaining', String(r.remaining));
    reply.header('ratelimit-reset', String(reset));
    reply.header('ratelimit-policy', `${limit};w=${windowSeconds}`);
    if (!r.allowed) {
      reply.header('retry-after', String(reset));
      throw new AppError('rate_limited', `rate limit of ${limit} requests per ${windowSeconds} s reached; retry in ${reset} s`);
    }
  };
}
