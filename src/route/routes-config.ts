/**
 * @module
 * The routes config: how the routing server classifies a request into a route, which
 * candidate models serve each route per task, the policy that picks among them, timeouts,
 * retries and the server's limits. Policy is data (after Portkey's configs): a decision can
 * be stored, shown and replayed because everything that made it is in this file.
 *
 * Parsed with zod at the edge (strict: an unknown key is an error naming it) into a
 * normalised `RoutesConfig` (camelCase, task aliases resolved, defaults filled). Errors name
 * the field (`routes[1].targets.text-generation.candidates: ...`). The JSON Schema users
 * validate against is generated from the same schema (`modelscout schema routes`). Keys are
 * snake_case like the task spec's.
 */

import { z } from "zod";
import { modelPriceSchema as priceSchema } from "../backends/http/endpoint-model-record.js";
import { normaliseLanguage } from "../catalog/languages.js";
import { describeIssue } from "../config/zod-issues.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { problemsMessage } from "../errors/problems-message.js";
import { HTTP_TOKEN } from "../http/http1-response-parser.js";
import { resolveTask, type TaskId } from "../tasks/resolve-task.js";
import type { HealthCheckSettings } from "./health-checker.js";
import {
  type ThompsonLearnerConfigInput,
  thompsonLearnerConfigSchema,
} from "./learning/thompson-learner-config.js";
import { EXPECTED_OUTPUT_KIND } from "./task-output-kind.js";

/** Route names share the `model` field with model ids, which hold `:` or `/`; names cannot. */
const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** W3C trace context: what `server.forward_headers` passes on unless told otherwise. */
export const DEFAULT_FORWARD_HEADERS = ["traceparent", "tracestate"] as const;

/** Headers a client's request never passes on to a model server. */
const NEVER_FORWARDED = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "host",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "transfer-encoding",
  "content-length",
  "content-type",
  "content-encoding",
  "accept-encoding",
  "expect",
]);

function neverForwarded(name: string): boolean {
  const lower = name.toLowerCase();
  return NEVER_FORWARDED.has(lower) || lower.startsWith("x-modelscout-");
}

export const AUTO_MODEL = "auto";

export const ROUTE_POLICIES = ["fixed", "weighted", "fallback", "bandit"] as const;
export type RoutePolicy = (typeof ROUTE_POLICIES)[number];

const modelId = z.string().min(1, "must be a model id");

/** Who may stand in a route's candidates and a classification step's `model`. */
const MODEL_REFERENCE =
  "a catalog id, the `id` of a model declared in `models`, or the model a selection picked: `decision:<id>`, `decision:latest:<task>` (resolved when `modelscout serve` starts)";

const candidateSchema = z.union([
  modelId.describe(`A candidate model: ${MODEL_REFERENCE}. Weight 1.`),
  z
    .object({
      model: modelId.describe(`The candidate model: ${MODEL_REFERENCE}.`),
      weight: z
        .number()
        .positive("must be a number > 0")
        .optional()
        .describe("Relative share of traffic under the `weighted` policy. Default 1."),
      languages: z
        .array(z.string().min(1))
        .min(1, "needs at least one language")
        .optional()
        .describe(
          "The languages this model serves (ISO 639-1 codes such as `en`, `zh`, or names). A request in another language (the target's `language_detector`, or the client's `x-modelscout-language` header) passes it over for a candidate that serves it, when there is one. Without it: every language.",
        ),
    })
    .strict()
    .describe("A candidate model with its weight and languages."),
]);

const targetSchema = z
  .object({
    policy: z
      .enum(ROUTE_POLICIES)
      .default("fallback")
      .describe(
        "How the first model is picked: `fixed` (the one candidate), `fallback` (in the order listed), `weighted` (at random by weight), `bandit` (the learning policy, set up by `learning`). On timeout, error or 429 the remaining candidates are tried in the order listed. Default `fallback`.",
      ),
    candidates: z
      .array(candidateSchema)
      .min(1, "needs at least one model")
      .describe(
        "The models that serve this task on this route, in order of preference: model ids, or `{ model, weight }`. `fixed` takes exactly one.",
      ),
    timeout_ms: z
      .number()
      .int()
      .positive()
      .default(30_000)
      .describe("Longest one attempt on one model may take, in milliseconds. Default 30000."),
    retries: z
      .number()
      .int()
      .min(0)
      .max(5)
      .default(0)
      .describe(
        "Extra attempts on the same model after a retryable failure (timeout, 429, 5xx) before moving on to the next candidate. Default 0.",
      ),
    answer_value_usd: z
      .number()
      .positive("must be a number of US dollars above 0")
      .optional()
      .describe(
        "`bandit` only: what one fully good answer (feedback reward 1) is worth, in US dollars. The learner then weighs quality against cost and prefers the model with the highest `answer_value_usd x quality - cost per request`, cost being each model's mean over its rewarded requests at its declared `price` (ADR 0053). Without it, quality alone decides.",
      ),
    latency_slo_ms: z
      .number()
      .positive("must be a number of milliseconds above 0")
      .optional()
      .describe(
        "`bandit` only: the longest an answer may take, in milliseconds, to count as good. A rated answer that took longer (the latency the client reports in its feedback, else the model's as the router measured it) is learned from as a failure (reward 0), however it was rated; so the learner weighs how often each model is on time with its quality (ADR 0055). Without it, latency changes no standing.",
      ),
    language_detector: modelId
      .optional()
      .describe(
        "A language-identification model (task text-classification whose labels are language codes, e.g. `npm:tinyld`, `npm:eld`) that reads each request's text when the client sent no `x-modelscout-language` header, so candidates with `languages` serve only their languages (ADR 0058). Without it, only the header picks.",
      ),
    min_confidence: z
      .number()
      .gt(0, "must be a score above 0")
      .max(1, "must be a score of at most 1")
      .optional()
      .describe(
        "Labelling tasks only (classification of text, images or sounds): a cascade. An answer whose top label scores below this goes on to the next candidate in the order, so a fast model answers what it is sure of and a stronger one the rest; the last candidate's answer is taken as it is. If no later candidate answers, the most confident answer so far is returned. Not with `fixed` (one model) or `bandit` (whose learner judges each model by its own answers). Without it, the first answer is taken.",
      ),
  })
  .strict()
  .describe("Who serves one task's requests on a route, and how the model is picked.");

