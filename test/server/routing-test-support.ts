/**
 * Helpers for the routing server tests: a small learner that really learns (mean reward per
 * route and model, ties to the listed order) so `bandit` routes and feedback can be tested
 * before the real learning policy lands, fetch wrappers, and an SSE reader.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type {
  ModelStanding,
  RouteChoice,
  RouteLearner,
  RouteOutcome,
} from "../../src/route/route-learner.js";
import { parseRoutesConfig, type RoutesConfigInput } from "../../src/route/routes-config.js";
import {
  type RoutingServer,
  type RoutingServerOptions,
  startRoutingServer,
} from "../../src/server/start-routing-server.js";
import {
  type FakeOpenAIServer,
  type FakeOpenAIServerOptions,
  startFakeOpenAIServer,
} from "../support/fake-openai-server.js";

/** The body of the last chat completion a fake OpenAI-compatible server received. */
export function lastChatRequest(upstream: {
  requests: readonly { path: string; body: unknown }[];
}): Json {
  return upstream.requests.filter((request) => request.path === "/v1/chat/completions").at(-1)
    ?.body;
}

/** A parsed JSON body; tests read it field by field and assert on each. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions that read them
export type Json = any;

/** Picks the candidate with the best mean reward so far (untried ones count as 0.5). */
export class MeanRewardLearner implements RouteLearner {
  readonly outcomes: RouteOutcome[] = [];
  failNextRecord = false;

  choose(route: string, candidates: readonly string[]): RouteChoice {
    let best = candidates[0] as string;
    let bestMean = -1;
    for (const candidate of candidates) {
      const mean = this.#mean(route, candidate);
      if (mean > bestMean) {
        best = candidate;
        bestMean = mean;
      }
    }
    return { modelId: best, reason: `best mean reward ${bestMean.toFixed(2)}`, explored: false };
  }

  record(outcome: RouteOutcome): void {
    if (this.failNextRecord) {
      this.failNextRecord = false;
      throw new Error("learner store is busy");
    }
    this.outcomes.push(outcome);
  }

  standings(route?: string): ModelStanding[] {
    const keys = new Set(
      this.outcomes
        .filter((outcome) => route === undefined || outcome.route === route)
        .map((outcome) => `${outcome.route}\u0000${outcome.modelId}`),
    );
    return [...keys].map((key) => {
      const [routeKey, modelId] = key.split("\u0000") as [string, string];
      return {
        route: routeKey,
        modelId,
        domain: null,
        mean: this.#mean(routeKey, modelId),
        effectiveCount: this.#rewards(routeKey, modelId).length,
        meanCostUsd: null,
        demoted: false,
      };
    });
  }

  #rewards(route: string, modelId: string): number[] {
    return this.outcomes
      .filter((outcome) => outcome.route === route && outcome.modelId === modelId)
      .flatMap((outcome) => (outcome.reward === undefined ? [] : [outcome.reward]));
  }

  #mean(route: string, modelId: string): number {
    const rewards = this.#rewards(route, modelId);
    return rewards.length === 0 ? 0.5 : rewards.reduce((a, b) => a + b, 0) / rewards.length;
  }
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Json }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json };
}

export async function getJson(url: string): Promise<{ status: number; json: Json }> {
  const response = await fetch(url);
  return { status: response.status, json: await response.json() };
}

/** The `data:` payloads of a server-sent-events body, `[DONE]` kept as the string. */
export function sseEvents(body: string): unknown[] {
  return body
    .split("\n\n")
    .filter((block) => block.startsWith("data: "))
    .map((block) => {
      const data = block.slice("data: ".length);
      return data === "[DONE]" ? data : JSON.parse(data);
    });
}

/** The request log's row of `requestId` (`GET /v1/requests/:id`), waiting for it to be written. */
export async function loggedRow(serverUrl: string, requestId: string): Promise<Json> {
  for (let tries = 0; tries < 100; tries += 1) {
    const row = await getJson(`${serverUrl}/v1/requests/${requestId}`);
    if (row.status === 200) return row.json;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`request ${requestId} was never logged`);
}

/**
 * A `support` route falling back from `primary` to `spare`, two OpenAI-compatible servers,
 * with active health checks every `intervalMs` (two failures in a row mark a model down);
 * `extraModels` are declared beside them.
 */
export function fallbackPairWithHealthChecks(
  primaryUrl: string,
  spareUrl: string,
  intervalMs: number,
  extraModels: RoutesConfigInput["models"] = [],
): RoutesConfigInput {
  return {
    models: [
      { id: "primary", kind: "openai", base_url: `${primaryUrl}/v1`, api_model: "big" },
      { id: "spare", kind: "openai", base_url: `${spareUrl}/v1`, api_model: "small" },
      ...(extraModels ?? []),
    ],
    routes: [
      {
        name: "support",
        targets: {
          "text-generation": { policy: "fallback", candidates: ["primary", "spare"] },
        },
      },
    ],
    server: {
      health_checks: { interval_ms: intervalMs, timeout_ms: 500, unhealthy_threshold: 2 },
    },
  };
}

/**
 * For a test file: before its tests, a fake OpenAI-compatible server and a routing server on
 * a new state database, with the routes `config` builds from the fake server's `/v1` base
 * URL; after them, both closed. The returned object holds the two once started. `extend` adds
 * to the server (the admin extension, for `/metrics`).
 */
export function routingServerBehindFakeUpstream(
  name: string,
  /** The routes config, checked by `parseRoutesConfig` as a config file is. */
  config: (upstreamBaseUrl: string) => unknown,
  upstreamOptions: FakeOpenAIServerOptions = {},
  extend?: RoutingServerOptions["extend"],
): { readonly server: RoutingServer; readonly upstream: FakeOpenAIServer } {
  const started = {} as { server: RoutingServer; upstream: FakeOpenAIServer };
  beforeAll(async () => {
    started.upstream = await startFakeOpenAIServer(upstreamOptions);
    started.server = await startRoutingServer({
      config: parseRoutesConfig(config(`${started.upstream.url}/v1`)),
      port: 0,
      databasePath: join(mkdtempSync(join(tmpdir(), `ms-${name}-`)), "state.db"),
      ...(extend !== undefined && { extend }),
    });
  });
  afterAll(async () => {
    await started.server?.close();
    await started.upstream?.close();
  });
  return started;
}
