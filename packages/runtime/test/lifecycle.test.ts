import { describe, expect, it } from 'vitest';
import { Lifecycle, createLogger } from '../src/index.ts';

const log = createLogger({ level: 'silent' });

describe('Lifecycle', () => {
  it('runs intake, drain and close in order; close newest first', async () => {
    const order: string[] = [];
    const lc = new Lifecycle(log, { timeoutMs: 1000 });
    lc.on('close', 'db', () => void order.push('close:db'));
    lc.on('drain', 'jobs', () => void order.push('drain'));
    lc.on('close', 'queues', () => void order.push('close:queues'));
    lc.on('intake', 'poll', () => void order.push('intake'));
    await lc.shutdown();
    expect(order).toEqual(['intake', 'drain', 'close:queues', 'close:db']);
  });

  it('fires the drain deadline so slow work can abort, and keeps going', async () => {
    const lc = new Lifecycle(log, { timeoutMs: 50 });
    let aborted = false;
    let closed = false;
    lc.on('drain', 'slow', (deadline) => new Promise<void>((resolve) => deadline.addEventListener('abort', () => ((aborted = true), resolve()))));
    lc.on('close', 'after', () => void (closed = true));
    await lc.shutdown();
    expect(aborted).toBe(true);
    expect(closed).toBe(true);
  });

  it('a second signal forces exit; a failing task makes shutdown report failure', async () => {
    const exits: number[] = [];
    const lc = new Lifecycle(log, { timeoutMs: 1000, exit: (c) => void exits.push(c) });
    lc.on('drain', 'boom', () => Promise.reject(new Error('boom')));
    lc.installSignalHandlers();
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGTERM', 'SIGTERM');
    await expect(lc.shutdown()).rejects.toThrow(/finished with errors/);
    await new Promise((r) => setImmediate(r));
    expect(exits).toEqual([130, 1]);
  });
});
