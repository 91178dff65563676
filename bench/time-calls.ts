/**
 * Median microseconds per call of `run`: `max(minWarmup, calls / 5)` calls of warm-up, then
 * 5 timed loops of `calls` calls each (`log-text-redaction.ts`, `redaction-starts.ts`).
 */
export function medianMicrosPerCall(run: () => unknown, calls: number, minWarmup: number): number {
  for (let index = 0; index < Math.max(minWarmup, calls / 5); index += 1) run();
  const loops: number[] = [];
  for (let loop = 0; loop < 5; loop += 1) {
    const started = performance.now();
    for (let index = 0; index < calls; index += 1) run();
    loops.push(((performance.now() - started) * 1000) / calls);
  }
  return loops.sort((a, b) => a - b)[2] as number;
}
