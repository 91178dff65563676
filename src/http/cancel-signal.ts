/**
 * The part of an `AbortSignal` that cancellable work reads: an `AbortSignal` is one, and so
 * are the router's cheaper `CancelSource` and `RunCancellation` (`backends/cancellation.ts`),
 * which are not `EventTarget`s (on Node.js 20 every `AbortSignal` survives the
 * young-generation GC).
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  throwIfAborted(): void;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}
