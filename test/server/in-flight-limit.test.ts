/**
 * `max_in_flight` over real sockets (ADR 0033): a model at its cap is not called; the request
 * goes to the next candidate, or gets 503 `at_capacity` with `Retry-After` when there is none;
 * the slot comes back when the call ends, and a streamed answer holds it until the stream is
 * over or its client leaves. The upstream (`gated-openai-server.ts`) answers only when the
 * test lets it, so "in flight" is exact, not a race.
 */
import { mkdtempSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InFlightLimit } from "../../src/route/in-flight-limit.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { type GatedUpstream, startGatedUpstream, until } from "../support/gated-openai-server.js";
import { getJson, type Json, loggedRow, postJson } from "./routing-test-support.js";

let upstream: GatedUpstream;
let server: RoutingServer;

beforeAll(async () => {
  upstream = await startGatedUpstream();
  const endpoint = (id: string, cap?: number) => ({
    id,
    kind: "openai" as const,
    base_url: `${upstream.url}/v1`,
    api_model: id,
    health_check: false,
    ...(cap !== undefined && { max_in_flight: cap }),
  });
  server = await startRoutingServer({
    config: parseRoutesConfig({
      models: [
        endpoint("solo", 1),
        endpoint("small", 1),
        endpoint("tiny", 1),
        endpoint("spare"),
        endpoint("big", 2),
      ],
      routes: [
        { name: "one", targets: { chat: { policy: "fixed", candidates: ["solo"] } } },
        { name: "pair", targets: { chat: { policy: "fallback", candidates: ["small", "tiny"] } } },
        { name: "chain", targets: { chat: { policy: "fallback", candidates: ["big", "spare"] } } },
      ],
    }),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-in-flight-")), "state.db"),
  });
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

const chat = (model: string, extra: Record<string, unknown> = {}) =>
  postJson(`${server.url}/v1/chat/completions`, {
    model,
    messages: [{ role: "user", content: "where is my parcel" }],
    ...extra,
  });

async function load(model: string): Promise<Json> {
  const ready = await getJson(`${server.url}/ready`);
  return ready.json.models[model].load;
}

describe("max_in_flight", () => {
  it("answers 503 at_capacity with Retry-After when the only candidate is full, and takes calls again once one ends", async () => {
    const first = chat("one");
    await until(() => upstream.heldOf("solo") === 1, "the first call to reach the model");
    expect(await load("solo")).toEqual({ inFlight: 1, maxInFlight: 1, refused: 0 });

    const refused = await chat("one");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.json.error.code).toBe("at_capacity");
    expect(refused.json.error.message).toContain("solo has its max_in_flight of 1 calls running");
    expect(refused.json.modelscout.attempts).toEqual([
      { model: "solo", outcome: "at-capacity", latency_ms: 0 },
    ]);
    // Never sent: the model still has exactly one call.
    expect(upstream.heldOf("solo")).toBe(1);
    const row = await loggedRow(server.url, refused.json.modelscout.request_id);
    expect(row.status).toBe(503);
    expect(row.error_code).toBe("at_capacity");
    // Logged without a model: no model was called, so none is charged with the 503.
    expect(row.route).toBe("one");
    expect(row.model).toBeNull();

    upstream.release("solo");
    const answered = await first;
    expect(answered.status).toBe(200);
    expect(answered.json.choices[0].message.content).toBe("solo answered");
    expect(await load("solo")).toEqual({ inFlight: 0, maxInFlight: 1, refused: 1 });

    const again = chat("one");
    await until(() => upstream.heldOf("solo") === 1, "the next call to reach the model");
    upstream.release("solo");
    expect((await again).status).toBe(200);
  });

  it("tries every candidate of a chain before answering 503, and sends none a call it cannot take", async () => {
    const first = chat("pair");
    await until(() => upstream.heldOf("small") === 1, "small's call");
    const second = chat("pair");
    await until(() => upstream.heldOf("tiny") === 1, "tiny's call");
    const refused = await chat("pair");
    expect(refused.status).toBe(503);
    expect(refused.json.error.code).toBe("at_capacity");
    expect(refused.json.modelscout.attempts.map((attempt: Json) => attempt.outcome)).toEqual([
      "at-capacity",
      "at-capacity",
    ]);
    expect(refused.json.error.message).toContain("small has its max_in_flight of 1");
    expect(refused.json.error.message).toContain("tiny has its max_in_flight of 1");
    expect(upstream.held.length).toBe(2);
    upstream.release("small");
    upstream.release("tiny");
    expect((await first).json.modelscout.model).toBe("small");
    expect((await second).json.modelscout.model).toBe("tiny");
  });

  it("lets a fallback chain start at the first candidate with room", async () => {
    const calls = [chat("chain"), chat("chain")];
    await until(() => upstream.heldOf("big") === 2, "big's two calls");
    const third = chat("chain");
    await until(() => upstream.heldOf("spare") === 1, "spare's call");
    upstream.release("spare");
    const skipped = await third;
    expect(skipped.json.modelscout.model).toBe("spare");
    // Not tried and refused: left out of the order's start, as an open breaker is.
    expect(skipped.json.modelscout.attempts.map((attempt: Json) => attempt.model)).toEqual([
      "spare",
    ]);
    expect(skipped.json.modelscout.reason).toContain(
      "1 skipped (circuit open or at max_in_flight)",
    );
    upstream.release("big");
    upstream.release("big");
    for (const call of await Promise.all(calls)) expect(call.status).toBe(200);
    expect(await load("big")).toMatchObject({ inFlight: 0, maxInFlight: 2 });
  });

  it("holds a streamed answer's slot until the stream ends", async () => {
    const streamed = postJson(`${server.url}/v1/chat/completions`, {
      model: "one",
      stream: true,
      messages: [{ role: "user", content: "where is my parcel" }],
    });
    await until(() => upstream.heldOf("solo") === 1, "the stream to open");
    const during = await chat("one");
    expect(during.status).toBe(503);
    expect(during.json.error.code).toBe("at_capacity");
    upstream.release("solo");
    const done = await streamed;
    expect(done.status).toBe(200);
    expect(done.json).toContain("data: [DONE]");
    expect(await load("solo")).toMatchObject({ inFlight: 0, refused: 2 });
  });

  it("holds the slot of a streamed Responses API answer too", async () => {
    const streamed = postJson(`${server.url}/v1/responses`, {
      model: "one",
      stream: true,
      input: "where is my parcel",
    });
    await until(() => upstream.heldOf("solo") === 1, "the stream to open");
    expect((await load("solo")).inFlight).toBe(1);
    expect((await chat("one")).json.error.code).toBe("at_capacity");
    upstream.release("solo");
    expect(await streamed).toMatchObject({ status: 200 });
    expect((await load("solo")).inFlight).toBe(0);
  });

  it("frees a stream's slot when its client leaves midway", async () => {
    const body = JSON.stringify({
      model: "one",
      stream: true,
      messages: [{ role: "user", content: "where is my parcel" }],
    });
    const gotFirstPiece = new Promise<() => void>((resolve, reject) => {
      const outgoing = httpRequest(
        `${server.url}/v1/chat/completions`,
        { method: "POST", headers: { "content-type": "application/json" } },
        (response) => {
          response.once("data", () => resolve(() => outgoing.destroy()));
        },
      );
      outgoing.on("error", () => {});
      outgoing.once("error", reject);
      outgoing.end(body);
    });
    const leave = await gotFirstPiece;
    expect((await load("solo")).inFlight).toBe(1);
    leave();
    // Leaving cancels the model's stream: its call upstream is cut and the slot is free.
    const call = upstream.held.find((held) => held.model === "solo");
    await until(() => call?.response.destroyed === true, "the model's stream to be cut");
    let inFlight = 1;
    for (let tries = 0; tries < 500 && inFlight !== 0; tries += 1) {
      inFlight = (await load("solo")).inFlight;
      if (inFlight !== 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(inFlight).toBe(0);
    upstream.held.splice(0, upstream.held.length);
  });
});

describe("InFlightLimit", () => {
  it("refuses past its cap, counts refusals, and rejects a release without a slot", () => {
    const limit = new InFlightLimit(2);
    expect([limit.tryAcquire(), limit.tryAcquire(), limit.tryAcquire()]).toEqual([
      true,
      true,
      false,
    ]);
    expect(limit.hasRoom()).toBe(false);
    limit.release();
    expect(limit.hasRoom()).toBe(true);
    expect(limit.snapshot()).toEqual({ inFlight: 1, maxInFlight: 2, refused: 1 });
    limit.release();
    expect(() => limit.release()).toThrow(/without a slot/);
  });

  it("only counts without a cap", () => {
    const limit = new InFlightLimit();
    for (let call = 0; call < 1000; call += 1) expect(limit.tryAcquire()).toBe(true);
    expect(limit.snapshot()).toEqual({ inFlight: 1000, maxInFlight: null, refused: 0 });
  });

  it("names the field when the cap is not a whole number of at least 1", () => {
    expect(() => new InFlightLimit(0)).toThrow(/max_in_flight/);
    expect(() =>
      parseRoutesConfig({
        models: [{ id: "m", kind: "echo", max_in_flight: 0 }],
        routes: [{ name: "r", targets: { chat: { policy: "fixed", candidates: ["m"] } } }],
      }),
    ).toThrow(/max_in_flight/);
  });
});
