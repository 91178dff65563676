/**
 * End to end: `modelscout catalog sync` against a local server speaking the Hub's protocol,
 * reached through HF_ENDPOINT the way a mirror user would.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FakeHub,
  generateHubModels,
  loadHubFixtures,
  startFakeHubServer,
} from "../support/fake-hub-server.js";
import { runCli } from "../support/run-cli.js";

const TOKEN = "hf_cliTestSecretToken123456";
let hub: FakeHub;
let home: string;

beforeAll(async () => {
  hub = await startFakeHubServer({
    models: [...loadHubFixtures(), ...generateHubModels(230)],
    requiredToken: TOKEN,
    maxPageSize: 100,
  });
  home = mkdtempSync(join(tmpdir(), "modelscout-sync-cli-"));
});

afterAll(async () => {
  await hub.close();
});

describe("modelscout catalog sync", () => {
  it("syncs only the models the Hub tags onnx with --onnx, and status names the query", async () => {
    const onnxHome = mkdtempSync(join(tmpdir(), "modelscout-sync-cli-onnx-"));
    const env = { MODELSCOUT_HOME: onnxHome, HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN };
    const tagged = hub.models().filter((model) => (model.tags as string[]).includes("onnx"));
    expect(tagged.length).toBeGreaterThan(0);
    const from = hub.modelRequests().length;
    const result = await runCli(["catalog", "sync", "--onnx", "--json"], env);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { fetched: number; query: { tags: string[] } };
    expect(summary.fetched).toBe(tagged.length);
    expect(summary.query.tags).toEqual(["onnx"]);
    expect(hub.modelRequests()[from]?.query.getAll("filter")).toEqual(["onnx"]);
    const status = await runCli(["catalog", "status"], env);
    expect(status.stdout).toContain(`${hub.url}, tags onnx: finished`);
  }, 60_000);

  it("syncs every page through HF_ENDPOINT with plain progress lines and never prints the token", async () => {
    hub.script({ kind: "ok" }, { kind: "status", status: 429, retryAfter: "0" });
    const env = { MODELSCOUT_HOME: home, HF_ENDPOINT: `${hub.url}/`, HF_TOKEN: TOKEN };
    const result = await runCli(["catalog", "sync", "--page-size", "100", "--json"], env);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      fetched: number;
      inserted: number;
      updated: number;
      pages: number;
    };
    expect(summary.fetched).toBe(234);
    // Two fixture models (all-MiniLM-L6-v2 from MTEB, Qwen2.5-7B-Instruct from the
    // leaderboard) are already in the offline snapshot: the Hub's copy updates them.
    expect(summary.inserted).toBe(232);
    expect(summary.updated).toBe(2);
    expect(summary.pages).toBe(3);
    // Not a TTY here: progress is plain lines on stderr, one per page, and the retry is told.
    expect(result.stderr).not.toMatch(/\r/);
    expect(result.stderr).toMatch(/429|retry/i);
    expect(`${result.stdout}${result.stderr}`).not.toContain(TOKEN);
    for (const request of hub.modelRequests())
      expect(request.authorization).toBe(`Bearer ${TOKEN}`);

    const search = await runCli(
      [
        "catalog",
        "search",
        "--source",
        "hub",
        "--task",
        "sentiment",
        "--lang",
        "en",
        "--json",
        "--limit",
        "100",
      ],
      env,
    );
    expect(search.code, search.stderr).toBe(0);
    const ids = (JSON.parse(search.stdout) as { models: { id: string }[] }).models.map(
      (model) => model.id,
    );
    expect(ids).toContain("distilbert/distilbert-base-uncased-finetuned-sst-2-english");
    // The merge keeps what the snapshot knew (leaderboard scores) beside the Hub's fields.
    const qwen = await runCli(["catalog", "show", "Qwen/Qwen2.5-7B-Instruct", "--json"], env);
    const model = (
      JSON.parse(qwen.stdout) as {
        model: { lastModified: string; evalResults: { source: string }[] };
      }
    ).model;
    expect(model.lastModified).toBe("2025-01-12T02:10:10.000Z");
    expect(model.evalResults.some((result) => result.source === "open-llm-leaderboard-v2")).toBe(
      true,
    );

    const again = await runCli(["catalog", "sync", "--page-size", "100", "--json"], env);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as {
      fetched: number;
      inserted: number;
      updated: number;
      stoppedEarly: boolean;
    };
    expect(second).toMatchObject({ inserted: 0, updated: 0, stoppedEarly: true });

    // The last finished run of this query, as `catalog status` tells it.
    const status = await runCli(["catalog", "status"], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(
        `^Hub syncs:\\n  ${hub.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: finished \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC, ${second.fetched} fetched \\(0 new, 0 changed\\)$`,
        "m",
      ),
    );
  }, 120_000);

  it("catalog show looks up the files of a model whose listing named none, and says when it cannot", async () => {
    const env = { MODELSCOUT_HOME: home, HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN };
    const distilbert = "distilbert/distilbert-base-uncased-finetuned-sst-2-english";
    const opus = "Helsinki-NLP/opus-mt-en-de";
    for (const search of ["distilbert-base-uncased-finetuned", "opus-mt-en-de"]) {
      const synced = await runCli(["catalog", "sync", "--search", search], env);
      expect(synced.code, synced.stderr).toBe(0);
    }
    hub.setFiles(distilbert, ["config.json", "onnx/model.onnx", "onnx/model_quantized.onnx"]);
    const shown = await runCli(["catalog", "show", distilbert, "--json"], env);
    expect(shown.code, shown.stderr).toBe(0);
    const output = JSON.parse(shown.stdout) as {
      model: { extra: Record<string, unknown> };
      files?: { state: string };
    };
    expect(output.files?.state).toBe("looked-up");
    expect(output.model.extra).toMatchObject({
      onnxFiles: ["onnx/model.onnx", "onnx/model_quantized.onnx"],
      onnxVariants: ["q8"],
    });
    expect(output.model.extra.filesUnknown).toBeUndefined();
    // Stored: the variant is a catalog entry now, and showing again asks nothing.
    const variant = await runCli(["catalog", "show", `${distilbert}@q8`, "--json"], env);
    expect(variant.code, variant.stderr).toBe(0);
    const again = await runCli(["catalog", "show", distilbert, "--json"], env);
    expect((JSON.parse(again.stdout) as { files?: unknown }).files).toBeUndefined();

    const offline = await runCli(["catalog", "show", opus], { ...env, HF_HUB_OFFLINE: "1" });
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toMatch(/files:\s+unknown: .*offline mode is on/);
    expect(`${shown.stdout}${offline.stdout}`).not.toContain(TOKEN);
  });

  it("explains a malformed Hub page and a bad option", async () => {
    const env = {
      MODELSCOUT_HOME: mkdtempSync(join(tmpdir(), "modelscout-sync-bad-")),
      HF_ENDPOINT: hub.url,
      HF_TOKEN: TOKEN,
    };
    hub.script({ kind: "malformed-json" });
    const malformed = await runCli(["catalog", "sync", "--limit", "5"], env);
    expect(malformed.code).toBe(76);
    expect(malformed.stderr).toMatch(/api\/models/);
    expect(malformed.stderr).not.toContain(TOKEN);
    const badLimit = await runCli(["catalog", "sync", "--limit", "-3"], env);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/limit/);
  }, 120_000);
});
