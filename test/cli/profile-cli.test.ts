/**
 * End to end: `modelscout profile` through the real CLI, with the offline models served by a
 * mirror (HF_ENDPOINT), synced into a fresh catalog in a temporary MODELSCOUT_HOME.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MirrorServer, startMirrorServer } from "../../src/mirror/start-mirror-server.js";
import { prepareOfflineModels } from "../support/offline-models.js";
import { runCli } from "../support/run-cli.js";

let mirror: MirrorServer;
let home: string;
let modelsDirectory: string;
const env = () => ({ MODELSCOUT_HOME: home, HF_ENDPOINT: mirror.url });

beforeAll(async () => {
  const offline = await prepareOfflineModels();
  mirror = await startMirrorServer({ directory: offline.directory });
  modelsDirectory = offline.directory;
  home = await mkdtemp(join(tmpdir(), "modelscout-profile-cli-"));
  const sync = await runCli(["catalog", "sync"], env());
  expect(sync.code, sync.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await mirror?.close();
  await rm(home, { recursive: true, force: true });
});

describe("modelscout profile", () => {
  it("profiles a synced model in a child process, prints JSON, and stores measured figures that catalog show uses", async () => {
    const result = await runCli(
      [
        "profile",
        "modelscout/sentiment-en-bow",
        "--batch",
        "1,4",
        "--runs",
        "3",
        "--warmup",
        "1",
        "--hardware",
        "cpu-laptop",
        "--json",
      ],
      env(),
    );
    expect(result.code, result.stderr).toBe(0);
    const { profile, storedFor } = JSON.parse(result.stdout) as {
      profile: {
        modelId: string;
        memoryScope: string;
        batches: { batchSize: number; itemLatencyMs: { p50: number } }[];
      };
      storedFor: string[];
    };
    expect(profile.modelId).toBe("modelscout/sentiment-en-bow");
    expect(profile.memoryScope).toBe("model-process");
    expect(profile.batches.map((batch) => batch.batchSize)).toEqual([1, 4]);
    expect(storedFor).toEqual(["local", "cpu-laptop"]);
    // Not a TTY: plain progress lines on stderr, nothing but JSON on stdout.
    expect(result.stderr).toMatch(/Fetching onnx\/model\.onnx of modelscout\/sentiment-en-bow/);

    const show = await runCli(["catalog", "show", "modelscout/sentiment-en-bow", "--json"], env());
    expect(show.code, show.stderr).toBe(0);
    const shown = JSON.parse(show.stdout) as {
      model: { hardware: { hardware: string; source: string }[] };
      hardware: { hardware: string; latencyKind: string; latencyMs: number }[];
    };
    expect(
      shown.model.hardware.filter((annotation) => annotation.source === "modelscout-profiler"),
    ).toHaveLength(4);
    expect(shown.hardware.find((row) => row.hardware === "cpu-laptop")).toMatchObject({
      latencyKind: "measured",
      latencyMs: profile.batches[0]?.itemLatencyMs.p50,
    });
  });

  it("profiles a quantised variant made from a catalog entry, as a table", async () => {
    const result = await runCli(
      ["profile", "modelscout/reviews-zh-bow@q8", "--runs", "2", "--in-process"],
      env(),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /modelscout\/reviews-zh-bow@q8 \(transformers-js, text-classification, q8\)/,
    );
    expect(result.stdout).toMatch(/p50\/item/);
    expect(result.stdout).toMatch(/Stored as measured figures for local\./);
  });

  it("profiles a model folder of the user's (local:) and says why its figures are not stored", async () => {
    const id = `local:${join(modelsDirectory, "modelscout", "sentiment-en-bow")}`;
    const result = await runCli(["profile", id, "--runs", "2", "--warmup", "1"], env());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${id} (transformers-js, text-classification, fp32)`);
    expect(result.stdout).toMatch(/p50\/item/);
    expect(result.stdout).toContain(
      "Not stored: a local: folder is read afresh on each run, so stored figures would go stale",
    );
    // Read in place, not downloaded.
    expect(result.stderr).toMatch(/Reading onnx\/model\.onnx of local:/);
    const show = await runCli(["catalog", "show", id], env());
    expect(show.code).toBe(3);
  });

  it("fetches a Hub model that is not in the catalog yet, as select does, and stores its figures", async () => {
    // A home of its own, never synced: only the bundled catalog is there.
    const fresh = await mkdtemp(join(tmpdir(), "modelscout-profile-fresh-"));
    try {
      const freshEnv = { ...env(), MODELSCOUT_HOME: fresh };
      const result = await runCli(
        ["profile", "modelscout/reviews-zh-bow", "--runs", "2", "--in-process"],
        freshEnv,
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/Stored as measured figures for local\./);
      const show = await runCli(
        ["catalog", "show", "modelscout/reviews-zh-bow", "--json"],
        freshEnv,
      );
      expect(show.code, show.stderr).toBe(0);
      const shown = JSON.parse(show.stdout) as {
        model: { hardware: { hardware: string; kind: string; source: string }[] };
      };
      expect(shown.model.hardware).toContainEqual(
        expect.objectContaining({
          hardware: "local",
          kind: "measured",
          source: "modelscout-profiler",
        }),
      );
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  }, 120_000);

  it("stops a model whose download stalls at --load-timeout-ms, and says so", async () => {
    // A Hub that takes the connection and never answers: the model's files never come.
    const stalled = new Set<Socket>();
    const hub = createServer(() => {});
    hub.on("connection", (socket) => stalled.add(socket));
    await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve));
    const port = (hub.address() as AddressInfo).port;
    try {
      const started = Date.now();
      const result = await runCli(
        ["profile", "modelscout/reviews-zh-bow", "--load-timeout-ms", "2000", "--runs", "1"],
        { ...env(), HF_ENDPOINT: `http://127.0.0.1:${port}` },
      );
      expect(result.code, result.stderr).toBe(75);
      expect(result.stderr).toContain("Loading modelscout/reviews-zh-bow (at most 2 s");
      expect(result.stderr).toMatch(/did not finish load within [\d.]+ s and was stopped/);
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      for (const socket of stalled) socket.destroy();
      await new Promise((resolve) => hub.close(resolve));
    }
  }, 90_000);

  it("fails clearly for an unknown model and bad options", async () => {
    const missing = await runCli(["profile", "modelscout/sentiment-en-bo"], env());
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(
      /No model "modelscout\/sentiment-en-bo" in the catalog\. Did you mean "modelscout\/sentiment-en-bow"\?/,
    );
    const badBatch = await runCli(
      ["profile", "modelscout/sentiment-en-bow", "--batch", "1,x"],
      env(),
    );
    expect(badBatch.code).toBe(2);
    expect(badBatch.stderr).toMatch(/--batch takes positive whole numbers/);
    const badHardware = await runCli(
      ["profile", "modelscout/sentiment-en-bow", "--hardware", "cpu-laptp"],
      env(),
    );
    expect(badHardware.code).toBe(2);
    expect(badHardware.stderr).toMatch(/Unknown hardware "cpu-laptp"/);
  });
});
