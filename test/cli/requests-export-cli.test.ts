/**
 * The loop from live traffic back to selection (ADR 0056), end to end: a routing server
 * classifies real review sentences with a real npm model, clients send feedback (the true
 * label, or only "correct"), `modelscout requests export` turns the log beside the running
 * server into sample data, and `modelscout select <spec> --data <file>` chooses on that file.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { RoutingStore } from "../../src/route/routing-store.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { openStateDatabase } from "../../src/state/state-database.js";
import { postJson } from "../server/routing-test-support.js";
import { writeLexiconSpec } from "../support/lexicon-spec.js";
import { requestLogRow } from "../support/request-log-row.js";
import { runCli } from "../support/run-cli.js";

const SENTENCES = fileURLToPath(
  new URL("../../examples/english-sentiment/held-out-sentences.jsonl", import.meta.url),
);
const labelled = readFileSync(SENTENCES, "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as { text: string; label: string })
  .slice(0, 60);

const work = mkdtempSync(join(tmpdir(), "ms-export-"));
const statePath = join(work, "state.db");
let server: RoutingServer;

beforeAll(async () => {
  server = await startRoutingServer({
    config: parseRoutesConfig({
      models: [{ id: "npm:sentiment", kind: "catalog", isolated: false }],
      routes: [
        { name: "reviews", targets: { "text-classification": { candidates: ["npm:sentiment"] } } },
      ],
    }),
    port: 0,
    databasePath: statePath,
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe("modelscout requests export", () => {
  it("turns labelled live traffic into sample data that select chooses on", async () => {
    /** Sentences whose answer was wrong and whose feedback said so without the label. */
    const wrongUnlabelled = new Set<string>();
    let answeredRight = 0;
    for (const [index, item] of labelled.entries()) {
      const routed = await postJson(`${server.url}/v1/tasks/text-classification`, {
        model: "reviews",
        input: item.text,
      });
      expect(routed.status).toBe(200);
      const answer = (routed.json.data[0].labels as { label: string }[])[0]?.label;
      const right = answer === item.label;
      if (right) answeredRight += 1;
      // Clients: some confirm a right answer, some send the label, a few only say "wrong".
      const body =
        right && index % 2 === 0
          ? { correct: true }
          : !right && index % 5 === 0
            ? { correct: false }
            : { label: item.label, ...(right ? {} : { correct: false }) };
      if (!right && index % 5 === 0) wrongUnlabelled.add(item.text);
      const feedback = await postJson(`${server.url}/v1/feedback`, {
        request_id: routed.json.modelscout.request_id,
        ...body,
      });
      expect(feedback.status).toBe(200);
    }
    // The lexicon is wrong on some of these sentences, so every kind of feedback occurs.
    expect(answeredRight).toBeGreaterThan(30);
    expect(answeredRight).toBeLessThan(labelled.length);
    expect(wrongUnlabelled.size).toBeGreaterThan(0);

    const data = join(work, "reviews.jsonl");
    const exported = await runCli([
      "requests",
      "export",
      "--task",
      "sentiment",
      "--route",
      "reviews",
      "--state",
      statePath,
      "--out",
      data,
    ]);
    expect(exported.stderr).not.toMatch(/unexpected error/);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe("");
    const items = readFileSync(data, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { text: string; label: string; label_from: string });
    // Every request but the failures reported without a label, each with its true label.
    const truth = new Map(labelled.map((item) => [item.text, item.label]));
    expect(items.length).toBe(labelled.length - wrongUnlabelled.size);
    for (const item of items) {
      expect(wrongUnlabelled.has(item.text)).toBe(false);
      expect(item.label).toBe(truth.get(item.text));
    }
    expect(new Set(items.map((item) => item.label_from))).toEqual(new Set(["label", "correct"]));
    expect(exported.stderr).toContain(
      `Exported ${items.length} requests of text-classification on route reviews to ${data}`,
    );
    expect(exported.stderr).toContain(
      `Warning: ${wrongUnlabelled.size} answers that feedback called wrong gave no label`,
    );

    // The spec's own data, which --data replaces, columns and all.
    const spec = writeLexiconSpec(work, {
      path: "launch-set.csv",
      columns: { input: "review", label: "stars" },
    });
    const selected = await runCli(["select", spec, "--data", data, "--json", "--quiet"], {
      MODELSCOUT_HOME: join(work, "home"),
    });
    expect(selected.stderr).not.toMatch(/unexpected error/);
    expect(selected.code).toBe(0);
    const decision = JSON.parse(selected.stdout) as {
      winner: { id: string };
      candidates: { id: string; probes: number; status: string }[];
      exhaustiveProbes: number;
    };
    // Every exported item, on both candidates: the selection read the export, not the spec's file.
    expect(decision.exhaustiveProbes).toBe(2 * items.length);
    expect(decision.candidates.map((candidate) => candidate.id).sort()).toEqual([
      "npm:sentiment",
      "npm:vader-sentiment",
    ]);
    for (const candidate of decision.candidates) {
      expect(candidate.probes).toBeGreaterThan(0);
      expect(candidate.probes).toBeLessThanOrEqual(items.length);
    }
  }, 120_000);

  it("says why nothing was exported, and writes no file", async () => {
    const out = join(work, "none.jsonl");
    const result = await runCli([
      "requests",
      "export",
      "--task",
      "text-classification",
      "--route",
      "no-such-route",
      "--state",
      statePath,
      "--out",
      out,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      "No labelled requests of text-classification on route no-such-route in this state database (0 read from /v1/tasks/text-classification; none)",
    );
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
  }, 60_000);

  it("says that chat requests are never exported when they are all a task has", async () => {
    const chatState = join(work, "chat-state.db");
    const database = openStateDatabase({ path: chatState });
    const store = new RoutingStore(database, { writer: "main-thread" });
    for (const id of ["req_chat1", "req_chat2"]) {
      store.logRequest(
        requestLogRow(id, {
          endpoint: "chat.completions",
          task: "text-generation",
          route: "chat",
          inputText: "Where is my parcel?",
          outputText: "It is on its way.",
        }),
      );
    }
    store.flush();
    for (const id of ["req_chat1", "req_chat2"]) {
      store.recordFeedback({
        requestId: id,
        createdAt: new Date().toISOString(),
        rating: null,
        correct: true,
        label: null,
        latencyMs: null,
        reward: null,
      });
    }
    store.close();
    database.close();
    const result = await runCli([
      "requests",
      "export",
      "--task",
      "text-generation",
      "--route",
      "chat",
      "--state",
      chatState,
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("(0 read from /v1/tasks/text-generation; none)");
    expect(result.stderr).toContain(
      "2 requests of text-generation on route chat came through the chat, completions or responses endpoints, which are never exported",
    );
    expect(result.stderr).not.toContain('Feedback with a label or "correct" labels a request');
  }, 60_000);

  it("refuses a state database that does not exist rather than reading an empty new one", async () => {
    const missing = join(work, "typo", "state.db");
    for (const args of [
      ["requests", "export", "--task", "text-classification"],
      ["requests", "summary"],
      ["learner", "standings"],
    ]) {
      const result = await runCli([...args, "--state", missing]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`No state database at ${missing}.`);
    }
    expect(existsSync(join(work, "typo"))).toBe(false);
  }, 60_000);
});
