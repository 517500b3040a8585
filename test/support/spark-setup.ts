// A SparkClient against spark-sim on port 0 with small, test-friendly options; both are torn down after the test.
import assert from 'node:assert/strict';
import { startSim, type SimOptions, type SparkSim } from '../../server/sim/index.js';
import { createSparkClient } from '../../server/spark/client.js';
import type { SparkClient, SparkClientOptions, SparkStatus } from '../../server/spark/api.js';
import { isSparkError } from '../../server/spark/errors.js';

export interface SparkSetup {
  sim: SparkSim;
  client: SparkClient;
  statuses: SparkStatus[];
  logs: string[];
}

export async function setupSpark(
  t: { after(fn: () => Promise<void> | void): void },
  clientOptions: Partial<SparkClientOptions> = {},
  simOptions: SimOptions = {},
  beforeClient?: (sim: SparkSim) => void,
): Promise<SparkSetup> {
  const sim = await startSim({ tokensPerSecond: 0, ...simOptions });
  beforeClient?.(sim);
  const logs: string[] = [];
  const client = createSparkClient({
    baseUrl: sim.url,
    apiKey: 'sk-test-secret',
    model: 'gpt-5.3-codex-spark',
    poolSize: 1,
    lanesPerConnection: 4,
    transport: 'auto',
    rotateAfterMs: 3_600_000,
    heartbeatMs: 30_000,
    websocketRetryMs: 60_000,
    log: (level, message) => logs.push(`${level} ${message}`),
    ...clientOptions,
  });
  const statuses: SparkStatus[] = [];
  client.onStatus((s) => statuses.push(s));
  t.after(async () => {
    client.destroy();
    await sim.close();
  });
  return { sim, client, statuses, logs };
}

/** Asserts that `p` rejects with a SparkError of `code`, and returns it. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(isSparkError(e), `expected a SparkError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected rejection with ${code}`);
}
