/**
 * @module
 * Turns a natural-language request into a task spec with an LLM behind any OpenAI-compatible
 * `/chat/completions` endpoint (Ollama, vLLM, llama.cpp, LiteLLM, OpenAI), for requests the
 * rules in `request-to-spec.ts` read poorly. The model is given the published JSON Schema
 * (`taskSpecJsonSchema`) and the hardware ids, and its answer is trusted only after
 * `parseTaskSpec` accepts it. Anything else (no answer, prose instead of JSON, a spec the
 * schema rejects) falls back to the rules with a note saying why, so the user always gets a
 * spec they can check before it runs, and a flaky endpoint never blocks a selection.
 *
 * Requests go through the OpenAI-compatible backend (`backends/http/`), so retries, timeouts
 * and credential redaction are the same as for every other model call; the API key never
 * appears in a note or an error.
 */
import { createOpenAICompatibleBackend } from "../backends/http/openai-compatible-backend.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { listHardwareProfiles } from "../hardware/resolve-hardware.js";
import type { HttpRetryPolicy } from "../http/fetch-with-retry.js";
import { redactSecrets } from "../hub/redact-secrets.js";
import { type RequestToSpecResult, requestToSpec } from "./request-to-spec.js";
import { parseTaskSpec, type TaskSpecInput, taskSpecJsonSchema } from "./task-spec.js";

export interface RequestToSpecLlmOptions {
  /** Up to and including the API version, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  /** The model name the server expects (`qwen2.5:7b-instruct`, `gpt-4o-mini`). */
  model: string;
  /** Sent as `Authorization: Bearer`; never appears in notes or errors. */
  apiKey?: string;
  fetch?: typeof fetch;
  /** Per attempt. Default 60 s. */
  timeoutMs?: number;
  retry?: HttpRetryPolicy;
  signal?: AbortSignal;
}

/** Enough for any spec; a model that runs past it has lost the thread. */
const MAX_REPLY_TOKENS = 1024;
const MAX_QUOTED_REPLY_CHARS = 160;

/** The instructions: the schema verbatim, plus what the schema cannot say (valid ids, no inventing). */
export function requestToSpecPrompt(): string {
  const hardwareIds = ["local", ...listHardwareProfiles().map((profile) => profile.id)];
  return [
    "You turn a request for an AI model into a ModelScout task spec.",
    "Answer with one JSON object and nothing else: no prose, no code fence.",
    "The object must validate against this JSON Schema:",
    JSON.stringify(taskSpecJsonSchema()),
    "Rules:",
    "- task_type is a Hugging Face pipeline tag: text-classification (also sentiment), language-identification (which language a text is in: classification by language identifiers only), feature-extraction (embeddings, search, similarity), automatic-speech-recognition, image-to-text (also OCR), image-classification, token-classification, summarization, translation, text-generation (chat, writing), text-to-speech.",
    "- input_constraints.language is the ISO 639-1 code of the input (zh, en, fr); leave it out when several languages are named.",
    `- hardware is one of: ${hardwareIds.join(", ")}. "local" means the machine running ModelScout ("my laptop", "this machine").`,
    "- slo.max_p95_latency_ms is in milliseconds, slo.max_memory_gb in gigabytes.",
    '- privacy is "local-only" when the data must stay private or on premises.',
    "- objectives are relative weights; leave them out unless the request says speed or accuracy matters.",
    "- Leave out every field the request does not state. Never invent a data path.",
  ].join("\n");
}

/** The JSON object in a reply, which models wrap in code fences, prose or reasoning tags. */
function extractJson(reply: string): unknown {
  const withoutReasoning = reply.replace(/<think>[\s\S]*?<\/think>/gi, "");
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(withoutReasoning)?.[1];
  const body = fenced ?? withoutReasoning;
  const start = body.indexOf("{");
  const end = body.lastIndexOf("}");
  if (start < 0 || end <= start) throw new Error("no JSON object in the reply");
  return JSON.parse(body.slice(start, end + 1));
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_QUOTED_REPLY_CHARS
    ? `${flat.slice(0, MAX_QUOTED_REPLY_CHARS - 1)}…`
    : flat;
}

