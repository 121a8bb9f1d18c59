import { PermanentError, RateLimitedError, RetryableError, type ProcessorMap } from '@fable-jobs/contracts';
import type { EffectsRepo } from '@fable-jobs/db';

/** Resolve after `ms`, or reject as soon as the job is aborted. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
}

export function systemProcessors(deps: { effects: EffectsRepo }): ProcessorMap<'system'> {
  return {
    'system.noop': async (data, ctx) => {
      if (data.sleepMs) await wait(data.sleepMs, ctx.signal);
      if (data.fail && ctx.attempt <= (data.failTimes ?? Number.MAX_SAFE_INTEGER)) {
        const message = `${data.fail} failure requested (attempt ${ctx.attempt})`;
        if (data.fail === 'permanent') throw new PermanentError(message, { code: 'SYSTEM_REQUESTED_FAILURE' });
        if (data.fail === 'rate-limited') throw new RateLimitedError(300, message);
        throw new RetryableError(message, { code: 'SYSTEM_REQUESTED_FAILURE' });
      }
      return { ok: true };
    },
    'system.effect': async (data, ctx) => {
      if (data.sleepMs) await wait(data.sleepMs, ctx.signal);
      if (data.blockMs && (!data.blockOnce || ctx.starts === 1)) {
        const until = Date.now() + data.blockMs;
        while (Date.now() < until) {
          // Deliberately synchronous: nothing else on this process runs meanwhile (no lock renewal).
        }
      }
      await ctx.fence();
      const outcome = await deps.effects.record(data.effectKey, ctx.idempotencyKey);
      return { recorded: data.effectKey, ...(outcome === 'repeat' ? { repeat: true } : {}) };
    },
  };
}
