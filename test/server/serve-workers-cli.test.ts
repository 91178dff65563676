/**
 * `modelscout serve --workers 2` (ADR 0061): the real CLI in a child process, two worker
 * processes on one port and one state file. Each request opens its own connection, so the
 * cluster's round robin hands them to both workers in turn. Checked: every request is
 * answered; `/metrics` from either worker counts both workers' requests; a dashboard's live
 * stream on either worker hears of the other's requests; a model's `max_in_flight` is shared
 * between the workers; a `Retry-After` one worker is told rests the model on both, and on a
 * worker started again after it died; a conversation
 * keeps its route whichever worker answers a turn; SIGHUP reloads both; a killed worker is
 * started again while the other serves, and both when both die; SIGTERM stops everything with exit code 0; and a
 * worker that cannot listen stops the rest with its error.
 */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { takenPort } from "../support/closed-port.js";
import { DESK_RULES } from "../support/desk-rules.js";
import { spawnServe } from "./serve-process.js";

const home = mkdtempSync(join(tmpdir(), "ms-serve-workers-"));
const configPath = join(home, "routes.json");
const statePath = join(home, "state.db");

/** A model server that is out of quota: every chat call gets a 429 with `Retry-After: 60`. */
const limited = { calls: 0, server: createServer() };
limited.server.on("request", (incoming, outgoing) => {
  incoming.resume();
  if (incoming.method === "POST") limited.calls++;
  outgoing.writeHead(429, { "content-type": "application/json", "retry-after": "60" });
  outgoing.end(JSON.stringify({ error: { message: "quota exceeded", type: "rate_limit_error" } }));
});

function writeConfig(limitedUrl: string): void {
  writeFileSync(
    configPath,
    JSON.stringify({
      ...DESK_RULES,
      models: [
        { id: "echo:delivery", kind: "echo" },
        { id: "echo:complaint", kind: "echo" },
        { id: "echo:product", kind: "echo", max_in_flight: 3 },
        {
          id: "limited",
          kind: "openai",
          base_url: limitedUrl,
          api_model: "m",
          health_check: false,
        },
        { id: "echo:spare", kind: "echo" },
      ],
      routes: [
        { name: "delivery", targets: { chat: { candidates: ["echo:delivery"] } } },
        { name: "complaint", targets: { chat: { candidates: ["echo:complaint"] } } },
        { name: "product", targets: { chat: { candidates: ["echo:product"] } } },
        { name: "rated", targets: { chat: { candidates: ["limited", "echo:spare"] } } },
      ],
    }),
  );
}

interface Primary {
  child: ChildProcess;
  url: string;
  pids: number[];
  stdout: () => string;
  stderr: () => string;
}

let primary: Primary;

