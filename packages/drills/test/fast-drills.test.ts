import { describe, expect, it } from 'vitest';
import { bridgeSigkill, faultCount, idempotencyTwice, poisonMix, redisMaxmemory, renderReliability, rollingSigterm, sqsDeleteFailures, targetMet } from '../src/index.ts';

// The fault drills that finish in well under a minute, at reduced message counts, as CI tests.
// The full suite (all 14, full counts) is `npm run bench -- faults` → RELIABILITY.md.
describe('drill message count', () => {
  it('is the default unless FAULT_COUNT is set, and refuses anything but a positive integer', () => {
    expect(faultCount(3000, undefined)).toBe(3000);
    expect(faultCount(3000, '250')).toBe(250);
    for (const bad of ['faults', '0', '-5', '1.5']) expect(() => faultCount(3000, bad)).toThrow(/FAULT_COUNT must be a positive integer/);
  });
});

describe('the reliability report', () => {
  it('never counts a drill that did not run as met; re-executions alone do not miss the target', () => {
    const ran = { scenario: '05 x', sent: 10, distinct: 10, duplicates: 0, reExecutions: 3, lost: 0, deadLettered: 0, file: '05-x', ms: 1 };
    const broken = { scenario: '14-y', sent: 0, distinct: 0, duplicates: 0, reExecutions: 0, lost: 0, deadLettered: 0, error: 'faketime not found', notes: 'drill failed to run', file: '14-y', ms: 1 };
    expect(targetMet(ran)).toBe(true);
    expect(targetMet(broken)).toBe(false);
    expect(targetMet({ ...ran, duplicates: 1 })).toBe(false);
    const text = renderReliability([ran, broken], { started: 'now', node: 'v24', redis: '7' });
    expect(text).toMatch(/\| 14 \| 14-y \|.*\*\*did not run\*\*/);
    expect(text).toContain('- **14-y**: did not run: faketime not found');
    expect(text).toContain('- **05 x**: 3 re-executions, none of them a second effect.');
  });
});

describe('fault drills (fast ones)', () => {
  it('13: the same idempotency key sent three times makes one effect each', async () => {
    const r = await idempotencyTwice(200);
    expect(r).toMatchObject({ sent: 200, distinct: 200, duplicates: 0, reExecutions: 0, lost: 0, deadLettered: 0 });
  });

  it('2: bridges killed with SIGKILL while messages flow lose and duplicate nothing', async () => {
    const r = await bridgeSigkill(400);
    expect(r).toMatchObject({ distinct: 400, duplicates: 0, reExecutions: 0, lost: 0, deadLettered: 0 });
  });

  it('3: failed and late SQS deletes lose and duplicate nothing', async () => {
    const r = await sqsDeleteFailures(300);
    expect(r).toMatchObject({ distinct: 300, duplicates: 0, reExecutions: 0, lost: 0, deadLettered: 0 });
  });

  it('9: Redis at maxmemory refuses adds; nothing is deleted from SQS or lost', async () => {
    const r = await redisMaxmemory(1000);
    expect(r).toMatchObject({ distinct: 1000, duplicates: 0, lost: 0, deadLettered: 0 });
    expect(r.notes).toMatch(/, 0 in the DLQ/);
  });

  it('11: poison messages are dead-lettered; good ones all processed', async () => {
    const r = await poisonMix(400);
    expect(r).toMatchObject({ distinct: 800, duplicates: 0, lost: 0, deadLettered: 100 });
  });

  it('12: a rolling SIGTERM deploy of every process loses and duplicates nothing', async () => {
    const r = await rollingSigterm(300);
    expect(r).toMatchObject({ distinct: 300, duplicates: 0, reExecutions: 0, lost: 0, deadLettered: 0 });
    expect(r.notes).toMatch(/exit codes 0,0,0,0/);
  });
});
