/**
 * "Bad input gets a clear error": each routed endpoint and feedback, sent a valid body with
 * one to three fields replaced by values of the wrong type or range, removed, or added
 * (a seeded generator, the same 250 bodies per endpoint on every run). None may answer a
 * 5xx, and every answer that is not a 200 must be OpenAI's error object with a message.
 * Each endpoint must also have accepted some bodies and refused others, so the mutations
 * reach both the handler and the checks.
 */
import { describe, expect, it } from "vitest";
import { type Json, postJson, routingServerBehindFakeUpstream } from "./routing-test-support.js";

const BODIES_PER_ENDPOINT = 250;

const served = routingServerBehindFakeUpstream("malformed", (base) => ({
  classification: [{ kind: "rules", rules: [{ route: "remote", keywords: ["remote"] }] }],
  models: [
    { id: "echo:desk", kind: "echo" },
    { id: "llm", kind: "openai", base_url: base, api_model: "m" },
    { id: "builtin:ngrams", kind: "hashed-ngrams", dimensions: 16 },
  ],
  default_route: "desk",
  routes: [
    {
      name: "desk",
      targets: {
        "text-generation": { candidates: ["echo:desk"] },
        "feature-extraction": { candidates: ["builtin:ngrams"] },
      },
    },
    { name: "remote", targets: { "text-generation": { candidates: ["llm"] } } },
  ],
}));

/** A linear congruential generator: the same cases on every run. */
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  return {
    next,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}

/** Values of every JSON type, at the edges of the fields' ranges, and shapes fields take. */
const VALUES: readonly unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  2,
  16,
  17,
  "",
  "x",
  "remote",
  "𝔘ñí 快递",
  true,
  false,
  [],
  [1],
  ["a"],
  [[1]],
  [null],
  [{}],
  {},
  { a: 1 },
  [{ role: "user", content: "remote" }],
  [{ role: "user", content: [] }],
  [{ role: "tool", content: "x" }],
  [{ role: "assistant", content: null }],
  { type: "json_schema" },
  { include_usage: "yes" },
];

/** Fields the endpoints read, tried on every endpoint. */
const FIELDS = [
  "model",
  "messages",
  "prompt",
  "input",
  "inputs",
  "n",
  "stream",
  "stream_options",
  "max_tokens",
  "temperature",
  "stop",
  "seed",
  "logprobs",
  "top_logprobs",
  "logit_bias",
  "echo",
  "suffix",
  "best_of",
  "tools",
  "tool_choice",
  "response_format",
  "instructions",
  "previous_response_id",
  "dimensions",
  "encoding_format",
  "candidate_labels",
  "parameters",
  "request_id",
  "rating",
  "correct",
  "label",
];

const ENDPOINTS: readonly [string, Record<string, unknown>][] = [
  ["/v1/chat/completions", { model: "auto", messages: [{ role: "user", content: "hi" }] }],
  ["/v1/completions", { model: "auto", prompt: "hi" }],
  ["/v1/responses", { model: "auto", input: "hi" }],
  ["/v1/embeddings", { model: "auto", input: "hi" }],
  ["/v1/tasks/text-generation", { model: "auto", input: "hi" }],
  ["/v1/feedback", { request_id: "req_0", rating: 1 }],
];

describe("malformed request bodies", () => {
  it.each(ENDPOINTS)(
    "%s answers each with a 200 or a 4xx in OpenAI's shape",
    async (path, valid) => {
      const random = generator(path.length * 7919);
      const statuses = new Map<number, number>();
      const wrong: string[] = [];
      for (let index = 0; index < BODIES_PER_ENDPOINT; index += 1) {
        const body: Record<string, unknown> = structuredClone(valid);
        const changes = 1 + Math.floor(random.next() * 3);
        for (let change = 0; change < changes; change += 1) {
          const field = random.pick(FIELDS);
          if (random.next() < 0.15) delete body[field];
          else body[field] = structuredClone(random.pick(VALUES));
        }
        const answer = await postJson(`${served.server.url}${path}`, body);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const error: Json = answer.json?.error;
        const shaped =
          answer.status === 200 ||
          (answer.status < 500 &&
            typeof error?.message === "string" &&
            error.message !== "" &&
            typeof error.type === "string" &&
            "param" in error &&
            "code" in error);
        if (!shaped)
          wrong.push(
            `${answer.status} for ${JSON.stringify(body)}: ${JSON.stringify(answer.json)}`,
          );
      }
      expect(wrong).toEqual([]);
      expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
      // Feedback for request ids no server made is a 404; the others answer some bodies.
      expect(statuses.get(path === "/v1/feedback" ? 404 : 200) ?? 0).toBeGreaterThan(0);
    },
  );
});