function messageOf(error: unknown): string {
  if (error instanceof ModelScoutError) return `${error.code}: ${error.message}`;
  return errorMessage(error);
}

type ReplyCheck = { ok: true; result: RequestToSpecResult } | { ok: false; problem: string };

/** Accepts a reply only when it holds a spec `parseTaskSpec` accepts. */
function checkReply(reply: string, request: string, where: string): ReplyCheck {
  let candidate: unknown;
  try {
    candidate = extractJson(reply);
  } catch (error) {
    return {
      ok: false,
      problem: `The LLM (${where}) did not answer with a JSON object (${messageOf(error)}; it said: "${shorten(reply)}").`,
    };
  }
  const notes: string[] = [];
  if (typeof candidate === "object" && candidate !== null && !Array.isArray(candidate)) {
    const { data, ...rest } = candidate as Record<string, unknown>;
    const path = (data as { path?: unknown } | undefined)?.path;
    // A model may fill in a plausible file name; a path the user never wrote is dropped.
    if (typeof path === "string" && !request.includes(path)) {
      candidate = rest;
      notes.push(
        `The LLM gave data.path "${path}", which the request does not mention; it was dropped. Add data.path yourself.`,
      );
    }
  }
  try {
    parseTaskSpec(candidate);
  } catch (error) {
    return {
      ok: false,
      problem: `The LLM (${where}) answered with a spec that is not valid (${messageOf(error)}).`,
    };
  }
  return {
    ok: true,
    result: {
      spec: candidate as TaskSpecInput,
      notes: [
        `Spec written by the LLM (${where}) and checked against the task spec schema.`,
        ...notes,
      ],
      source: "llm",
    },
  };
}

/**
 * Asks the LLM for a spec, validates it, and falls back to `requestToSpec` (with a note)
 * when the LLM cannot be reached or its reply is not a valid spec. Throws `INVALID_ARGUMENT`
 * only when neither the LLM nor the rules produce a spec.
 */
export async function requestToSpecWithLlm(
  request: string,
  options: RequestToSpecLlmOptions,
): Promise<RequestToSpecResult> {
  const secrets = [options.apiKey];
  const where = `model "${options.model}" at ${redactSecrets(options.baseUrl, secrets)}`;
  let problem: string;
  try {
    const backend = createOpenAICompatibleBackend({
      baseURL: options.baseUrl,
      model: options.model,
      task: "text-generation",
      temperature: 0,
      maxTokens: MAX_REPLY_TOKENS,
      ...(options.apiKey !== undefined && { apiKey: options.apiKey }),
      ...(options.fetch !== undefined && { fetch: options.fetch }),
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.retry !== undefined && { retry: options.retry }),
      credentialHint: "pass the endpoint's API key as apiKey",
    });
    const [output] = await backend.doRun(
      [
        {
          messages: [
            { role: "system", content: requestToSpecPrompt() },
            { role: "user", content: request },
          ],
        },
      ],
      options.signal === undefined ? {} : { signal: options.signal },
    );
    const check = checkReply(output?.kind === "text" ? output.text : "", request, where);
    if (check.ok) return check.result;
    problem = redactSecrets(check.problem, secrets);
  } catch (error) {
    // The caller's abort is not a case for falling back: they asked to stop.
    if (options.signal?.aborted) throw error;
    problem = `The LLM (${where}) could not be used: ${redactSecrets(messageOf(error), secrets)}`;
  }
  try {
    const rules = requestToSpec(request);
    return {
      ...rules,
      notes: [`${problem} The rules made the spec instead.`, ...rules.notes],
    };
  } catch (error) {
    if (error instanceof ModelScoutError) {
      throw new ModelScoutError("INVALID_ARGUMENT", `${problem} ${error.message}`, {
        cause: error,
        details: error.details,
      });
    }
    throw error;
  }
}
