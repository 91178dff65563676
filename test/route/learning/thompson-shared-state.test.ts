/**
 * Several servers on one state file (ADR 0060): each learner writes under the write lock after
 * reading what the others wrote, so the stored aggregates stay the fold of the whole outcome
 * log, a demotion is decided once, and `sync` brings each learner's memory to the same
 * standings. Two real processes write at the same time; the rest uses two connections.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LearningStore } from "../../../src/route/learning/learning-store.js";
import type { ThompsonRouteLearner } from "../../../src/route/learning/thompson-route-learner.js";
import type { ModelStanding } from "../../../src/route/route-learner.js";
import { openStateDatabase, StateMovedOn } from "../../../src/state/state-database.js";
import { closeAfterTest, makeLearner, START_MS } from "./test-learner.js";

const at = (ms: number) => new Date(ms).toISOString();

function statePath(): string {
  return join(mkdtempSync(join(tmpdir(), "modelscout-shared-")), "state.db");
}

function record(
  learner: ThompsonRouteLearner,
  requestId: string,
  modelId: string,
  reward: number,
  domain?: string,
): void {
  learner.record({
    requestId,
    route: "r",
    modelId,
    reward,
    ...(domain !== undefined && { domain }),
    at: at(START_MS),
  });
}

/** Standings without the time-dependent parts rounded away, for comparing two learners. */
function standingsOf(learner: ThompsonRouteLearner) {
  return learner.standings("r").map((row) => ({
    ...row,
    mean: Number(row.mean.toFixed(9)),
    effectiveCount: Number(row.effectiveCount.toFixed(9)),
  }));
}

/** Demotion against the route's first candidate, after ten effective observations. */
const DEMOTE_AGAINST_FIRST = {
  demotion: { probability: 0.9, minEffectiveObservations: 10 },
  baseline: { policy: "first-candidate" as const },
};