const routeSchema = z
  .object({
    name: z
      .string()
      .regex(ROUTE_NAME, {
        // "Letters" alone would take 产品: say ASCII, and where a name in another script goes.
        error: (issue) =>
          `must be ASCII letters (a-z, A-Z), digits, '.', '_' or '-', starting with a letter or digit (got ${JSON.stringify(issue.input)}): it goes into the x-modelscout-route header, and ':' and '/' are for model ids. A name in another script belongs in the route's description`,
      })
      .describe(
        "The route's name: what classification steps and `default_route` name, and what a client sends as `model` to use this route directly. ASCII letters (a-z, A-Z), digits, `.`, `_` and `-`, starting with a letter or digit (it goes into the `x-modelscout-route` header; no `:` or `/`, which model ids use); not `auto`, nor a model id declared in `models`. A name in another script (`产品`) belongs in `description`.",
      ),
    description: z
      .string()
      .optional()
      .describe("What the route is for, shown in `GET /v1/models` and on the dashboard."),
    targets: z
      .record(z.string().min(1), targetSchema)
      .describe(
        "Per task (pipeline tag or alias, e.g. `text-generation`): who serves this route's requests of that task. At least one.",
      ),
  })
  .strict()
  .describe("A route: a kind of request, and the models that serve it per task.");

const rulesStepSchema = z
  .object({
    kind: z
      .literal("rules")
      .describe(
        "`rules`: keyword and regular-expression rules, tried in order; the first rule that matches names the route.",
      ),
    rules: z
      .array(
        z
          .object({
            route: z
              .string()
              .min(1)
              .describe("The route a request that matches this rule goes to."),
            keywords: z
              .array(z.string().min(1))
              .default([])
              .describe(
                "Matched case-insensitively as whole words (`refund` does not match `refunded`), or anywhere for Chinese and Japanese.",
              ),
            patterns: z
              .array(z.string().min(1))
              .default([])
              .describe("JavaScript regular expressions, matched case-insensitively."),
          })
          .strict()
          .describe("A rule: give keywords, patterns or both."),
      )
      .min(1)
      .describe("The rules, tried in order."),
  })
  .strict()
  .describe("A classification step of keyword and regular-expression rules.");

const nearestNeighbourStepSchema = z
  .object({
    kind: z
      .literal("nearest-neighbour")
      .describe(
        "`nearest-neighbour`: the route of the example utterances nearest the request's text, by embedding similarity.",
      ),
    model: modelId.describe(
      "An embedding model (task feature-extraction or sentence-similarity): a catalog id or a model declared in `models`.",
    ),
    examples: z
      .record(z.string().min(1), z.array(z.string().min(1)).min(1))
      .describe("Example utterances per route name."),
    k: z
      .number()
      .int()
      .positive()
      .default(3)
      .describe("Nearest examples that vote (by summed cosine similarity). Default 3."),
    min_similarity: z
      .number()
      .min(-1)
      .max(1)
      .default(0)
      .describe("Below this cosine similarity of the nearest example, the step passes. Default 0."),
    timeout_ms: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe(
        "Longest embedding a request may take before the step passes, in milliseconds. Default 10000. A `/v1/tasks` batch's texts are embedded in one call, given this much per text.",
      ),
    // Measured with bench/classify-long-text.ts (ADR 0045).
    max_text_chars: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe(
        "What the model reads of a request's text: its first this many characters. Default 1000. A request's route is in its opening, and a model's time grows with the text (the bundled embedding model took 2.4-2.6 s for 20,000 characters, and a 200,000-character prompt ran past `timeout_ms`, so the step passed); most embedding and classifier models read only a few hundred tokens anyway. Keyword rules read the whole text.",
      ),
  })
  .strict()
  .describe("A classification step that compares the request with example utterances.");

const classifierStepSchema = z
  .object({
    kind: z
      .literal("classifier")
      .describe("`classifier`: a text-classification model's top label names the route."),
    // References are resolved by decision-references.ts.
    model: modelId.describe(
      "A text-classification model, by id (a catalog id or a model declared in `models`), or the one a selection picked: `decision:<id>`, `decision:latest:<task>` (resolved when `modelscout serve` starts). Route candidates take the same references.",
    ),
    labels: z
      .record(z.string().min(1), z.string().min(1))
      .default({})
      .describe("Model label to route name; labels not listed map to the route of the same name."),
    min_score: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe("Below this score of the top label, the step passes. Default 0."),
    candidate_labels: z
      .boolean()
      .default(true)
      .describe(
        "Send the route names as candidate labels (zero-shot and prompt classifiers need them). Default true.",
      ),
    timeout_ms: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe(
        "Longest the classifier may take before the step passes, in milliseconds. Default 10000. A `/v1/tasks` batch's texts are labelled in one call, given this much per text.",
      ),
    max_text_chars: z
      .number()
      .int()
      .positive()
      .default(1000)
      .describe(
        "What the model reads of a request's text: its first this many characters. Default 1000.",
      ),
  })
  .strict()
  .describe("A classification step that asks a text-classification model.");

const classificationStepSchema = z.discriminatedUnion("kind", [
  rulesStepSchema,
  nearestNeighbourStepSchema,
  classifierStepSchema,
]);

/** An endpoint model's generation defaults; a request's own `max_tokens` or `temperature` wins. */
const generationDefaults = {
  max_tokens: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      "Most tokens per answer, sent when a chat request sets none (a request's own `max_tokens` wins); the server's default when absent.",
    ),
  temperature: z
    .number()
    .min(0)
    .max(2)
    .optional()
    .describe(
      "Sampling temperature, 0 to 2, sent when a chat request sets none (a request's own `temperature` wins); the server's default when absent.",
    ),
};

/** Settings every model declaration takes. */
const modelLimits = {
  max_in_flight: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      "Most calls this router sends the model at once (a model server's batch or slot count); one more goes to the route's next candidate, or gets 503 with `Retry-After` when every candidate is full (ADR 0033). Streams hold their slot until they end. A classification step's calls count too, and a full model's step is passed over (ADR 0035). Under `modelscout serve --workers N` it is the whole server's: each worker takes its share, rounded up (ADR 0061). Default: no cap.",
    ),
};

const declaredId = modelId.describe(
  "The model's id: what route candidates and classification steps name it by. Unique among `models`.",
);

