/**
 * What a piece of async work costs the event loop it runs on: its wall time, and the longest
 * the loop was held meanwhile (the largest gap of a 1 ms interval timer, less its
 * millisecond), as a server's requests would have waited behind it.
 */
export async function timedHold(work: () => unknown): Promise<{ wallMs: number; heldMs: number }> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const at = performance.now();
    longest = Math.max(longest, at - last);
    last = at;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 5));
  last = performance.now();
  const startedAt = performance.now();
  await work();
  const wallMs = performance.now() - startedAt;
  // One more tick, so a hold at the very end is seen.
  await new Promise((resolve) => setTimeout(resolve, 3));
  clearInterval(ticker);
  longest = Math.max(longest, performance.now() - last);
  return { wallMs, heldMs: Math.max(0, longest - 1) };
}

/** The middle value (the lower of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}
