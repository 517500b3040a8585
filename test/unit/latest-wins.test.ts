// Latest-wins turns and the cancellation source they carry: supersession per key, the linked outside
// cancellation, end(), abortAll(); listeners run once, in order, never after removal or when added late.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cancellation } from '../../server/scheduling/cancellation.js';
import { LatestWins, SUPERSEDED } from '../../server/scheduling/latest-wins.js';

test('a new turn for a key aborts the running one; other keys and ended turns are left alone', () => {
  const latest = new LatestWins();
  const a1 = latest.begin('a');
  const b = latest.begin('b');
  const a2 = latest.begin('a');
  assert.equal(a1.signal.aborted, true);
  assert.equal(a1.signal.reason, SUPERSEDED);
  assert.equal(b.signal.aborted, false);
  assert.equal(a2.signal.aborted, false);
  a2.end();
  a1.end(); // ending a superseded turn does not end the newer one
  const a3 = latest.begin('a');
  assert.equal(a2.signal.aborted, false, 'an ended turn is not superseded');
  assert.equal(latest.size, 2);
  latest.abortAll();
  assert.deepEqual([a3.signal.aborted, b.signal.aborted, a3.signal.reason], [true, true, 'shutdown']);
  assert.equal(latest.size, 0);
});

test('the linked outside source cancels the turn', () => {
  const latest = new LatestWins();
  let cancel: (() => void) | undefined;
  const turn = latest.begin('a', (abort) => (cancel = abort));
  assert.equal(turn.signal.aborted, false);
  cancel!();
  assert.equal(turn.signal.aborted, true);
  assert.equal(turn.signal.reason, 'cancelled');
});

test('listeners run once, in order, not after removal, not when added after the abort', () => {
  const c = new Cancellation();
  const ran: string[] = [];
  const first = () => ran.push('first');
  const removed = () => ran.push('removed');
  c.addEventListener('abort', first, { once: true });
  c.addEventListener('abort', first);
  c.addEventListener('abort', removed);
  c.addEventListener('abort', () => ran.push('second'));
  c.removeEventListener('abort', removed);
  c.abort('why');
  c.abort('again');
  c.addEventListener('abort', () => ran.push('late'));
  assert.deepEqual(ran, ['first', 'second']);
  assert.equal(c.reason, 'why');
});

test('a throwing listener does not stop the others; abort() rethrows its error once they have run', () => {
  const c = new Cancellation();
  const ran: string[] = [];
  c.addEventListener('abort', () => {
    throw new Error('listener failed');
  });
  c.addEventListener('abort', () => ran.push('after'));
  assert.throws(() => c.abort(), /listener failed/);
  assert.deepEqual(ran, ['after']);
  assert.equal(c.aborted, true);
});