describe("learners sharing a state file", () => {
  it("fold each other's outcomes into the stored aggregates instead of overwriting them", () => {
    const path = statePath();
    const a = makeLearner({}, 1, path).learner;
    const b = makeLearner({}, 2, path).learner;
    for (let index = 0; index < 30; index++) {
      record(a, `a${index}`, "m", index % 3 === 0 ? 0 : 1);
      record(b, `b${index}`, "m", index % 2);
    }
    // 30 + 30 rewards on one model: the stored aggregate counts all of them.
    expect(a.verifyAggregates()).toEqual([]);
    const [stored] = b.standings("r");
    expect(stored?.effectiveCount).toBeCloseTo(60, 9);
    a.sync();
    expect(standingsOf(a)).toEqual(standingsOf(b));
  });

  it("replace a reward the other learner recorded for the same request", () => {
    const path = statePath();
    const a = makeLearner({}, 1, path).learner;
    const b = makeLearner({}, 2, path).learner;
    record(a, "req1", "m", 0);
    // The client retried its feedback and the balancer sent it to the other server.
    record(b, "req1", "m", 1);
    expect(b.verifyAggregates()).toEqual([]);
    const [standing] = b.standings("r");
    expect(standing?.effectiveCount).toBeCloseTo(1, 9);
    // Beta(1 + 1, 1 + 0): the replaced 0 is gone.
    expect(standing?.mean).toBeCloseTo(2 / 3, 9);
  });

  it("see each other's outcomes in choose after sync, and only then", () => {
    const path = statePath();
    const a = makeLearner({ floor: 0, cap: 0 }, 1, path).learner;
    const b = makeLearner({ floor: 0, cap: 0 }, 2, path).learner;
    const candidates = ["first", "second"];
    for (let index = 0; index < 40; index++) {
      record(a, `f${index}`, "first", 0);
      record(a, `s${index}`, "second", 1);
    }
    // b has not looked yet: with no evidence the greedy pick is the first candidate.
    expect(b.choose("r", candidates).modelId).toBe("first");
    expect(b.sync()).toBe(2);
    expect(b.choose("r", candidates).modelId).toBe("second");
    expect(b.sync()).toBe(0);
  });

  it("decide a demotion once and both keep to it", () => {
    const path = statePath();
    const config = DEMOTE_AGAINST_FIRST;
    const a = makeLearner(config, 1, path).learner;
    const b = makeLearner(config, 2, path).learner;
    a.choose("r", ["base", "weak"]);
    b.choose("r", ["base", "weak"]);
    for (let index = 0; index < 40; index++) {
      const learner = index % 2 === 0 ? a : b;
      record(learner, `base${index}`, "base", 1, "zh");
      record(learner, `weak${index}`, "weak", 0, "zh");
    }
    const demotions = a.decisions({ route: "r" }).filter((decision) => decision.kind === "demote");
    expect(demotions.map((decision) => [decision.modelId, decision.domain])).toEqual([
      ["weak", "zh"],
    ]);
    a.sync();
    b.sync();
    for (const learner of [a, b]) {
      expect(learner.demotions("r").map((decision) => decision.id)).toEqual([demotions[0]?.id]);
    }
  });

  it("demote on feedback taken by one that has not routed the route since it started", () => {
    // `modelscout serve --workers 2`: one worker routes the requests, the other takes their
    // feedback. The baseline is the first candidate of the route as the router chose with,
    // which the routing learner stored; the other must read it to judge a demotion.
    const path = statePath();
    const config = DEMOTE_AGAINST_FIRST;
    const a = makeLearner(config, 1, path).learner;
    const b = makeLearner(config, 2, path).learner;
    a.choose("r", ["base", "weak"]);
    for (let index = 0; index < 40; index++) {
      record(b, `base${index}`, "base", 1);
      record(b, `weak${index}`, "weak", 0);
    }
    const demotions = b.decisions({ route: "r" }).filter((decision) => decision.kind === "demote");
    expect(demotions.map((decision) => [decision.modelId, decision.baselineModelId])).toEqual([
      ["weak", "base"],
    ]);
  });

  it("see an operator's demotion and reinstatement made through the other", () => {
    const path = statePath();
    const a = makeLearner({}, 1, path).learner;
    const b = makeLearner({}, 2, path).learner;
    a.choose("r", ["base", "weak"]);
    const demotion = a.demote("r", "weak", null, { actor: "ops" });
    b.sync();
    expect(b.demotions("r").map((decision) => decision.id)).toEqual([demotion.id]);
    // The same demotion asked of the other server returns the stored one.
    expect(b.demote("r", "weak").id).toBe(demotion.id);
    b.reinstate("r", "weak", null, { actor: "ops" });
    a.sync();
    expect(a.demotions("r")).toEqual([]);
  });

  it("say so when another one runs another half-life, having read its outcomes", () => {
    const path = statePath();
    const a = makeLearner({ halfLifeMs: 60_000 }, 1, path).learner;
    record(a, "one", "m", 1);
    // Started with other settings: it rebuilt the aggregates with its half-life.
    const b = makeLearner({ halfLifeMs: 120_000 }, 2, path).learner;
    record(b, "two", "m", 1);
    expect(() => a.sync()).toThrow(/half-life of 120000 ms, this one with 60000 ms/);
    expect(a.standings("r")[0]?.effectiveCount).toBeCloseTo(2, 6);
    expect(b.sync()).toBe(0);
  });

  it("refuse a write made after a read-ahead that another one has made stale (writingAfter)", async () => {
    const path = statePath();
    const { learner: b, database: theirs } = makeLearner({}, 2, path);
    const store = new LearningStore(closeAfterTest(openStateDatabase({ path })));
    record(b, "b0", "m", 1);
    const position = store.position();
    // Nothing to read ahead on a file: the reads under the lock cost no round trip.
    expect(await store.readAhead(position, "b0")).toBeUndefined();
    const marker = () =>
      store.writingAfter(position, () => store.writeMeta("after_read_ahead", "written"));
    record(b, "b1", "m", 1);
    expect(marker).toThrow(StateMovedOn);
    expect(store.readMeta("after_read_ahead")).toBeUndefined();
    // Read again, it goes through.
    store.writingAfter(store.position(), () => store.writeMeta("after_read_ahead", "written"));
    expect(
      theirs
        .prepare("SELECT value FROM learning_meta WHERE key = 'after_read_ahead'")
        .pluck()
        .get(),
    ).toBe("written");
  });

  it("keep the stored aggregates equal to the outcome log with two processes writing at once", {
    timeout: 60_000,
  }, async () => {
    const path = statePath();
    const count = 300;
    const children = ["a", "b"].map((prefix, index) => startWorker(path, prefix, count, index + 7));
    await Promise.all(children.map((child) => child.printed("ready")));
    for (const { child } of children) child.stdin.write("go\n");
    await Promise.all(children.map((child) => child.printed("finished")));
    for (const { child } of children) child.stdin.end("report\n");
    const outputs = await Promise.all(children.map((child) => child.exited));

    const { learner, clock } = makeLearner(
      {
        demotion: { probability: 0.95, minEffectiveObservations: 20 },
        baseline: { policy: "first-candidate" },
      },
      3,
      path,
    );
    // Every outcome of both processes is in the log, and the aggregates are its fold.
    const outcomes = learner.outcomes();
    expect(outcomes).toHaveLength(2 * (count + count / 5));
    expect(learner.verifyAggregates()).toEqual([]);
    // The two wrote at the same time: in the log's order, their outcomes alternate.
    const switches = outcomes.filter(
      (outcome, index) => index > 0 && outcome.requestId[0] !== outcomes[index - 1]?.requestId[0],
    ).length;
    expect(switches).toBeGreaterThan(10);
    // Both brought evidence against `weak` in "zh"; each demotion was decided once.
    const demotions = learner
      .decisions({ route: "r" })
      .filter((decision) => decision.kind === "demote")
      .map((decision) => `${decision.modelId}/${decision.domain}`);
    expect(demotions).toContain("weak/zh");
    expect(new Set(demotions).size).toBe(demotions.length);
    // After a sync, each process's memory holds what a fresh reader of the file holds (read
    // at the workers' clock).
    clock.ms = START_MS + count * 100;
    const fresh = comparable(learner.standings("r"));
    expect(fresh.length).toBeGreaterThan(3);
    for (const output of outputs) {
      const line = output.split("\n").find((text) => text.startsWith("done "));
      expect(comparable(JSON.parse(line?.slice(5) ?? "[]") as ModelStanding[])).toEqual(fresh);
    }
  });
});

/** Standings rounded and in one order, to compare two processes' memories. */
function comparable(rows: ModelStanding[]) {
  return rows
    .map((row) =>
      Object.assign({}, row, {
        mean: Number(row.mean.toFixed(6)),
        effectiveCount: Number(row.effectiveCount.toFixed(6)),
      }),
    )
    .sort((x, y) => `${x.domain}/${x.modelId}`.localeCompare(`${y.domain}/${y.modelId}`));
}

/** `shared-record-worker.ts` in a child process, with a way to wait for a line it prints. */
function startWorker(path: string, prefix: string, count: number, seed: number) {
  const worker = join(import.meta.dirname, "shared-record-worker.ts");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", worker, path, prefix, String(count), String(seed)],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<string>((resolve, reject) => {
    child.once("exit", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`worker ${prefix}: ${code} ${stderr}`)),
    );
  });
  const printed = (line: string) =>
    new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (stdout.includes(`${line}\n`)) {
          clearInterval(check);
          resolve();
        }
      }, 10);
      exited.catch((error: unknown) => {
        clearInterval(check);
        reject(error);
      });
    });
  return { child, printed, exited };
}