/** Waits until `check()` holds, polling every 50 ms, or fails after `ms`. */
async function until(check: () => boolean, what: () => string, ms = 60_000): Promise<void> {
  for (let waited = 0; !check(); waited += 50) {
    if (waited > ms) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const WORKERS_LINE = /Routing server at (http:\/\/\S+) with 2 workers \(pids (\d+), (\d+)\)/;

beforeAll(async () => {
  limited.server.listen(0, "127.0.0.1");
  await once(limited.server, "listening");
  writeConfig(`http://127.0.0.1:${(limited.server.address() as AddressInfo).port}/v1`);
  const started = spawnServe(["--config", configPath, "--state", statePath, "--workers", "2"], {
    MODELSCOUT_HOME: home,
  });
  await until(
    () => WORKERS_LINE.test(started.stdout()),
    () => `${started.stdout()}\n${started.stderr()}`,
  );
  const match = WORKERS_LINE.exec(started.stdout()) as RegExpExecArray;
  primary = {
    child: started.child,
    url: match[1] as string,
    pids: [Number(match[2]), Number(match[3])],
    stdout: started.stdout,
    stderr: started.stderr,
  };
}, 120_000);

afterAll(() => {
  limited.server.close();
  if (primary !== undefined && primary.child.exitCode === null) primary.child.kill("SIGKILL");
  for (const pid of primary?.pids ?? []) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
});

/** A request on a connection of its own (no keep-alive), so the round robin moves on. */
function send(
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${primary.url}${path}`,
      {
        method,
        agent: false,
        headers: { "content-type": "application/json", connection: "close", ...headers },
      },
      (incoming) => {
        let text = "";
        incoming.setEncoding("utf8").on("data", (chunk: string) => {
          text += chunk;
        });
        incoming.on("end", () =>
          resolve({ status: incoming.statusCode ?? 0, text, headers: incoming.headers }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** `GET /admin/api/events` on a connection of its own, read as it comes. */
function openEvents() {
  let text = "";
  let connected: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    connected = resolve;
  });
  const outgoing = request(`${primary.url}/admin/api/events`, { agent: false }, (incoming) => {
    incoming.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
      if (text.includes(": connected")) connected();
    });
  });
  outgoing.on("error", () => {});
  outgoing.end();
  return { connected: ready, text: () => text, close: () => outgoing.destroy() };
}

const chat = (text: string, headers: Record<string, string> = {}) =>
  send(
    "POST",
    "/v1/chat/completions",
    { model: "auto", messages: [{ role: "user", content: text }] },
    headers,
  );

/**
 * Until request `id` is found by both lookups of a pair: each opens its own connection, so
 * the round robin sends them to both workers, and the one that did not answer it reads it
 * from the shared state file. Pairs keep the round robin's parity: the next request goes to
 * the worker it would have gone to without them, so turns still alternate between workers.
 */
async function loggedOnBothWorkers(id: string): Promise<void> {
  const found = async () => (await send("GET", `/v1/requests/${id}`)).status === 200;
  for (let waited = 0; ; waited += 50) {
    const pair = [await found(), await found()];
    if (pair.every(Boolean)) return;
    if (waited > 10_000) throw new Error(`request ${id} was not in both workers' log in 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `modelscout_requests_total` samples of a route: worker label -> count. */
function requestsByWorker(metrics: string, route: string): Map<string, number> {
  const counts = new Map<string, number>();
  const sample = new RegExp(
    `^modelscout_requests_total\\{worker="(\\d+)",route="${route}",model="[^"]+",status="200"\\} (\\d+)$`,
    "gm",
  );
  for (const match of metrics.matchAll(sample)) {
    counts.set(match[1] as string, (counts.get(match[1] as string) ?? 0) + Number(match[2]));
  }
  return counts;
}

const askRated = (index: number) =>
  send("POST", "/v1/chat/completions", {
    model: "rated",
    messages: [{ role: "user", content: `how many left? ${index}` }],
  });

/**
 * The workers whose `/metrics` say `model` is unavailable (its breaker open), once both do,
 * polling the merged exposition; fails after 10 s with the ones that do.
 */
async function workersResting(model: string): Promise<string[]> {
  const unavailable = new RegExp(
    `^modelscout_model_available\\{worker="(\\d+)",model="${model}"\\} 0$`,
    "gm",
  );
  let resting: string[] = [];
  for (let waited = 0; resting.length < 2; waited += 50) {
    if (waited > 10_000) throw new Error(`only workers [${resting}] rest ${model}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const metrics = await send("GET", "/metrics");
    resting = [...metrics.text.matchAll(unavailable)].map((match) => match[1] as string);
  }
  return resting.sort();
}

describe("serve --workers 2", () => {
  it("answers on both workers and counts them all in /metrics from either", async () => {
    for (let index = 0; index < 10; index++) {
      const answer = await chat(`what sizes are there? ${index}`);
      expect(answer.status).toBe(200);
    }
    // Two scrapes on fresh connections: one per worker, both see the whole server.
    for (const _ of [0, 1]) {
      const metrics = await send("GET", "/metrics");
      expect(metrics.status).toBe(200);
      const counts = requestsByWorker(metrics.text, "product");
      expect([...counts.keys()].sort()).toEqual(["1", "2"]);
      expect([...counts.values()].reduce((sum, count) => sum + count, 0)).toBe(10);
      // One HELP and one TYPE line for the family, whatever the number of workers.
      expect(metrics.text.match(/^# TYPE modelscout_requests_total counter$/gm)).toHaveLength(1);
    }
  }, 60_000);

  it("gives each worker its share of a model's max_in_flight", async () => {
    // 3 for the server: each of the two workers takes ceil(3 / 2) = 2, on both connections.
    for (const _ of [0, 1]) {
      const ready = await send("GET", "/ready");
      expect(JSON.parse(ready.text).models["echo:product"].load.maxInFlight).toBe(2);
      expect(JSON.parse(ready.text).models["echo:delivery"].load.maxInFlight).toBeNull();
    }
  }, 30_000);

  it("rests a model on every worker when one worker's call to it is told Retry-After", async () => {
    const first = await askRated(0);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text).modelscout.model).toBe("echo:spare");
    expect(limited.calls).toBe(1);
    // The worker that met the 429 told the other: both hold the model's breaker open.
    expect(await workersResting("limited")).toEqual(["1", "2"]);
    // Requests on both workers now go straight to the spare; the server is not asked again.
    for (let index = 1; index <= 6; index++) {
      const answer = await askRated(index);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text).modelscout.model).toBe("echo:spare");
    }
    expect(limited.calls).toBe(1);
    const metrics = await send("GET", "/metrics");
    expect([...requestsByWorker(metrics.text, "rated").keys()].sort()).toEqual(["1", "2"]);
  }, 60_000);

  it("keeps a conversation on its route whichever worker answers a turn", async () => {
    const session = { "x-modelscout-session": "conversation-across-workers" };
    const first = await chat("where is my parcel?", session);
    expect(JSON.parse(first.text).modelscout.route).toBe("delivery");
    let last: string = JSON.parse(first.text).modelscout.request_id;
    for (const turn of ["it came broken", "I want a refund", "it came broken again"]) {
      // Once the last answer is in the shared state file, as it is by a person's next turn (a
      // fixed 150 ms was not always enough with the CPUs busy: the log's writer thread runs
      // at idle priority).
      await loggedOnBothWorkers(last);
      const answer = await chat(turn, session);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text).modelscout.route).toBe("delivery");
      expect(answer.headers["x-modelscout-reason"]).toContain("the session's route");
      last = JSON.parse(answer.text).modelscout.request_id;
    }
    // Without the session, the same words go to complaints.
    expect(JSON.parse((await chat("it came broken")).text).modelscout.route).toBe("complaint");
    const metrics = await send("GET", "/metrics");
    expect([...requestsByWorker(metrics.text, "delivery").keys()].sort()).toEqual(["1", "2"]);
  }, 60_000);

  it("tells every worker's dashboard stream of a request either worker answered", async () => {
    // Two event streams on connections of their own: the round robin gives each a worker.
    const streams = [openEvents(), openEvents()];
    await Promise.all(streams.map((stream) => stream.connected));
    expect((await chat("what sizes are there?")).status).toBe(200);
    await until(
      () => streams.every((stream) => /"request"/.test(stream.text())),
      () => streams.map((stream) => stream.text()).join(" | "),
      10_000,
    );
    for (const stream of streams) stream.close();
  }, 30_000);

  it("reloads every worker on SIGHUP to the primary", async () => {
    primary.child.kill("SIGHUP");
    await until(
      () =>
        /\[worker 1\] Reloaded /.test(primary.stdout()) &&
        /\[worker 2\] Reloaded /.test(primary.stdout()),
      () => primary.stdout(),
      30_000,
    );
    expect(primary.stderr()).not.toContain("a reload is already running");
  }, 60_000);

  it("starts a killed worker again while the other serves", async () => {
    const [killed] = primary.pids as [number, number];
    process.kill(killed, "SIGKILL");
    await until(
      () =>
        /worker \d \(pid \d+\) died \(signal SIGKILL\); starting it again in 1 s/.test(
          primary.stderr(),
        ),
      () => primary.stderr(),
    );
    // The other worker answers meanwhile.
    expect((await chat("what sizes are there?")).status).toBe(200);
    await until(
      () => /worker \d is serving again \(pid \d+\)/.test(primary.stderr()),
      () => primary.stderr(),
    );
    const pid = Number(/is serving again \(pid (\d+)\)/.exec(primary.stderr())?.[1]);
    expect(pid).not.toBe(killed);
    primary.pids = [pid, primary.pids[1] as number];
    for (let index = 0; index < 4; index++) {
      expect((await chat(`what sizes are there? again ${index}`)).status).toBe(200);
    }
    // The new worker was told what the other rests (the Retry-After of a test above, 60 s).
    expect(await workersResting("limited")).toEqual(["1", "2"]);
    for (let index = 10; index < 14; index++) {
      expect(JSON.parse((await askRated(index)).text).modelscout.model).toBe("echo:spare");
    }
    expect(limited.calls).toBe(1);
  }, 90_000);

  it("starts every worker again when all die at once, and stays up meanwhile", async () => {
    const before = (primary.stderr().match(/is serving again/g) ?? []).length;
    for (const pid of primary.pids) process.kill(pid, "SIGKILL");
    await until(
      () => (primary.stderr().match(/is serving again/g) ?? []).length >= before + 2,
      () => primary.stderr(),
    );
    expect(primary.child.exitCode).toBeNull();
    const again = [
      ...primary.stderr().matchAll(/is serving again \(pid (\d+)\) at (http:\/\/\S+)/g),
    ].slice(-2);
    primary.pids = again.map((match) => Number(match[1]));
    // With no worker left the cluster let the port go; on --port 0 the next is a new one.
    primary.url = again[1]?.[2] as string;
    for (let index = 0; index < 4; index++) {
      expect((await chat(`after all died ${index}`)).status).toBe(200);
    }
  }, 90_000);

  it("stops every worker on SIGTERM and exits 0", async () => {
    const exited = once(primary.child, "exit");
    primary.child.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
    for (const pid of primary.pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);
});

describe("serve --workers refusals", () => {
  it("stops the other workers and exits with the error when a worker cannot listen", async () => {
    const { port, release } = await takenPort();
    try {
      const started = spawnServe(
        ["--config", configPath, "--state", statePath, "--workers", "2", "--port", String(port)],
        { MODELSCOUT_HOME: home },
      );
      const [code] = await once(started.child, "exit");
      // The worker's own exit code (a usage error, 2), which the primary reports and exits with.
      expect(code).toBe(2);
      expect(started.stderr()).toMatch(/worker \d failed before it listened \(exit code 2\)/);
      expect(started.stderr()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(started.stderr()).not.toContain("unexpected error");
    } finally {
      await release();
    }
  }, 90_000);

  it("refuses an in-memory state, which workers cannot share", async () => {
    const started = spawnServe(["--config", configPath, "--state", ":memory:", "--workers", "2"], {
      MODELSCOUT_HOME: home,
    });
    const [code] = await once(started.child, "exit");
    expect(code).toBe(2);
    expect(started.stderr()).toContain("--workers needs a state file the workers share");
  }, 60_000);
});
