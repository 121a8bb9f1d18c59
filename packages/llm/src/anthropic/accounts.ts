import { createHash } from 'node:crypto';
import type { AnthropicAccount } from '@fable-jobs/runtime';

/**
 * Accounts in the order a thread tries them: rendezvous hashing, so a thread always starts on
 * the same account (its prompt cache lives there) and adding or removing an account moves only
 * the threads that hashed to it. The rest of the order is the fallback chain.
 */
export function accountOrder<A extends AnthropicAccount>(accounts: readonly A[], thread: string): A[] {
  const score = (a: A) => createHash('sha256').update(`${a.account}\u0000${thread}`).digest().readBigUInt64BE(0);
  return [...accounts].map((a) => ({ a, s: score(a) })).sort((x, y) => (x.s === y.s ? 0 : x.s > y.s ? -1 : 1)).map((x) => x.a);
}
