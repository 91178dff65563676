/**
 * The model registry's idle unloading (ADR 0099) across a reload of the routes config: a model
 * the new registry takes over keeps being unloaded when idle, and its status is the new
 * registry's; a new registry that is discarded (a reload that failed) hands its status back.
 * npm:vader-sentiment runs in this process (`isolated: false`), so a load is quick.
 */
import { afterEach, describe, expect, it } from "vitest";
import { endpointModelRecord } from "../../src/backends/http/endpoint-model-record.js";
import { type ModelLoadStatus, ModelRegistry } from "../../src/route/model-registry.js";
import type { ModelDeclaration } from "../../src/route/routes-config.js";

const VADER = "npm:vader-sentiment";
const open: ModelRegistry[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((registry) => registry.close()));
});

function registry(
  declarations: ModelDeclaration[],
  options: { unloadIdleMs?: number; previous?: ModelRegistry } = {},
): ModelRegistry {
  const made = new ModelRegistry({ declarations, isolateModels: false, ...options });
  open.push(made);
  return made;
}

const declared = (unloadIdleSeconds?: number): ModelDeclaration[] => [
  {
    id: VADER,
    kind: "catalog",
    ...(unloadIdleSeconds !== undefined && { unload_idle_seconds: unloadIdleSeconds }),
  } as ModelDeclaration,
];

const statusOf = (made: ModelRegistry): ModelLoadStatus | undefined => made.status().get(VADER);

async function run(made: ModelRegistry): Promise<void> {
  await made.require(VADER).doRun(["a fine day"]);
}

describe("ModelRegistry, unload_idle_seconds", () => {
  it("unloads an idle catalog model, says when, and loads it on its next call", async () => {
    const changes: ModelLoadStatus[] = [];
    const first = registry(declared(), { unloadIdleMs: 150 });
    first.onStatusChange = (_id, status) => changes.push(status);
    await first.prepare([VADER]);
    await first.loadAll();
    await expect.poll(() => statusOf(first)?.loaded, { timeout: 5000, interval: 20 }).toBe(false);
    expect(statusOf(first)).toMatchObject({ loaded: false, error: null });
    expect(Date.parse(statusOf(first)?.idleSince ?? "")).toBeGreaterThan(Date.now() - 5000);
    await run(first);
    expect(statusOf(first)).toEqual({ loaded: true, loadMs: expect.any(Number), error: null });
    expect(changes.map((status) => status.loaded)).toEqual([true, false, true]);
  });

  it("keeps a model declared with 0 loaded, and leaves models unwrapped without the setting", async () => {
    const kept = registry(declared(0), { unloadIdleMs: 100 });
    await kept.prepare([VADER]);
    await kept.loadAll();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(statusOf(kept)?.loaded).toBe(true);

    const plain = registry(declared());
    await plain.prepare([VADER]);
    expect(plain.require(VADER).constructor.name).not.toBe("IdleUnloadingBackend");
    const wrapped = registry(declared(5));
    await wrapped.prepare([VADER]);
    expect(wrapped.require(VADER).constructor.name).toBe("IdleUnloadingBackend");
  });

  it("leaves a catalog model that runs behind a server as it is", async () => {
    // A catalog record of a model behind an OpenAI-compatible server: nothing loaded here.
    const remote = endpointModelRecord({
      id: "remote-chat",
      protocol: "openai",
      baseUrl: "http://127.0.0.1:9/v1",
      apiModel: "chat",
      task: "text-generation",
    });
    const made = new ModelRegistry({
      declarations: [],
      unloadIdleMs: 100,
      lookupModel: async (id) => (id === remote.id ? remote : null),
    });
    open.push(made);
    await made.prepare([remote.id]);
    expect(made.require(remote.id).provider).toBe("openai-compatible");
    expect(made.require(remote.id).constructor.name).not.toBe("IdleUnloadingBackend");
  });

  it("hands a loaded model over on a reload, with its idle unloading and its status", async () => {
    const before = registry(declared(), { unloadIdleMs: 400 });
    await before.prepare([VADER]);
    await before.loadAll();
    const after = registry(declared(), { unloadIdleMs: 400, previous: before });
    await after.prepare([VADER]);
    expect(after.require(VADER)).toBe(before.require(VADER));
    await before.close(after);
    await expect.poll(() => statusOf(after)?.loaded, { timeout: 5000, interval: 20 }).toBe(false);
    expect(statusOf(after)?.idleSince).toEqual(expect.any(String));
    // The one it replaced no longer hears of it.
    expect(statusOf(before)?.loaded).toBe(true);

    // A reload that changes the idle time builds the model again.
    await run(after);
    const changed = registry(declared(), { unloadIdleMs: 800, previous: after });
    await changed.prepare([VADER]);
    expect(changed.require(VADER)).not.toBe(after.require(VADER));
    await changed.discard();
  });

  it("gives the status back to the registry still serving when the new one is discarded", async () => {
    const serving = registry(declared(), { unloadIdleMs: 400 });
    await serving.prepare([VADER]);
    await serving.loadAll();
    const failed = registry(declared(), { unloadIdleMs: 400, previous: serving });
    await failed.prepare([VADER]);
    await failed.discard();
    await expect.poll(() => statusOf(serving)?.loaded, { timeout: 5000, interval: 20 }).toBe(false);
    expect(statusOf(serving)?.idleSince).toEqual(expect.any(String));
    // The model is still the serving registry's: a call loads it again.
    await run(serving);
    expect(statusOf(serving)?.loaded).toBe(true);
  });
});
