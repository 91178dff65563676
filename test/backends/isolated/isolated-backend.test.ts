import { afterEach, describe, expect, it } from "vitest";
import {
  createIsolatedBackend,
  type IsolatedBackend,
} from "../../../src/backends/isolated/isolated-backend.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import { runModelBackendContract } from "../model-backend.contract.js";
import { MISBEHAVING_DESCRIPTION, type MisbehavingBackendOptions } from "./misbehaving-backend.js";

const FACTORY_MODULE = new URL("./misbehaving-backend.ts", import.meta.url).href;

function isolated(
  options: MisbehavingBackendOptions,
  runTimeoutMs = 2_000,
  loadTimeoutMs = 20_000,
) {
  return createIsolatedBackend({
    factory: { moduleUrl: FACTORY_MODULE, exportName: "createMisbehavingBackend", options },
    description: MISBEHAVING_DESCRIPTION(options.modelId),
    runTimeoutMs,
    loadTimeoutMs,
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

runModelBackendContract({
  name: "isolated (well-behaved test backend)",
  create: () => isolated({ modelId: "test/echo" }),
  inputs: ["good", "bad"],
  expectedKind: "labels",
  local: true,
});

const NPM_ARTIFACT = { kind: "npm", packages: [{ name: "echo-model", version: "1.2.3" }] };

runModelBackendContract({
  name: "isolated (test backend reporting an artifact)",
  create: () => isolated({ modelId: "test/echo-artifact", artifact: NPM_ARTIFACT }),
  inputs: ["good", "bad"],
  expectedKind: "labels",
  local: true,
  artifact: "npm",
});

describe("isolated backend", () => {
  const backends: IsolatedBackend[] = [];
  const track = (backend: IsolatedBackend) => {
    backends.push(backend);
    return backend;
  };
  afterEach(async () => {
    for (const backend of backends.splice(0)) await backend.unload();
  });

  it("stops a run that hangs with BACKEND_TIMEOUT, kills the child, and runs again afterwards", async () => {
    const backend = track(isolated({ modelId: "test/hangs" }, 1_500));
    await backend.load();
    const pid = backend.processId;
    expect(pid).toBeTypeOf("number");
    const error = await backend.doRun(["hang"]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelScoutError);
    expect((error as ModelScoutError).code).toBe("BACKEND_TIMEOUT");
    expect((error as ModelScoutError).message).toContain("test/hangs");
    await expect.poll(() => processAlive(pid as number)).toBe(false);
    // A fresh child answers the next call.
    const outputs = await backend.doRun(["fine"]);
    expect(outputs).toEqual([{ kind: "labels", labels: [{ label: "FINE", score: 1 }] }]);
    expect(backend.processId).not.toBe(pid);
  });

  it("brings the child's artifact across the process boundary as it was reported", async () => {
    const backend = track(isolated({ modelId: "test/artifact", artifact: NPM_ARTIFACT }));
    expect((await backend.load()).artifact).toEqual(NPM_ARTIFACT);
  });

  it("refuses a malformed artifact from the child with BACKEND_RESPONSE_INVALID", async () => {
    const backend = track(
      isolated({
        modelId: "test/bad-artifact",
        artifact: { kind: "hub", repository: "a/b", revision: "main", files: [{ path: "x" }] },
      }),
    );
    const error = await backend.load().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelScoutError);
    expect((error as ModelScoutError).code).toBe("BACKEND_RESPONSE_INVALID");
    expect((error as ModelScoutError).message).toContain("test/bad-artifact");
  });

  it("stops a load that hangs", async () => {
    const backend = track(
      isolated({ modelId: "test/hangs-on-load", onLoad: "hang" }, 1_000, 1_500),
    );
    await expect(backend.load()).rejects.toMatchObject({ code: "BACKEND_TIMEOUT" });
  });

  it("reports a child that aborts as BACKEND_CRASHED with the signal, and this process carries on", async () => {
    const backend = track(isolated({ modelId: "test/aborts" }));
    const error = await backend.doRun(["abort"]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelScoutError);
    expect((error as ModelScoutError).code).toBe("BACKEND_CRASHED");
    expect((error as ModelScoutError).details.signal).toBe("SIGABRT");
    expect((error as ModelScoutError).message).toContain("test/aborts");
    // The next model (another backend) and the same backend both still run.
    const next = track(isolated({ modelId: "test/next" }));
    expect(await next.doRun(["ok"])).toHaveLength(1);
    expect(await backend.doRun(["again"])).toHaveLength(1);
  });

  it("reports a child that exits mid-run with its exit code", async () => {
    const backend = track(isolated({ modelId: "test/exits" }));
    await expect(backend.doRun(["exit"])).rejects.toMatchObject({
      code: "BACKEND_CRASHED",
      details: { exitCode: 3 },
    });
  });

  it("reports a crash during load", async () => {
    const backend = track(isolated({ modelId: "test/aborts-on-load", onLoad: "abort" }));
    await expect(backend.load()).rejects.toMatchObject({ code: "BACKEND_CRASHED" });
  });

  it("passes a ModelScoutError thrown in the child through with its code and details", async () => {
    const backend = track(isolated({ modelId: "test/refuses", onLoad: "throw" }));
    await expect(backend.load()).rejects.toMatchObject({
      code: "MODEL_CORRUPT",
      details: { model: "test/refuses" },
    });
    const plain = track(isolated({ modelId: "test/throws" }));
    await expect(plain.doRun(["throw"])).rejects.toThrow("bad input");
  });

  it("kills the child when a run is aborted", async () => {
    const backend = track(isolated({ modelId: "test/aborted" }, 30_000));
    await backend.load();
    const pid = backend.processId as number;
    const controller = new AbortController();
    const running = backend.doRun(["hang"], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 200);
    await expect(running).rejects.toThrow("stop");
    await expect.poll(() => processAlive(pid)).toBe(false);
  });

  it("measures the child's peak memory, which includes what the model allocated", async () => {
    const small = track(isolated({ modelId: "test/small" }));
    const large = track(isolated({ modelId: "test/large", allocateBytes: 200_000_000 }));
    await small.load();
    await large.load();
    const smallMemory = await small.memory();
    const largeMemory = await large.memory();
    expect(smallMemory?.peakRssBytes).toBeGreaterThan(0);
    expect(largeMemory?.peakRssBytes).toBeGreaterThan(
      (smallMemory?.peakRssBytes ?? 0) + 150_000_000,
    );
  });

  it("ends the child on unload and starts a new one when used again", async () => {
    const backend = track(isolated({ modelId: "test/unload" }));
    await backend.load();
    const pid = backend.processId as number;
    await backend.unload();
    expect(backend.processId).toBeUndefined();
    await expect.poll(() => processAlive(pid)).toBe(false);
    expect(await backend.doRun(["back"])).toHaveLength(1);
  });
});
