/**
 * @module
 * The backends a selection runs candidates with (`modelscout select`, the agent tools), and
 * that `catalog show` asks whether they would take a model: transformers.js, the npm models,
 * and models behind servers.
 */
import { createHttpBackendProvider } from "./http/http-backend-provider.js";
import { isolatedProvider } from "./isolated/isolated-provider.js";
import type { BackendProvider } from "./model-backend.js";
import { npmBackendProvider } from "./npm/npm-backend-provider.js";
import { createTransformersBackendProvider } from "./transformers-js/transformers-backend-provider.js";

export function selectionProviders(options: {
  inProcess: boolean;
  timeoutMs?: number;
}): BackendProvider[] {
  const timeouts = options.timeoutMs === undefined ? {} : { runTimeoutMs: options.timeoutMs };
  return [
    // ONNX Runtime is native code: a crash or hang must not take the selection down.
    createTransformersBackendProvider({ isolated: options.inProcess ? false : timeouts }),
    // npm models are JavaScript/WASM; in this process their latency is measured without IPC.
    options.inProcess || options.timeoutMs === undefined
      ? npmBackendProvider
      : isolatedProvider(npmBackendProvider, timeouts),
    createHttpBackendProvider(),
  ];
}
