// The trace: one line per request (--log-file, spark.trace) saying what was asked, how it ended, and where
// its time went, in ms. Pure formatting. Never the key; the answered text only when `withText` (logLevel debug).
import { phasesOf } from '../spark/timings.js';
import type { RequestRecord } from './status.js';

/** Longest answered text a debug trace line carries (characters). */
const TEXT_MAX = 200;

export function traceLine(record: RequestRecord, withText: boolean, at: Date = new Date()): string {
  const { timings } = record;
  const fields = [at.toISOString(), record.kind, record.outcome, record.uri];
  const phases = phasesOf(timings);
  const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  if (phases !== undefined) {
    fields.push(
      `queue=${ms(phases.queue)}`,
      `beforeSend=${ms(phases.beforeSend)}`,
      `firstToken=${ms(phases.firstToken)}`,
      `streaming=${ms(phases.streaming)}`,
      `afterLastEvent=${ms(phases.afterLastEvent)}`,
      `total=${ms(phases.total)}`,
    );
  } else {
    fields.push(`upstream=${Number.isFinite(timings.sent) ? 'yes' : 'no'}`, `total=${ms(timings.answered - timings.received)}`);
  }
  if (withText && record.text !== undefined) fields.push(`text=${JSON.stringify(record.text.slice(0, TEXT_MAX))}`);
  return fields.join(' ');
}
