/**
 * Runs `work` while `globalThis.AbortController` counts its constructions, and returns the
 * count: for tests that the routing hot path builds no `AbortSignal` (on Node.js 20 each one
 * survives the young-generation GC; `src/backends/cancellation.ts`).
 */
export async function countAbortControllers(work: () => unknown): Promise<number> {
  const Original = globalThis.AbortController;
  let built = 0;
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      built += 1;
    }
  };
  try {
    await work();
  } finally {
    globalThis.AbortController = Original;
  }
  return built;
}
