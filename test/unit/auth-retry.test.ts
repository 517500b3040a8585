// The retry gate after a refused key: a pause after each refusal, and a cap on retries in any 60 s.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetryGate } from '../../server/spark/auth-retry.js';

/** Each step: at time `at` (ms), `refused` records a refusal, `ask` expects allow() to answer `allowed`. */
type Step = { at: number; refused: true } | { at: number; ask: boolean };

function check(pauseMs: number, perMinute: number, steps: Step[]): void {
  const gate = new RetryGate(pauseMs, perMinute);
  for (const step of steps) {
    if ('refused' in step) gate.refused(step.at);
    else assert.equal(gate.allow(step.at), step.ask, `allow(${step.at})`);
  }
}

test('a retry waits for the pause after the refusal', () => {
  check(2_000, 5, [{ at: 0, refused: true }, { at: 1_999, ask: false }, { at: 2_000, ask: true }]);
});

test('each refusal starts the pause again', () => {
  check(2_000, 5, [
    { at: 0, refused: true },
    { at: 2_000, ask: true },
    { at: 2_100, refused: true },
    { at: 3_000, ask: false },
    { at: 4_100, ask: true },
  ]);
});

test('at most perMinute retries in any 60 s', () => {
  check(0, 2, [
    { at: 0, refused: true },
    { at: 1, ask: true },
    { at: 2, ask: true },
    { at: 3, ask: false },
    { at: 59_999, ask: false },
    { at: 60_001, ask: true },
    { at: 60_002, ask: true },
    { at: 60_003, ask: false },
  ]);
});

test('a request before any refusal is allowed (the pool only asks after one)', () => {
  check(2_000, 5, [{ at: 0, ask: true }]);
});
