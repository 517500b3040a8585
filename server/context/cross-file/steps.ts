// Work cut into steps: a generator that yields between them and returns the result. A driver runs the steps at
// once (allSteps) or lets other work run between them (stepsInTurns), so that a long computation on the event
// loop delays a request that arrives meanwhile by one step, not by all of them. Pure.

/** Work over a large text (a walk of its tree, a token count) is cut into steps of about this many characters. */
export const STEP_CHARS = 16 * 1024;

/** Runs `steps` to the end at once; returns what the last one returns. */
export function allSteps<T>(steps: Generator<void, T>): T {
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** Runs `steps` with `turn()` awaited between them; stops the generator (its `finally` runs) should one throw. */
export async function stepsInTurns<T>(steps: Generator<void, T>, turn: () => Promise<void>): Promise<T> {
  try {
    let step = steps.next();
    while (!step.done) {
      await turn();
      step = steps.next();
    }
    return step.value;
  } finally {
    steps.return(undefined as T);
  }
}