/** Read by `route/model-price.ts`. */
const modelPriceSchema = priceSchema.describe(
  "What the model server charges, in US dollars per million tokens read (`input`) and written (`output`): the request log, `/metrics` and the dashboard give each answer's cost from the `usage` its server reports, and a `bandit` target's `answer_value_usd` weighs it. A classification step's model (a chat model naming the route, an embedding server) costs its calls too: each step's cost is in the logged decision and in `/metrics`' `modelscout_classification_cost_usd_total`, apart from the answer's (ADR 0090). Without it, tokens are still counted.",
);

const endpointLabels = z
  .array(z.string().min(1))
  .min(1)
  .optional()
  .describe(
    "Candidate labels for classification requests that bring none (zero-shot and prompt classifiers).",
  );

const visionFlag = z
  .boolean()
  .optional()
  .describe("A chat model that reads images in user turns (`image_url` parts). Default false.");

const modelDeclarationSchema = z.discriminatedUnion("kind", [
  z
    .object({
      id: declaredId,
      ...modelLimits,
      kind: z
        .literal("echo")
        .describe("`echo`: a template answer, no model: for examples, tests and benchmarks."),
      template: z
        .string()
        .optional()
        .describe(
          "The answer: `{{input}}` is the last user message, `{{model}}` this id. Default `{{input}}`.",
        ),
    })
    .strict()
    .describe("A text-generation stand-in that answers with a template."),
  z
    .object({
      id: declaredId,
      ...modelLimits,
      kind: z
        .literal("hashed-ngrams")
        .describe(
          "`hashed-ngrams`: hashed character n-gram embeddings, no weights: lexical similarity in any script.",
        ),
      dimensions: z
        .number()
        .int()
        .min(16)
        .max(1_048_576)
        .optional()
        .describe("Length of the vectors (the number of hash buckets). Default 2048."),
    })
    .strict()
    .describe("A built-in embedding model without weights, for nearest-neighbour steps."),
  z
    .object({
      id: declaredId,
      ...modelLimits,
      kind: z
        .literal("openai")
        .describe(
          "`openai`: any OpenAI-compatible server: vLLM, TGI, Ollama, llama.cpp, LiteLLM, OpenAI.",
        ),
      base_url: z.url().describe("The API root, e.g. `http://127.0.0.1:8000/v1`."),
      api_model: z.string().min(1).describe("The name the server expects in `model`."),
      task: z
        .string()
        .min(1)
        .default("text-generation")
        .describe(
          "The task the model serves (pipeline tag or alias): text-generation (the default), feature-extraction, text-classification or zero-shot-classification (a prompted chat model), automatic-speech-recognition, or image-classification and image-to-text (a vision chat model shown the picture: it names one of `labels`, or writes out the text it reads).",
        ),
      api_key_env: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .optional()
        .describe(
          "Environment variable holding the API key (the key itself never goes in this file). Without it, no key is sent.",
        ),
      labels: endpointLabels,
      vision: visionFlag,
      raw_completions: z
        .boolean()
        .optional()
        .describe(
          "The server completes text as it is written: a base or code model behind vLLM's, llama.cpp's or TGI's `/v1/completions`. Legacy completions (`/v1/completions`) then reach it at `{base_url}/completions` with the prompt unchanged, and with `suffix` for fill-in-the-middle, which only such models take; chat requests still go to `/chat/completions`. Default false: a legacy completion's prompt is sent as a chat turn.",
        ),
      health_check: z
        .boolean()
        .optional()
        .describe(
          "Include this server in the active health checks (`server.health_checks`). Default true.",
        ),
      price: modelPriceSchema.optional(),
      ...generationDefaults,
    })
    .strict()
    .describe("A model behind an OpenAI-compatible server."),
  z
    .object({
      id: declaredId,
      ...modelLimits,
      kind: z
        .literal("hf-inference")
        .describe(
          "`hf-inference`: Hugging Face Inference Providers, or a dedicated endpoint when `base_url` is set.",
        ),
      api_model: z
        .string()
        .min(1)
        .describe("The model's id on the Hugging Face Hub (or the name the endpoint expects)."),
      task: z.string().min(1).describe("The task the model serves (pipeline tag or alias)."),
      base_url: z
        .url()
        .optional()
        .describe(
          "A dedicated endpoint (an Inference Endpoint, TGI, a local server) to call instead of the Inference Providers router.",
        ),
      api_key_env: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .optional()
        .describe(
          "Environment variable holding the access token (the token itself never goes in this file). Default: `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`.",
        ),
      inference_provider: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Which Inference Provider to route to, as `@huggingface/inference` names it; ignored when `base_url` is set. Default `hf-inference`.",
        ),
      labels: endpointLabels,
      vision: visionFlag,
      price: modelPriceSchema.optional(),
      ...generationDefaults,
    })
    .strict()
    .describe("A model behind Hugging Face Inference Providers or a dedicated endpoint."),
  z
    .object({
      id: modelId.describe(
        "A catalog model id (`npm:vader-sentiment`, a Hub ONNX model), run with these options.",
      ),
      ...modelLimits,
      kind: z.literal("catalog").describe("`catalog`: a catalog model with run options."),
      isolated: z
        .boolean()
        .optional()
        .describe(
          "Run in a child process, so a crash or hang cannot take the server down. Default true, or false under `modelscout serve --edge`, which runs models in the server's process to save memory.",
        ),
      unload_idle_seconds: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe(
          "Unload this model when no call has used it for this many seconds, and load it again on its next call; 0 keeps it loaded. Default: `server.unload_idle_seconds`.",
        ),
    })
    .strict()
    .describe("A catalog model with run options."),
]);

/** `scheme://host[:port]` and nothing more, as a browser sends it in `Origin`. */
function isWebOrigin(origin: string): boolean {
  try {
    return new URL(origin).origin === origin;
  } catch {
    return false;
  }
}

