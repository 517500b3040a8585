// Many deadlines on one timer: order, never early, removal (also by another callback), re-arming, clear().
// Every wait is for a callback to run, never for a fixed time.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Deadlines } from '../../server/spark/deadlines.js';

// The deadline timer is unref'd (in the server a socket keeps the process alive): hold the loop open meanwhile.
const keepAlive = setInterval(() => undefined, 60_000);
after(() => clearInterval(keepAlive));

/** Adds a deadline `inMs` from now that records its name and when it ran; `ran(name)` resolves then. */
function recorder(d: Deadlines) {
  const order: string[] = [];
  const late: string[] = [];
  const waiters = new Map<string, () => void>();
  const add = (name: string, inMs: number, also?: () => void) => {
    const at = Date.now() + inMs;
    return d.add(at, () => {
      if (Date.now() < at) late.push(`${name} ran early`);
      order.push(name);
      also?.();
      waiters.get(name)?.();
    });
  };
  const ran = (name: string) => new Promise<void>((resolve) => waiters.set(name, resolve));
  return { order, late, add, ran };
}

test('deadlines run in time order and never before their time', async () => {
  const d = new Deadlines();
  const r = recorder(d);
  const last = r.ran('c');
  r.add('c', 30);
  r.add('a', 5);
  r.add('b', 15);
  await last;
  assert.deepEqual(r.order, ['a', 'b', 'c']);
  assert.deepEqual(r.late, []);
  assert.equal(d.size, 0);
});

test('an earlier deadline added after a later one does not wait for it', async () => {
  const d = new Deadlines();
  const r = recorder(d);
  r.add('late', 300);
  const early = r.ran('early');
  r.add('early', 5);
  await early;
  assert.deepEqual(r.order, ['early'], 'the timer was re-armed for the earlier deadline');
  d.clear();
});

test('a removed deadline never runs; the timer left armed for it re-arms for the next', async () => {
  const d = new Deadlines();
  const r = recorder(d);
  const gone = r.add('gone', 5);
  const kept = r.ran('kept');
  r.add('kept', 25);
  d.remove(gone);
  await kept;
  assert.deepEqual(r.order, ['kept']);
  assert.deepEqual(r.late, []);
});

test('a callback may remove a deadline due at the same time, and add a new one', async () => {
  const d = new Deadlines();
  const r = recorder(d);
  const at = Date.now() + 5;
  let second: ReturnType<Deadlines['add']> | undefined;
  const added = r.ran('added');
  d.add(at, () => {
    r.order.push('first');
    d.remove(second!);
    r.add('added', 5);
  });
  second = d.add(at, () => r.order.push('second'));
  await added;
  assert.deepEqual(r.order, ['first', 'added']);
});

test('clear() drops every deadline', async () => {
  const d = new Deadlines();
  const r = recorder(d);
  r.add('dropped', 5);
  r.add('dropped too', 10);
  d.clear();
  assert.equal(d.size, 0);
  const after = r.ran('after');
  r.add('after', 20);
  await after;
  assert.deepEqual(r.order, ['after']);
});
