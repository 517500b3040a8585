// spark-sim entry point: startSim() builds the shared state and the server and returns the
// SparkSim control surface defined in api.ts (whose types are re-exported from here).

import type { SimFault, SimOptions, SimReply, SimResponder, SimReviewer, SparkSim } from './api.js';
import { nonNegative, SimCore } from './core.js';
import { SimServer } from './server.js';

export type * from './api.js';
export { scriptedReviewer, minimalJson } from './review.js';

export async function startSim(options: SimOptions = {}): Promise<SparkSim> {
  const core = new SimCore(options);
  const server = new SimServer(core);
  const host = options.host ?? '127.0.0.1';
  const port = await server.listen(options.port ?? 0, host);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}/v1`;
  core.log(`listening on ${url}`);

  const sim: SparkSim = {
    url,
    port,
    stats: core.stats,
    enqueue(...replies: SimReply[]): void {
      core.enqueue(replies);
    },
    setResponder(responder: SimResponder | undefined): void {
      core.responder = responder;
    },
    setReviewer(reviewer: SimReviewer | undefined): void {
      core.reviewer = reviewer;
    },
    inject(fault: SimFault): void {
      if (fault.kind === 'connection-limit') server.connectionLimitNow();
      else if (fault.kind === 'silence') server.silenceNow();
      else core.armFault(fault);
    },
    configure(knobs): void {
      if (knobs.tokensPerSecond !== undefined) core.knobs.tokensPerSecond = nonNegative(knobs.tokensPerSecond, 0, 'tokensPerSecond');
      if (knobs.firstTokenMs !== undefined) core.knobs.firstTokenMs = nonNegative(knobs.firstTokenMs, 0, 'firstTokenMs');
      if (knobs.handshakeDelayMs !== undefined) core.knobs.handshakeDelayMs = nonNegative(knobs.handshakeDelayMs, 0, 'handshakeDelayMs');
      if (knobs.latency !== undefined) core.setLatency(knobs.latency);
      if (knobs.models !== undefined) core.setModels(knobs.models);
      if (knobs.connectionLifetimeMs !== undefined) {
        core.knobs.connectionLifetimeMs = nonNegative(knobs.connectionLifetimeMs, 0, 'connectionLifetimeMs');
        server.rescheduleLifetimes();
      }
    },
    waitForCreates(n: number): Promise<void> {
      return core.waitForCreates(n);
    },
    waitForUpgrades(n: number): Promise<void> {
      return core.waitForUpgrades(n);
    },
    close(): Promise<void> {
      return server.close();
    },
  };
  return sim;
}