export const routesConfigSchema = z
  .object({
    $schema: z
      .string()
      .optional()
      .describe(
        "The JSON Schema this file follows, for editors; ignored by ModelScout. The schema ships in the package as `schemas/routes.json` (`node_modules/modelscout/schemas/routes.json`), and `modelscout schema routes` prints it.",
      ),
    version: z.literal(1).default(1).describe("Version of this file's format: 1."),
    default_route: z
      .string()
      .min(1)
      .optional()
      .describe("Where requests go when no classification step decides. Default: the first route."),
    classification: z
      .array(classificationStepSchema)
      .default([])
      .describe(
        "Steps that classify a request into a route, tried in order; the first step that names a route decides. Default: none, so every request goes to `default_route`.",
      ),
    models: z
      .array(modelDeclarationSchema)
      .default([])
      .describe(
        "Models that are not catalog ids with default options: servers, built-in models, catalog models with run options. A model id not declared here is looked up in the catalog.",
      ),
    routes: z
      .array(routeSchema)
      .min(1, "needs at least one route")
      .describe("The routes, each with the models that serve it per task. At least one."),
    learning: thompsonLearnerConfigSchema
      .optional()
      .describe(
        "Settings of the learning policy behind `bandit` routes (Thompson sampling; keys in camelCase). Default: its defaults.",
      ),
    server: z
      .object({
        max_body_bytes: z
          .number()
          .int()
          .positive()
          .default(1_048_576)
          .describe("Largest request body accepted, in bytes; larger gets 413. Default 1 MiB."),
        max_image_pixels: z
          .number()
          .int()
          .positive()
          .default(50_000_000)
          .describe(
            "Most pixels (width x height) an image may declare in its header, sent to an image task or inline in a chat (a `data:` URL in `image_url` or `input_image`); larger gets 413 (`image_too_large`) before anything decodes it or any model is called. Default 50000000 (50 megapixels).",
          ),
        circuit_breaker: z
          .object({
            failure_threshold: z
              .number()
              .int()
              .positive()
              .default(5)
              .describe(
                "Consecutive failures that open a model's breaker. Default 5. A 429 or 503 with `Retry-After` opens it at once, for that long (ADR 0034).",
              ),
            cool_down_ms: z
              .number()
              .int()
              .positive()
              .default(30_000)
              .describe(
                "How long an open breaker refuses calls before one trial call, in milliseconds. Default 30000.",
              ),
          })
          .strict()
          .default({ failure_threshold: 5, cool_down_ms: 30_000 })
          .describe(
            "Each model's circuit breaker: after failures, calls to the model are refused for a while and requests go to the next candidate at once.",
          ),
        health_checks: z
          .object({
            interval_ms: z
              .number()
              .int()
              .min(0)
              .default(15_000)
              .describe(
                "Time from the start of one round of checks to the next, in milliseconds; 0 turns health checks off. Default 15000.",
              ),
            timeout_ms: z
              .number()
              .int()
              .positive()
              .default(2000)
              .describe(
                "A check that takes longer than this, in milliseconds, fails. Default 2000.",
              ),
            unhealthy_threshold: z
              .number()
              .int()
              .positive()
              .default(2)
              .describe("Failed checks in a row that mark a model unhealthy. Default 2."),
            healthy_threshold: z
              .number()
              .int()
              .positive()
              .default(1)
              .describe(
                "Passed checks in a row that mark an unhealthy model healthy again. Default 1.",
              ),
          })
          .strict()
          .default({
            interval_ms: 15_000,
            timeout_ms: 2000,
            unhealthy_threshold: 2,
            healthy_threshold: 1,
          })
          .describe(
            "Active health checks of models behind servers (`GET /models` on OpenAI-compatible ones): a model that fails `unhealthy_threshold` checks in a row is skipped until it passes `healthy_threshold`. `interval_ms: 0` turns them off.",
          ),
        log_text_chars: z
          .number()
          .int()
          .min(0)
          .default(2000)
          .describe(
            "Longest text kept per request in the request log (characters). Default 2000. Personal data is redacted from what is kept; the redactor reads about 1,024 characters past it, not the whole prompt or answer.",
          ),
        log_writer_priority: z
          .enum(["idle", "normal"])
          .default("idle")
          .describe(
            "Scheduling of the thread that writes the request log: `idle` (default) runs it under Linux's SCHED_IDLE where the process may raise it again (CAP_SYS_NICE, or `ulimit -e 20`), so requests never wait for a CPU behind it; `normal` does not.",
          ),
        log_retention_days: z
          .number()
          .min(0)
          .default(30)
          .describe(
            "Days the request log keeps a request (its texts, decision and learned feedback); older rows are deleted in the background, except those whose feedback the learner has not taken yet. 0 keeps every row. Default 30 (ADR 0047).",
          ),
        keep_alive_timeout_ms: z
          .number()
          .int()
          .positive()
          .default(65_000)
          .describe(
            "How long a client's idle keep-alive connection stays open, in milliseconds. Default 65000: longer than the idle timeout of the load balancers and proxies usually in front (AWS ALB 60 s, nginx's upstream `keepalive_timeout` 60 s), so they close idle connections first and never send a request on one the router is closing (the cause of sporadic 502s behind a balancer with Node's own 5 s).",
          ),
        young_gc: z
          .enum(["serial", "parallel"])
          .default("serial")
          .describe(
            "How V8 collects the young generation in the server's process: `serial` (default) on the main thread alone, which keeps the pauses every request in flight waits through short when the CPUs are busy; `parallel` with V8's helper threads, V8's own default (ADR 0041). It holds for the whole process.",
          ),
        unload_idle_seconds: z
          .number()
          .int()
          .min(0)
          .default(0)
          .describe(
            "Unload a model run on this machine (an npm package's, a transformers.js one) when no call has used it for this many seconds, freeing its memory (an isolated model's process ends); its next call loads it again, and a call that cannot wait for the load goes to the route's next candidate. Models behind servers are not affected. A model's declaration can say otherwise (`unload_idle_seconds`). Default 0: models stay loaded. `modelscout serve --unload-idle <seconds>` sets it (ADR 0099).",
          ),
        session_ttl_seconds: z
          .number()
          .int()
          .min(0)
          .default(1800)
          .describe(
            "Session affinity: a request with an `x-modelscout-session` header goes where the session's last answered request of the same kind (same `model` asked for, same task) went, its route and its model, without classifying or choosing again, while that model is available; so a conversation's turns stay with one model. A session unused this many seconds is forgotten. Default 1800; 0 turns affinity off.",
          ),
        max_sessions: z
          .number()
          .int()
          .positive()
          .default(100_000)
          .describe(
            "Sessions remembered at most; past it, the least recently used is forgotten. Each takes a few hundred bytes of memory. Default 100000.",
          ),
        cors_origins: z
          .array(
            z.string().refine((origin) => origin === "*" || isWebOrigin(origin), {
              message:
                'must be "*" or an origin: scheme, host and optional port, no path (https://app.example.com)',
            }),
          )
          .default([])
          .describe(
            "Web pages whose scripts may call `/v1` from a browser (CORS): their origins, e.g. `[\"https://app.example.com\"]`, or `[\"*\"]` for any page. The server then answers browsers' preflight requests and lets the page read the answer and its `x-modelscout-*` decision headers. The admin API and the dashboard never allow it. A request from a page of any other origin (not this list, not the server's own) is refused with `403 origin_not_allowed`, with or without a list, so a site the user visits cannot make the server call its models; clients outside a browser send no origin and are not affected. Default none. A key in `MODELSCOUT_API_KEYS` that a page's script holds is visible to the page's users: give such a page a key of its own, or call the server from the page's own backend.",
          ),
        forward_headers: z
          .array(
            z
              .string()
              .regex(HTTP_TOKEN, "must be a header name")
              .refine((name) => !neverForwarded(name), {
                message:
                  "is never forwarded: credentials, cookies, the body's framing and the router's own x-modelscout-* headers stay with the router",
              }),
          )
          .max(32)
          .default([...DEFAULT_FORWARD_HEADERS])
          .describe(
            "Request headers the router passes on to the model servers it calls (OpenAI-compatible servers and Hugging Face Inference): W3C trace context by default (`traceparent`, `tracestate`), so a model server that traces (vLLM with OpenTelemetry) joins the client's trace; add others a model server reads, such as a tenant header. Never `authorization`, `proxy-authorization`, `cookie`, the body's framing headers or `x-modelscout-*`. `[]` forwards none.",
          ),
      })
      .strict()
      .default({
        max_body_bytes: 1_048_576,
        max_image_pixels: 50_000_000,
        circuit_breaker: { failure_threshold: 5, cool_down_ms: 30_000 },
        health_checks: {
          interval_ms: 15_000,
          timeout_ms: 2000,
          unhealthy_threshold: 2,
          healthy_threshold: 1,
        },
        log_text_chars: 2000,
        log_writer_priority: "idle",
        log_retention_days: 30,
        keep_alive_timeout_ms: 65_000,
        young_gc: "serial",
        unload_idle_seconds: 0,
        session_ttl_seconds: 1800,
        max_sessions: 100_000,
        cors_origins: [],
        forward_headers: [...DEFAULT_FORWARD_HEADERS],
      })
      .describe("The routing server's limits and settings."),
  })
  .strict()
  .describe(
    "ModelScout routes config (`modelscout serve --config`): how the routing server classifies a request into a route, which candidate models serve each route per task, the policy that picks among them, timeouts, retries and the server's limits.",
  );

