/**
 * @module
 * Wraps a `BackendProvider` so every backend it creates runs in a child process
 * (`isolated-backend.ts`). The child rebuilds the backend from the catalog record with a
 * factory module named by URL, since functions cannot cross a process boundary;
 * `child-factories.ts` holds the factories for the providers ModelScout ships.
 */
import type { ModelRecord } from "../../catalog/model-record.js";
import type { BackendProvider, ModelBackend } from "../model-backend.js";
import {
  createIsolatedBackend,
  DEFAULT_LOAD_TIMEOUT_MS,
  DEFAULT_RUN_TIMEOUT_MS,
} from "./isolated-backend.js";
import { moduleBeside } from "./isolated-protocol.js";

export interface IsolatedProviderOptions {
  /** Module and export that build the backend in the child from `{ model }`. */
  childFactory?: { moduleUrl: string; exportName: string };
  runTimeoutMs?: number;
  loadTimeoutMs?: number;
}

/** The same provider, with each backend in its own child process. */
export function isolatedProvider(
  inner: BackendProvider,
  options: IsolatedProviderOptions = {},
): BackendProvider {
  const childFactory = options.childFactory ?? {
    moduleUrl: moduleBeside("child-factories", import.meta.url),
    exportName: "createBackendInChild",
  };
  return {
    provider: inner.provider,
    supports: (model) => inner.supports(model),
    unavailable: (model) => inner.unavailable?.(model) ?? null,
    create(model: ModelRecord): ModelBackend {
      // Backends load lazily, so building one here only to describe it costs nothing.
      const description = inner.create(model).describe();
      return createIsolatedBackend({
        // biome-ignore lint/plugin/no-spread-then-field: once per backend
        factory: { ...childFactory, options: { provider: inner.provider, model } },
        description,
        runTimeoutMs: options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
        loadTimeoutMs: options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS,
      });
    },
  };
}
