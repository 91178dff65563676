/**
 * Session affinity over HTTP: the `x-modelscout-session` header keeps a conversation's turns
 * on the route and model of its last answered request, through the chat and Responses
 * endpoints alike, and across a reload of the routes config.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { postgresState } from "../../src/state/state-database.js";
import { DESK_RULES } from "../support/desk-rules.js";
import { runCli } from "../support/run-cli.js";
import { dropTestSchemas, newTestSchema, TEST_POSTGRES_URL } from "../support/test-postgres.js";

const routes = (productModel: string) => ({
  ...DESK_RULES,
  models: [
    { id: "echo:delivery", kind: "echo" },
    { id: "echo:complaint", kind: "echo" },
    { id: productModel, kind: "echo" },
  ],
  routes: [
    { name: "delivery", targets: { chat: { candidates: ["echo:delivery"] } } },
    { name: "complaint", targets: { chat: { candidates: ["echo:complaint"] } } },
    { name: "product", targets: { chat: { candidates: [productModel] } } },
  ],
});

let server: RoutingServer;
const statePath = join(mkdtempSync(join(tmpdir(), "ms-sessions-")), "state.db");

beforeAll(async () => {
  server = await startRoutingServer({
    config: parseRoutesConfig(routes("echo:product")),
    port: 0,
    databasePath: statePath,
  });
});

afterAll(async () => {
  await server?.close();
});

async function chat(text: string, session?: string, on: RoutingServer = server) {
  const response = await fetch(`${on.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(session !== undefined && { "x-modelscout-session": session }),
    },
    body: JSON.stringify({ model: "auto", messages: [{ role: "user", content: text }] }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { modelscout: { route: string; model: string } };
  return {
    route: body.modelscout.route,
    model: body.modelscout.model,
    reason: response.headers.get("x-modelscout-reason") ?? "",
  };
}

describe("x-modelscout-session", () => {
  it("keeps a conversation on its route, over chat and the Responses API, and across a reload", async () => {
    expect(await chat("where is my parcel?", "conv-1")).toMatchObject({ route: "delivery" });
    const followUp = await chat("it came broken", "conv-1");
    expect(followUp).toMatchObject({ route: "delivery", model: "echo:delivery" });
    expect(followUp.reason).toContain("the session's route");
    expect(await chat("it came broken")).toMatchObject({ route: "complaint" });

    // The Responses API is the same kind of request (auto, text generation): same session.
    const responses = await fetch(`${server.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-modelscout-session": "conv-1" },
      body: JSON.stringify({ model: "auto", input: "I want a refund" }),
    });
    expect(responses.status).toBe(200);
    expect(((await responses.json()) as { modelscout: { route: string } }).modelscout.route).toBe(
      "delivery",
    );

    // A reload keeps the sessions whose route and model the new config still has.
    await chat("what sizes are there?", "conv-2");
    await server.reload(parseRoutesConfig(routes("echo:product-2")));
    expect(await chat("I want a refund", "conv-1")).toMatchObject({ route: "delivery" });
    // conv-2's model is gone: its words decide again.
    expect(await chat("I want a refund", "conv-2")).toMatchObject({ route: "complaint" });
  });

  it("refuses a session id or a domain longer than 256 characters, naming the header", async () => {
    for (const header of ["x-modelscout-session", "x-modelscout-domain"]) {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", [header]: "x".repeat(257) },
        body: JSON.stringify({ model: "auto", messages: [{ role: "user", content: "hello" }] }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { param: string; message: string } };
      expect(body.error.param).toBe(header);
      expect(body.error.message).toContain("at most 256 characters (got 257)");
    }
    // What was refused is not kept as a session.
    server.store.flush();
    expect(server.store.sessionRequests("x".repeat(257))).toEqual([]);
    // 256 is still a name.
    expect(await chat("where is my parcel?", "s".repeat(256))).toMatchObject({ route: "delivery" });
  });

  it("logs each request's session, so a conversation can be read back in order", async () => {
    const first = await chat("where is my parcel?", "conv-log");
    const second = await chat("it came broken", "conv-log");
    expect([first.route, second.route]).toEqual(["delivery", "delivery"]);
    await chat("where is my parcel?");
    server.store.flush();
    const rows = server.store.sessionRequests("conv-log");
    expect(rows.map((row) => [row.route, row.inputText])).toEqual([
      ["delivery", "where is my parcel?"],
      ["delivery", "it came broken"],
    ]);
    const one = await fetch(`${server.url}/v1/requests/${rows[1]?.id}`);
    expect(((await one.json()) as { session: string }).session).toBe("conv-log");
    // Beside the running server, from the CLI.
    const cli = await runCli(["requests", "session", "conv-log", "--state", statePath]);
    expect(cli.code, cli.stderr).toBe(0);
    const lines = cli.stdout.split("\n");
    expect(lines[2]).toMatch(/delivery\s+echo:delivery\s+200\s+[\d.]+ m?s\s+where is my parcel\?/);
    expect(lines[3]).toMatch(/delivery\s+echo:delivery\s+200\s+[\d.]+ m?s\s+it came broken/);
    const none = await runCli(["requests", "session", "nobody", "--state", statePath]);
    expect(none.stdout).toContain("No request named session nobody");
  });
});

afterAll(() => dropTestSchemas());

describe.each([
  ["one state file (ADR 0060)", false],
  ["one PostgreSQL schema (ADR 0068)", true],
])("sessions across servers on %s", (_name, onPostgres) => {
  it("follow the session's last answer, whichever server gave it", async () => {
    // No sync of the shared state during the test: its reads would be counted below.
    const state = onPostgres
      ? {
          sharedStateSyncMs: 3_600_000,
          databasePath: TEST_POSTGRES_URL,
          env: { ...process.env, MODELSCOUT_STATE_SCHEMA: newTestSchema() },
        }
      : {
          sharedStateSyncMs: 3_600_000,
          databasePath: join(mkdtempSync(join(tmpdir(), "ms-sessions-")), "state.db"),
        };
    // The second server's product route has another model, so a session pinned to the first
    // server's product model is decided afresh there.
    const first = await startRoutingServer({
      config: parseRoutesConfig(routes("echo:product")),
      port: 0,
      ...state,
    });
    const second = await startRoutingServer({
      config: parseRoutesConfig(routes("echo:product-b")),
      port: 0,
      ...state,
    });
    try {
      // Turn 1 on the first server, turn 2 on the second: the second follows the first's answer.
      expect(await chat("where is my parcel?", "shared-1", first)).toMatchObject({
        route: "delivery",
      });
      first.store.flush();
      const waits = postgresState(second.database)?.roundTrips;
      const followed = await chat("it came broken", "shared-1", second);
      expect(followed).toMatchObject({ route: "delivery", model: "echo:delivery" });
      expect(followed.reason).toContain("the session's route");
      // On PostgreSQL the session's lookup is awaited, not a wait that holds the server.
      expect(postgresState(second.database)?.roundTrips).toBe(waits);

      // A session the second server moved: the first server's own pin is older, and loses.
      expect(await chat("what sizes are there?", "shared-2", first)).toMatchObject({
        route: "product",
        model: "echo:product",
      });
      first.store.flush();
      // echo:product is not on the second server's product route: its words decide there.
      expect(await chat("where is my parcel?", "shared-2", second)).toMatchObject({
        route: "delivery",
      });
      second.store.flush();
      const back = await chat("it came broken", "shared-2", first);
      expect(back).toMatchObject({ route: "delivery", model: "echo:delivery" });
      expect(back.reason).toContain("the session's route");
    } finally {
      await second.close();
      await first.close();
    }
  });
});

describe("sessions across restarts", () => {
  it("keeps a session across a restart of the server", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-sessions-")), "state.db");
    const config = parseRoutesConfig(routes("echo:product"));
    const before = await startRoutingServer({ config, port: 0, databasePath: path });
    expect(await chat("where is my parcel?", "restarted", before)).toMatchObject({
      route: "delivery",
    });
    await before.close();
    const after = await startRoutingServer({ config, port: 0, databasePath: path });
    try {
      const followed = await chat("it came broken", "restarted", after);
      expect(followed).toMatchObject({ route: "delivery" });
      expect(followed.reason).toContain("the session's route");
    } finally {
      await after.close();
    }
  });
});