export type RoutesConfigInput = z.input<typeof routesConfigSchema>;
type ParsedConfig = z.output<typeof routesConfigSchema>;
export type ModelDeclaration = ParsedConfig["models"][number];

/** One entry of a config's `models`, checked as the config's own are; throws a zod error. */
export function parseModelDeclaration(input: unknown): ModelDeclaration {
  return modelDeclarationSchema.parse(input);
}

export interface RouteCandidate {
  model: string;
  weight: number;
  /** Normalised language codes it serves; null: every language (ADR 0058). */
  languages: string[] | null;
}

export interface RouteTarget {
  task: TaskId;
  policy: RoutePolicy;
  candidates: RouteCandidate[];
  timeoutMs: number;
  retries: number;
  /** `answer_value_usd`: set on `bandit` targets that weigh cost (ADR 0053). */
  answerValueUsd: number | null;
  /** `latency_slo_ms`: set on `bandit` targets whose late answers count as failures (ADR 0055). */
  latencySloMs: number | null;
  /** `min_confidence`: a labelling target's cascade threshold (ADR 0057); null: none. */
  minConfidence: number | null;
  /** `language_detector`: the model that names a request's language (ADR 0058); null: none. */
  languageDetector: string | null;
}

export interface RouteDefinition {
  name: string;
  description: string | null;
  /** Keyed by pipeline tag. */
  targets: Map<TaskId, RouteTarget>;
}

export type ClassificationStep =
  | {
      kind: "rules";
      rules: { route: string; keywords: string[]; patterns: RegExp[] }[];
    }
  | {
      kind: "nearest-neighbour";
      model: string;
      examples: Map<string, string[]>;
      k: number;
      minSimilarity: number;
      timeoutMs: number;
      maxTextChars: number;
    }
  | {
      kind: "classifier";
      model: string;
      labels: Map<string, string>;
      minScore: number;
      candidateLabels: boolean;
      timeoutMs: number;
      maxTextChars: number;
    };

export interface RoutesConfig {
  /**
   * The folder relative `local:` model ids are read from: the config file's own, when it was
   * read from one (`readRoutesConfig`); else the working directory.
   */
  directory?: string;
  /** The file it was read from, as given (`readRoutesConfig`), for messages; absent otherwise. */
  source?: string;
  defaultRoute: string;
  /** The `learning` section as written (validated), for the learner to parse with its defaults. */
  learning: ThompsonLearnerConfigInput;
  classification: ClassificationStep[];
  models: ModelDeclaration[];
  routes: RouteDefinition[];
  server: {
    maxBodyBytes: number;
    maxImagePixels: number;
    circuitBreaker: { failureThreshold: number; coolDownMs: number };
    /** `intervalMs` 0: off. */
    healthChecks: HealthCheckSettings;
    logTextChars: number;
    logWriterPriority: "idle" | "normal";
    /** 0: keep every row. */
    logRetentionDays: number;
    keepAliveTimeoutMs: number;
    youngGc: "serial" | "parallel";
    /** Catalog models' idle time before they are unloaded; 0: never (ADR 0099). */
    unloadIdleMs: number;
    /** 0: no session affinity. */
    sessionTtlMs: number;
    maxSessions: number;
    /** Origins whose pages may call `/v1` from a browser (`cors.ts`); `*` for any; empty: none. */
    corsOrigins: readonly string[];
    /** Client request headers passed on to model servers (lower case); empty: none. */
    forwardHeaders: readonly string[];
  };
}

/** The error that lists a routes config's problems, each naming its field (`details.problems`). */
export function invalidRoutesConfig(source: string, problems: string[]): ModelScoutError {
  return new ModelScoutError(
    "INVALID_ARGUMENT",
    problemsMessage(`Routes config${source === "" ? "" : ` ${source}`}`, problems),
    { details: { source, problems } },
  );
}

function fieldName(path: readonly PropertyKey[]): string {
  let name = "";
  for (const part of path) {
    if (typeof part === "number") name += `[${part}]`;
    else name += name === "" ? String(part) : `.${String(part)}`;
  }
  return name;
}

function describeConfigIssue(issue: z.core.$ZodIssue): string {
  const field = fieldName(issue.path);
  if (issue.code === "invalid_union") {
    // A model declaration's or a classification step's `kind` that is none of the kinds.
    const { options } = issue as { options?: unknown[] };
    if (Array.isArray(options)) {
      return `${field}: expected one of ${options.map((option) => JSON.stringify(option)).join(", ")}`;
    }
    // A candidate: a model id, or an object whose own fields are wrong (`weight: "x"`).
    const inObject = issue.errors.flat().filter((inner) => inner.path.length > 0);
    if (inObject.length > 0) {
      return inObject
        .map((inner) => `${fieldName([...issue.path, ...inner.path])}: ${inner.message}`)
        .join("; ");
    }
    return `${field}: must be a model id or { model, weight }`;
  }
  return describeIssue(issue, field, routesConfigSchema);
}

/** A model a routes config names, and the field that names it. */
export interface ModelReference {
  field: string;
  model: string;
  /** What the model must serve: a route candidate's target's task; a language detector's. */
  task?: TaskId;
  /** A classification step's model: the step's kind, which says what the model must do. */
  step?: "nearest-neighbour" | "classifier";
}

/**
 * What `checkRoutesConfig` found: the normalised config when it has no problem; else every
 * problem it could find, and the models the config names, for the checks that look them up
 * (`serve --check`), which cannot build a router for such a config.
 */
export interface RoutesConfigCheck {
  /** Undefined when there are `problems`. */
  config: RoutesConfig | undefined;
  /** Each naming its field: the schema's, then those the parts that parsed have among them. */
  problems: string[];
  /**
   * Where the parts that parsed name a model: each declaration that parsed (`models[i]`), the
   * route candidates and language detectors, and the classification steps' models,
   * `decision:` references as written. A candidate of a model whose declaration has problems of its own is left out (it
   * is declared, only wrongly), and so is every candidate when a declaration has no id, since
   * which ids are declared is then not known.
   */
  modelReferences: ModelReference[];
  /** The model declarations that parsed. */
  declarations: ModelDeclaration[];
}

type ParsedTarget = z.output<typeof targetSchema>;

/** `value` as an object's fields, or undefined when it is not an object. */
function fieldsOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `value[key]` when it is a non-empty string (an id, a name), else undefined. */
function textField(value: unknown, key: string): string | undefined {
  const field = fieldsOf(value)?.[key];
  return typeof field === "string" && field !== "" ? field : undefined;
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Validates a routes config (already read from JSON or YAML) and normalises it. `source`
 * (a file name) prefixes every message. Throws `INVALID_ARGUMENT` listing every problem,
 * each naming its field (`checkRoutesConfig`).
 */
export function parseRoutesConfig(input: unknown, source = ""): RoutesConfig {
  const checked = checkRoutesConfig(input);
  if (checked.config === undefined) throw invalidRoutesConfig(source, checked.problems);
  return checked.config;
}

/**
 * Validates a routes config and normalises it, naming every problem it can find in one go:
 * the schema's, and those of the checks across its parts (a route or model named twice, an
 * unknown route named by a rule, an example, a label or `default_route`, a target's settings
 * that do not go together) on every part that parsed, though others did not. Each model, route,
 * target and classification step is parsed on its own for that, so a bad `base_url` does not
 * hide a rule's unknown route; a check that needs what did not parse is left out (no route
 * is called unknown while a route has no name).
 */
export function checkRoutesConfig(input: unknown): RoutesConfigCheck {
  const parsed = routesConfigSchema.safeParse(input, { reportInput: true });
  const problems = parsed.success ? [] : parsed.error.issues.map(describeConfigIssue);
  const written = fieldsOf(input) ?? {};
  const routeNames = new Set<string>();
  const routes: RouteDefinition[] = [];
  const declared = new Set<string>();
  const pricedModels = new Set<string>();
  const declarations: ModelDeclaration[] = [];
  const modelReferences: ModelReference[] = [];

  const writtenModels = listOf(written.models);
  writtenModels.forEach((written, index) => {
    const id = textField(written, "id");
    if (id === undefined) return;
    if (declared.has(id)) problems.push(`models[${index}].id: "${id}" is declared twice`);
    declared.add(id);
  });
  const validModels = new Set<string>();
  writtenModels.forEach((written, index) => {
    const declaration = modelDeclarationSchema.safeParse(written);
    if (!declaration.success) return;
    const model = declaration.data;
    declarations.push(model);
    validModels.add(model.id);
    modelReferences.push({ field: `models[${index}]`, model: model.id });
    if ((model.kind === "openai" || model.kind === "hf-inference") && model.price !== undefined) {
      pricedModels.add(model.id);
    }
    if ((model.kind === "openai" || model.kind === "hf-inference") && model.task !== undefined) {
      try {
        resolveTask(model.task);
      } catch (error) {
        problems.push(`models[${index}].task: ${(error as Error).message}`);
      }
    }
  });
  const everyModelNamed = writtenModels.every((written) => textField(written, "id") !== undefined);
  const referTo = (reference: ModelReference) => {
    const { model } = reference;
    if (!everyModelNamed || (declared.has(model) && !validModels.has(model))) return;
    modelReferences.push(reference);
  };

  const writtenRoutes = Array.isArray(written.routes) ? written.routes : undefined;
  (writtenRoutes ?? []).forEach((route, routeIndex) => {
    const where = `routes[${routeIndex}]`;
    const name = textField(route, "name");
    if (name !== undefined) {
      if (name === AUTO_MODEL) problems.push(`${where}.name: "auto" is reserved`);
      if (routeNames.has(name)) problems.push(`${where}.name: "${name}" is used twice`);
      if (declared.has(name)) {
        problems.push(`${where}.name: "${name}" is also a model id in models`);
      }
      routeNames.add(name);
    }
    const targets = new Map<TaskId, RouteTarget>();
    const writtenTargets = fieldsOf(fieldsOf(route)?.targets);
    const taskNames = Object.keys(writtenTargets ?? {});
    if (writtenTargets !== undefined && taskNames.length === 0) {
      problems.push(`${where}.targets: needs at least one task, e.g. "text-generation"`);
    }
    for (const taskName of taskNames) {
      const field = `${where}.targets.${taskName}`;
      let task: TaskId;
      try {
        task = resolveTask(taskName);
      } catch (error) {
        problems.push(`${field}: ${(error as Error).message}`);
        continue;
      }
      const writtenTarget = writtenTargets?.[taskName];
      const parsedTarget = targetSchema.safeParse(writtenTarget);
      if (!parsedTarget.success) {
        // Its problems are the schema's; its models can still be looked up.
        listOf(fieldsOf(writtenTarget)?.candidates).forEach((candidate, index) => {
          const model = typeof candidate === "string" ? candidate : textField(candidate, "model");
          if (model !== undefined && model !== "") {
            referTo({ field: `${where}.targets.${task}.candidates[${index}]`, model, task });
          }
        });
        continue;
      }
      const target: ParsedTarget = parsedTarget.data;
      if (targets.has(task)) problems.push(`${field}: task ${task} is given twice (aliases)`);
      const candidates: RouteCandidate[] = target.candidates.map((candidate, index) => {
        if (typeof candidate === "string") return { model: candidate, weight: 1, languages: null };
        const languages =
          candidate.languages === undefined
            ? null
            : candidate.languages.map((language, at) => {
                const code = normaliseLanguage(language);
                if (code === null) {
                  problems.push(
                    `${field}.candidates[${index}].languages[${at}]: "${language}" is not a language (use an ISO 639-1 code such as en or zh, or a name such as Chinese)`,
                  );
                }
                return code ?? language;
              });
        return { model: candidate.model, weight: candidate.weight ?? 1, languages };
      });
      const languageDetector = target.language_detector ?? null;
      if (languageDetector !== null && !candidates.some((c) => c.languages !== null)) {
        problems.push(
          `${field}.language_detector: no candidate declares "languages", so a detected language would change nothing; add languages to the candidates or remove it`,
        );
      }
      if (languageDetector?.startsWith("decision:")) {
        problems.push(
          `${field}.language_detector: name the language-identification model by id (a decision reference is resolved for candidates and classification steps only)`,
        );
      } else if (languageDetector !== null) {
        // It labels the request's text with its language: a text classifier.
        referTo({
          field: `${where}.targets.${task}.language_detector`,
          model: languageDetector,
          task: "text-classification",
        });
      }
      const seen = new Set<string>();
      candidates.forEach((candidate, index) => {
        referTo({
          field: `${where}.targets.${task}.candidates[${index}]`,
          model: candidate.model,
          task,
        });
        if (seen.has(candidate.model)) {
          problems.push(`${field}.candidates[${index}]: "${candidate.model}" is listed twice`);
        }
        seen.add(candidate.model);
      });
      if (target.policy === "fixed" && candidates.length !== 1) {
        problems.push(
          `${field}.candidates: policy "fixed" takes exactly one model (got ${candidates.length}); use "fallback" for a chain`,
        );
      }
      const answerValueUsd = target.answer_value_usd ?? null;
      if (answerValueUsd !== null && target.policy !== "bandit") {
        problems.push(
          `${field}.answer_value_usd: only a "bandit" target weighs quality against cost (this one is "${target.policy}"); remove it or use policy "bandit"`,
        );
      }
      if (
        answerValueUsd !== null &&
        !candidates.some((candidate) => pricedModels.has(candidate.model))
      ) {
        problems.push(
          `${field}.answer_value_usd: none of the candidates has a price, so every cost is 0 and the value changes nothing; declare the models with "price" (models[].price) or remove it`,
        );
      }
      const latencySloMs = target.latency_slo_ms ?? null;
      if (latencySloMs !== null && target.policy !== "bandit") {
        problems.push(
          `${field}.latency_slo_ms: only a "bandit" target learns from how long its answers take (this one is "${target.policy}"); remove it or use policy "bandit"`,
        );
      }
      const minConfidence = target.min_confidence ?? null;
      if (minConfidence !== null) {
        const refusal =
          EXPECTED_OUTPUT_KIND[task] !== "labels"
            ? `only a labelling task's answers carry a score (${task} answers are ${EXPECTED_OUTPUT_KIND[task] ?? "not labels"})`
            : target.policy === "fixed" || candidates.length < 2
              ? 'a cascade needs a next candidate to hand an unsure answer to; list two or more with policy "fallback"'
              : target.policy === "bandit"
                ? 'a bandit\'s learner judges each model by its own answers, and a cascade hands the unsure ones on; use policy "fallback" (cheapest first)'
                : null;
        if (refusal !== null) problems.push(`${field}.min_confidence: ${refusal}`);
      }
      targets.set(task, {
        task,
        policy: target.policy,
        candidates,
        timeoutMs: target.timeout_ms,
        retries: target.retries,
        answerValueUsd,
        latencySloMs,
        minConfidence,
        languageDetector,
      });
    }
    if (name === undefined) return;
    const description = fieldsOf(route)?.description;
    routes.push({
      name,
      description: typeof description === "string" ? description : null,
      targets,
    });
  });

  // Which routes there are is known when each route has a name, parsed or not.
  const routesNamed =
    writtenRoutes?.every((route) => textField(route, "name") !== undefined) === true;
  const knownRoute = (name: string, field: string) => {
    if (routesNamed && !routeNames.has(name)) {
      problems.push(
        `${field}: unknown route "${name}" (routes: ${[...routeNames].join(", ") || "none"})`,
      );
    }
  };

  const classification: ClassificationStep[] = [];
  listOf(written.classification).forEach((writtenStep, stepIndex) => {
    const where = `classification[${stepIndex}]`;
    const parsedStep = classificationStepSchema.safeParse(writtenStep);
    if (!parsedStep.success) {
      // Its problems are the schema's; the routes and model it names can still be checked.
      checkWrittenStep(writtenStep, where, knownRoute, referTo);
      return;
    }
    const step = parsedStep.data;
    if (step.kind === "rules") {
      const rules = step.rules.map((rule, ruleIndex) => {
        const field = `${where}.rules[${ruleIndex}]`;
        knownRoute(rule.route, `${field}.route`);
        if (rule.keywords.length === 0 && rule.patterns.length === 0) {
          problems.push(`${field}: give keywords or patterns`);
        }
        const patterns: RegExp[] = [];
        rule.patterns.forEach((pattern, patternIndex) => {
          try {
            patterns.push(new RegExp(pattern, "iu"));
          } catch (error) {
            // Python's and PCRE's inline flags, copied from elsewhere, are not JavaScript's.
            const inlineFlags = /^\(\?[a-zA-Z]+\)/.test(pattern)
              ? `; JavaScript has no inline flags such as ${/^\(\?[a-zA-Z]+\)/.exec(pattern)?.[0]}: patterns are already matched case-insensitively, so remove it`
              : "";
            problems.push(
              `${field}.patterns[${patternIndex}]: not a valid regular expression (${(error as Error).message})${inlineFlags}`,
            );
          }
        });
        return { route: rule.route, keywords: rule.keywords, patterns };
      });
      classification.push({ kind: "rules", rules });
    } else if (step.kind === "nearest-neighbour") {
      const examples = new Map<string, string[]>();
      for (const [route, utterances] of Object.entries(step.examples)) {
        knownRoute(route, `${where}.examples.${route}`);
        examples.set(route, utterances);
      }
      if (examples.size === 0) problems.push(`${where}.examples: give examples for some route`);
      referTo({ field: `${where}.model`, model: step.model, step: step.kind });
      classification.push({
        kind: "nearest-neighbour",
        model: step.model,
        examples,
        k: step.k,
        minSimilarity: step.min_similarity,
        timeoutMs: step.timeout_ms,
        maxTextChars: step.max_text_chars,
      });
    } else {
      const labels = new Map<string, string>();
      for (const [label, route] of Object.entries(step.labels)) {
        knownRoute(route, `${where}.labels.${label}`);
        labels.set(label, route);
      }
      referTo({ field: `${where}.model`, model: step.model, step: step.kind });
      classification.push({
        kind: "classifier",
        model: step.model,
        labels,
        minScore: step.min_score,
        candidateLabels: step.candidate_labels,
        timeoutMs: step.timeout_ms,
        maxTextChars: step.max_text_chars,
      });
    }
  });

  const writtenDefault = textField(written, "default_route");
  if (writtenDefault !== undefined) knownRoute(writtenDefault, "default_route");
  if (!parsed.success || problems.length > 0) {
    return { config: undefined, problems, modelReferences, declarations };
  }
  const config = parsed.data;
  const defaultRoute = config.default_route ?? config.routes[0]?.name ?? "";

  const learning = (input as { learning?: ThompsonLearnerConfigInput }).learning ?? {};
  const normalised: RoutesConfig = {
    defaultRoute,
    learning,
    classification,
    models: config.models,
    routes,
    server: {
      maxBodyBytes: config.server.max_body_bytes,
      maxImagePixels: config.server.max_image_pixels,
      circuitBreaker: {
        failureThreshold: config.server.circuit_breaker.failure_threshold,
        coolDownMs: config.server.circuit_breaker.cool_down_ms,
      },
      healthChecks: {
        intervalMs: config.server.health_checks.interval_ms,
        timeoutMs: config.server.health_checks.timeout_ms,
        unhealthyThreshold: config.server.health_checks.unhealthy_threshold,
        healthyThreshold: config.server.health_checks.healthy_threshold,
      },
      logTextChars: config.server.log_text_chars,
      logWriterPriority: config.server.log_writer_priority,
      logRetentionDays: config.server.log_retention_days,
      keepAliveTimeoutMs: config.server.keep_alive_timeout_ms,
      youngGc: config.server.young_gc,
      unloadIdleMs: config.server.unload_idle_seconds * 1000,
      sessionTtlMs: config.server.session_ttl_seconds * 1000,
      maxSessions: config.server.max_sessions,
      corsOrigins: config.server.cors_origins,
      forwardHeaders: [...new Set(config.server.forward_headers.map((name) => name.toLowerCase()))],
    },
  };
  return { config: normalised, problems, modelReferences, declarations };
}

/**
 * The routes and model a classification step names, when the step did not parse (its kind,
 * a field of it): each rule's route, each example's route, each label's route, its model.
 */
function checkWrittenStep(
  step: unknown,
  where: string,
  knownRoute: (name: string, field: string) => void,
  referTo: (reference: ModelReference) => void,
): void {
  const fields = fieldsOf(step);
  if (fields === undefined) return;
  listOf(fields.rules).forEach((rule, ruleIndex) => {
    const route = textField(rule, "route");
    if (route !== undefined) knownRoute(route, `${where}.rules[${ruleIndex}].route`);
  });
  for (const route of Object.keys(fieldsOf(fields.examples) ?? {})) {
    knownRoute(route, `${where}.examples.${route}`);
  }
  for (const [label, route] of Object.entries(fieldsOf(fields.labels) ?? {})) {
    if (typeof route === "string" && route !== "") knownRoute(route, `${where}.labels.${label}`);
  }
  const model = textField(step, "model");
  const kind = fields.kind;
  if (model !== undefined && (kind === "nearest-neighbour" || kind === "classifier")) {
    referTo({ field: `${where}.model`, model, step: kind });
  }
}

/**
 * What a valid config does that is most likely not what its writer meant, each naming its
 * field: a `bandit` or `weighted` target with one candidate has no choice to make (a bandit
 * learns nothing, a weight shares nothing). Not refused: a route waiting for its second model
 * serves as it is, and `serve --check` and a start say so.
 */
export function routesConfigWarnings(config: RoutesConfig): string[] {
  const warnings: string[] = [];
  config.routes.forEach((route, routeIndex) => {
    for (const [task, target] of route.targets) {
      if (
        (target.policy === "bandit" || target.policy === "weighted") &&
        target.candidates.length === 1
      ) {
        const what =
          target.policy === "bandit"
            ? "has nothing to learn a choice between: feedback changes nothing"
            : "has no traffic to share";
        warnings.push(
          `routes[${routeIndex}].targets.${task}: policy "${target.policy}" with one candidate (${target.candidates[0]?.model}) ${what}; list another model, or use policy "fixed"`,
        );
      }
    }
  });
  return warnings;
}

/** The published JSON Schema of a routes config (draft 2020-12). */
export function routesConfigJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://modelscout.dev/schemas/routes.json",
    title: "ModelScout routes config",
    ...(z.toJSONSchema(routesConfigSchema, { io: "input" }) as Record<string, unknown>),
  };
}
