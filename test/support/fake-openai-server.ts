/**
 * A local stand-in for model servers, on a real `node:http` server at 127.0.0.1 on a free
 * port. It speaks two protocols:
 * - the OpenAI API under `/v1`: `GET /v1/models`, `POST /v1/chat/completions` (with `usage`),
 *   `POST /v1/completions` (raw text, as a base or code model completes it: `rawCompletion`),
 *   `POST /v1/embeddings` (batched, with `index`), errors in OpenAI's `{error: {message,
 *   type, code}}` shape;
 * - the Hugging Face Inference paths `@huggingface/inference` calls for the hf-inference
 *   provider: `GET /api/models/{id}?expand[]=inferenceProviderMapping` (the Hub's mapping
 *   lookup), `POST /hf-inference/models/{id}` (text- and token-classification),
 *   `.../pipeline/feature-extraction`, `.../v1/chat/completions`; the same under
 *   `/endpoint/{id}` for a dedicated endpoint URL.
 * Answers are deterministic functions of the input (embeddings from a hash, chat replies
 * from a rule), so contract tests can compare batch and single runs. Scripted faults apply to
 * the next requests in order (`429` + `Retry-After`, `500`, `503`, a hang, malformed JSON, a
 * wrong shape, a reset socket). An optional API key is enforced like OpenAI does (`401`,
 * and the error message echoes the key, as careless servers do, so tests can prove we
 * redact it). Every request is recorded with its headers and body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeServerStep =
  | { kind: "ok" }
  | { kind: "status"; status: number; retryAfter?: string; message?: string }
  | { kind: "hang" }
  | { kind: "malformed-json" }
  | { kind: "wrong-shape" }
  | { kind: "reset" }
  /** A streamed chat answer that stops after `pieces` content chunks: the socket is destroyed. */
  | { kind: "stream-break"; pieces: number }
  /** A streamed chat answer that sends `data: {"error": {message}}` after `pieces` chunks. */
  | { kind: "stream-error"; pieces: number; message: string };

export interface RecordedModelRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** Parsed JSON when the body was JSON, else the raw text. */
  body: unknown;
}

export interface FakeChatMessage {
  role: string;
  /**
   * null in an assistant turn that only called tools; text and `image_url` parts in a user
   * turn for a vision model (`messageText` reads both).
   */
  content: string | FakeContentPart[];
}

export type FakeContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: string } };

/**
 * A message's content as text, as a vision model would "see" it: text parts as they are, each
 * image as `<image data:image/png…>` (the start of its URL), so tests can tell images arrived.
 */
export function messageText(content: FakeChatMessage["content"] | null | undefined): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content
    .map((part) =>
      part.type === "text" ? part.text : `<image ${part.image_url.url.slice(0, 22)}…>`,
    )
    .join(" ");
}

export interface FakeOpenAIServerOptions {
  /** Model ids served; others get 404 `model_not_found`. Default: any model. */
  models?: readonly string[];
  /** When set, requests without `Authorization: Bearer <key>` get 401. */
  requiredApiKey?: string;
  /** Length of the fake embeddings. Default 8. */
  embeddingDimensions?: number;
  /** Replaces the default chat rule. */
  chatReply?: (messages: readonly FakeChatMessage[], model: string) => string;
  /** Sends embeddings in reverse order (with correct `index`), as a server may. */
  reverseEmbeddings?: boolean;
  /** Leaves `usage` out of chat answers, as some servers do. */
  omitUsage?: boolean;
  /** Pipeline tag per model id for the HF paths. Default `text-classification`. */
  hfTasks?: Record<string, string>;
  /** Pause before each streamed content chunk (`stream: true`), milliseconds. Default 0. */
  streamDelayMs?: number;
  /**
   * A streamed chat's own pace and break, chosen from its body (the `seed` that tells one of
   * `n` choices from another, say): `delayMs` replaces `streamDelayMs`; `breakAfter` content
   * chunks, the socket is destroyed, as with a scripted `stream-break`.
   */
  streamPlan?: (body: Record<string, unknown>) => { delayMs?: number; breakAfter?: number };
  /**
   * A reasoning model's thinking, sent before the answer as `reasoning_content`, as vLLM's
   * reasoning parsers and DeepSeek do: in the message, or word by word when streaming
   * (paced like the content).
   */
  reasoning?: string;
  /**
   * Sends the running token counts in every streamed content chunk, as vLLM does with
   * `continuous_usage_stats`.
   */
  continuousUsage?: boolean;
  /** The port to listen on (a test given a range of ports); default 0, any free one. */
  port?: number;
}

export interface FakeOpenAIServer {
  /** e.g. `http://127.0.0.1:41234`; the OpenAI base URL is `${url}/v1`. */
  readonly url: string;
  readonly requests: RecordedModelRequest[];
  /** Streamed chat answers sent to the end, and those whose client left before the end. */
  readonly streams: { finished: number; abandoned: number };
  /** Queues what the next requests get, one step per request. */
  script(...steps: FakeServerStep[]): void;
  /**
   * While true, every request (the model listing too) gets a 503, as from a crashed server
   * behind its proxy; scripted steps wait.
   */
  down: boolean;
  close(): Promise<void>;
}

const CLASSIFIER_MARKER = "answer with exactly one label from this list";
const NEGATIVE_WORDS = /\b(bad|terrible|awful|hate|hated|worst|boring|broken)\b/i;

/** FNV-1a, so vectors depend on the text alone. */
function hash(text: string, seed: number): number {
  let value = 2166136261 ^ seed;
  for (let index = 0; index < text.length; index += 1) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 16777619);
  }
  return value >>> 0;
}

export function fakeEmbedding(text: string, dimensions: number): number[] {
  const raw = Array.from(
    { length: dimensions },
    (_, index) => (hash(text, index) / 2 ** 32) * 2 - 1,
  );
  const norm = Math.sqrt(raw.reduce((sum, value) => sum + value * value, 0)) || 1;
  return raw.map((value) => value / norm);
}

/**
 * The default chat rule. As a classifier (the system prompt lists labels): a label named in
 * the text wins; negative words pick a label containing "neg"; otherwise a label containing
 * "pos", else the first. Otherwise it echoes the last user message.
 */
export function defaultChatReply(messages: readonly FakeChatMessage[]): string {
  const system = messageText(messages.find((message) => message.role === "system")?.content);
  const user = messageText(
    [...messages].reverse().find((message) => message.role === "user")?.content,
  );
  if (system.toLowerCase().includes(CLASSIFIER_MARKER)) {
    const labels = system
      .split("\n")
      .filter((line) => line.startsWith("- "))
      .map((line) => line.slice(2));
    const named = labels.find((label) => user.toLowerCase().includes(label.toLowerCase()));
    if (named !== undefined) return named;
    const negative = labels.find((label) => /neg/i.test(label));
    if (NEGATIVE_WORDS.test(user) && negative !== undefined) return negative;
    return labels.find((label) => /pos/i.test(label)) ?? labels[0] ?? "";
  }
  return `Echo: ${user}`;
}

function sentimentScores(text: string): { label: string; score: number }[] {
  const negative = NEGATIVE_WORDS.test(text) ? 0.9 : 0.2;
  // Alphabetical, not by score, so backends must sort.
  return [
    { label: "NEGATIVE", score: negative },
    { label: "POSITIVE", score: Number((1 - negative).toFixed(6)) },
  ];
}

/** Capitalised words after the first as `PER` entities, with character offsets. */
function fakeEntities(text: string) {
  const entities = [];
  for (const match of text.matchAll(/\b[A-Z][a-z]+\b/g)) {
    if (match.index === 0) continue;
    entities.push({
      entity_group: "PER",
      score: 0.95,
      word: match[0],
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return entities;
}

/**
 * OpenAI's `logprobs.content` for words taken as tokens, as a server gives them when asked:
 * the n-th word of the answer has log probability -0.1 n, and `top` alternatives follow it
 * (the word itself first, then `<alt1>`, `<alt2>`... each 1 lower).
 */
export function fakeLogprobs(words: readonly string[], top: number, offset = 0) {
  return {
    content: words.map((word, index) => {
      const logprob = -0.1 * (offset + index + 1);
      return {
        token: word,
        logprob,
        bytes: [...Buffer.from(word)],
        top_logprobs: Array.from({ length: top }, (_, rank) => ({
          token: rank === 0 ? word : `<alt${rank}>`,
          logprob: logprob - rank,
          bytes: null,
        })),
      };
    }),
  };
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

function openAIError(
  response: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { error: { message, type, param: null, code } }, headers);
}

/** A file field of a recorded multipart body. */
export interface RecordedFile {
  fileName: string;
  type: string;
  bytes: Uint8Array;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const type = request.headers["content-type"] ?? "";
  if (type.startsWith("multipart/form-data")) {
    // Parsed the way a server's framework would, so a malformed upload fails here.
    const form = await new Response(Buffer.concat(chunks), {
      headers: { "content-type": type },
    }).formData();
    const fields: Record<string, string | RecordedFile> = {};
    for (const [name, value] of form) {
      fields[name] =
        typeof value === "string"
          ? value
          : {
              fileName: (value as File).name,
              type: value.type,
              bytes: new Uint8Array(await value.arrayBuffer()),
            };
    }
    return { form: fields };
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startFakeOpenAIServer(
  options: FakeOpenAIServerOptions = {},
): Promise<FakeOpenAIServer> {
  const requests: RecordedModelRequest[] = [];
  const steps: FakeServerStep[] = [];
  const dimensions = options.embeddingDimensions ?? 8;
  const chatReply = options.chatReply ?? defaultChatReply;

  /**
   * `stream: true`: OpenAI's server-sent events, one content chunk per word, then a
   * `finish_reason` chunk, with `stream_options.include_usage` a usage chunk with no choices,
   * and `data: [DONE]`; `breakAfter` cuts the connection after that many content chunks.
   */
  /**
   * A raw completion, as a code model would give it: the words of `complete(prompt, suffix)`
   * (`[fill <prompt>|<suffix>]` without a suffix given: `[continue <prompt>]`), cut at
   * `max_tokens` words (16 by default, as OpenAI's), with the legacy `logprobs` when asked
   * for (`fakeLogprobs`' numbers), whole or streamed as `text_completion` chunks.
   */
  const rawCompletion = (response: ServerResponse, body: Record<string, unknown>) => {
    const prompt = typeof body.prompt === "string" ? body.prompt : JSON.stringify(body.prompt);
    const suffix = typeof body.suffix === "string" ? body.suffix : undefined;
    const whole = suffix === undefined ? `[continue ${prompt}]` : `[fill ${prompt}|${suffix}]`;
    const words = whole.match(/\s*\S+\s*/gu) ?? [];
    const cap = typeof body.max_tokens === "number" ? body.max_tokens : 16;
    const kept = words.slice(0, cap);
    const finish = words.length > cap ? "length" : "stop";
    const top = typeof body.logprobs === "number" ? body.logprobs : undefined;
    const legacy = (pieces: readonly string[], offset: number) => {
      const chat = fakeLogprobs(pieces, top ?? 0, offset).content;
      return {
        tokens: chat.map((entry) => entry.token),
        token_logprobs: chat.map((entry) => entry.logprob),
        top_logprobs: chat.map((entry) =>
          Object.fromEntries(
            entry.top_logprobs.map((alternative) => [alternative.token, alternative.logprob]),
          ),
        ),
        text_offset: [],
      };
    };
    const usage = {
      prompt_tokens: countWords(prompt),
      completion_tokens: kept.length,
      total_tokens: countWords(prompt) + kept.length,
    };
    const base = {
      id: `cmpl-${requests.length}`,
      object: "text_completion",
      created: 1_700_000_000,
      model: body.model,
    };
    if (body.stream === true) {
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      for (const [index, word] of kept.entries()) {
        const choice = {
          text: word,
          index: 0,
          logprobs: top === undefined ? null : legacy([word], index),
          finish_reason: null,
        };
        response.write(`data: ${JSON.stringify({ ...base, choices: [choice] })}\n\n`);
      }
      response.write(
        `data: ${JSON.stringify({ ...base, choices: [{ text: "", index: 0, logprobs: null, finish_reason: finish }] })}\n\n`,
      );
      const include = (body.stream_options as { include_usage?: unknown } | undefined)
        ?.include_usage;
      if (include === true)
        response.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
      response.end("data: [DONE]\n\n");
      return;
    }
    sendJson(response, 200, {
      ...base,
      choices: [
        {
          text: kept.join(""),
          index: 0,
          logprobs: top === undefined ? null : legacy(kept, 0),
          finish_reason: finish,
        },
      ],
      usage,
    });
  };

  const streamChat = async (
    response: ServerResponse,
    model: string,
    answer: {
      content: string;
      finish: string;
      usage: Record<string, number> | undefined;
      toolCall: { id: string; name: string; arguments: string } | undefined;
      promptTokens: number;
      /** `top_logprobs` when the request asked for logprobs. */
      logprobsTop: number | undefined;
    },
    breakAfter: number | undefined,
    streamError: { pieces: number; message: string } | undefined,
    delayMs: number | undefined,
  ) => {
    const content = answer.content;
    let sent = 0;
    let wordsSent = 0;
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({
        id: `chatcmpl-${requests.length}`,
        object: "chat.completion.chunk",
        created: 1_700_000_000,
        model,
        choices: [
          {
            index: 0,
            delta,
            ...(answer.logprobsTop !== undefined &&
              typeof delta.content === "string" &&
              delta.content !== "" && {
                logprobs: fakeLogprobs([delta.content], answer.logprobsTop, wordsSent++),
              }),
            finish_reason: finish,
          },
        ],
        ...(options.continuousUsage &&
          typeof delta.content === "string" &&
          delta.content !== "" && {
            usage: {
              prompt_tokens: answer.promptTokens,
              completion_tokens: ++sent,
              total_tokens: answer.promptTokens + sent,
            },
          }),
      })}\n\n`;
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    response.write(chunk({ role: "assistant", content: "" }, null));
    /** Waits `delayMs`, then writes the chunk; false when the client has left. */
    const paced = async (delta: Record<string, unknown>): Promise<boolean> => {
      if (delayMs) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      if (response.destroyed) {
        streams.abandoned += 1;
        return false;
      }
      response.write(chunk(delta, null));
      return true;
    };
    for (const thought of options.reasoning?.match(/\s*\S+\s*/gu) ?? []) {
      if (!(await paced({ reasoning_content: thought }))) return;
    }
    const pieces = content.match(/\s*\S+\s*/gu) ?? [];
    for (const [index, piece] of pieces.entries()) {
      if (streamError !== undefined && index >= streamError.pieces) {
        response.end(`data: ${JSON.stringify({ error: { message: streamError.message } })}\n\n`);
        return;
      }
      if (breakAfter !== undefined && index >= breakAfter) {
        // Closed once what was written has left, mid-way through the chunked body.
        response.socket?.destroySoon();
        return;
      }
      if (!(await paced({ content: piece }))) return;
    }
    // A tool call as OpenAI streams one: id and name first, then the arguments in two halves.
    const call = answer.toolCall;
    if (call !== undefined) {
      const half = Math.floor(call.arguments.length / 2);
      const pieces = [
        { index: 0, id: call.id, type: "function", function: { name: call.name, arguments: "" } },
        { index: 0, function: { arguments: call.arguments.slice(0, half) } },
        { index: 0, function: { arguments: call.arguments.slice(half) } },
      ];
      for (const piece of pieces) response.write(chunk({ tool_calls: [piece] }, null));
    }
    const usage =
      answer.usage === undefined
        ? ""
        : `data: ${JSON.stringify({ id: `chatcmpl-${requests.length}`, object: "chat.completion.chunk", created: 1_700_000_000, model, choices: [], usage: answer.usage })}\n\n`;
    response.end(`${chunk({}, answer.finish)}${usage}data: [DONE]\n\n`);
    streams.finished += 1;
  };

  let breakAfter: number | undefined;
  let streamError: { pieces: number; message: string } | undefined;
  const streams = { finished: 0, abandoned: 0 };

  const chatCompletion = (response: ServerResponse, body: Record<string, unknown>) => {
    const model = String(body.model ?? "");
    const messages = Array.isArray(body.messages) ? (body.messages as FakeChatMessage[]) : [];
    if (messages.length === 0) {
      openAIError(
        response,
        400,
        "'messages' is a required property",
        "invalid_request_error",
        null,
      );
      return;
    }
    // Tools, as a tool-calling model uses them: with `tools` it calls one (the first, or
    // the one `tool_choice` names) with the last user message as `{"query": ...}`; after a
    // `tool` result it answers "Tool said: <result>".
    const last = messages.at(-1);
    const tools = Array.isArray(body.tools) ? (body.tools as { function: { name: string } }[]) : [];
    const chosen = (body.tool_choice as { function?: { name?: string } } | undefined)?.function
      ?.name;
    const lastUser = [...messages].reverse().find((message) => message.role === "user");
    const toolCall =
      tools.length > 0 && last?.role !== "tool" && body.tool_choice !== "none"
        ? {
            id: `call_${requests.length}`,
            name: chosen ?? (tools[0] as { function: { name: string } }).function.name,
            arguments: JSON.stringify({ query: messageText(lastUser?.content) }),
          }
        : undefined;
    // `max_tokens` is honoured as a real server does: a word is a token here, and an answer
    // cut at the cap ends with finish_reason "length".
    const whole =
      toolCall !== undefined
        ? ""
        : last?.role === "tool"
          ? `Tool said: ${messageText(last.content)}`
          : chatReply(messages, model);
    const words = whole.match(/\s*\S+\s*/gu) ?? [];
    const cap = typeof body.max_tokens === "number" ? body.max_tokens : undefined;
    const cut = cap !== undefined && words.length > cap;
    const content = cut ? words.slice(0, cap).join("") : whole;
    const finish = toolCall !== undefined ? "tool_calls" : cut ? "length" : "stop";
    const promptTokens = messages.reduce(
      (sum, message) => sum + countWords(messageText(message.content)),
      0,
    );
    const completionTokens = countWords(content);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    const logprobsTop =
      body.logprobs === true
        ? typeof body.top_logprobs === "number"
          ? body.top_logprobs
          : 0
        : undefined;
    if (body.stream === true) {
      const streamOptions = body.stream_options as { include_usage?: unknown } | undefined;
      const includeUsage = streamOptions?.include_usage === true && !options.omitUsage;
      const plan = options.streamPlan?.(body) ?? {};
      void streamChat(
        response,
        model,
        {
          content,
          finish,
          usage: includeUsage ? usage : undefined,
          toolCall,
          promptTokens,
          logprobsTop,
        },
        plan.breakAfter ?? breakAfter,
        streamError,
        plan.delayMs ?? options.streamDelayMs,
      );
      return;
    }
    sendJson(response, 200, {
      id: `chatcmpl-${requests.length}`,
      object: "chat.completion",
      created: 1_700_000_000,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: toolCall === undefined ? content : null,
            ...(toolCall !== undefined && {
              tool_calls: [
                {
                  id: toolCall.id,
                  type: "function",
                  function: { name: toolCall.name, arguments: toolCall.arguments },
                },
              ],
            }),
            ...(options.reasoning !== undefined && { reasoning_content: options.reasoning }),
          },
          finish_reason: finish,
          logprobs:
            logprobsTop === undefined
              ? null
              : fakeLogprobs(content.match(/\s*\S+\s*/gu) ?? [], logprobsTop),
        },
      ],
      ...(!options.omitUsage && { usage }),
    });
  };

  const embeddings = (response: ServerResponse, body: Record<string, unknown>) => {
    const input = body.input;
    const texts =
      typeof input === "string" ? [input] : Array.isArray(input) ? input.map(String) : [];
    if (texts.length === 0) {
      openAIError(response, 400, "'input' is a required property", "invalid_request_error", null);
      return;
    }
    // Like text-embedding-3 models, it shortens its vectors to `dimensions` when asked.
    const length = typeof body.dimensions === "number" ? body.dimensions : dimensions;
    const data = texts.map((text, index) => ({
      object: "embedding",
      index,
      embedding: fakeEmbedding(text, length),
    }));
    sendJson(response, 200, {
      object: "list",
      model: body.model,
      data: options.reverseEmbeddings ? data.reverse() : data,
      // One count for the batch, as OpenAI's embeddings usage is: the words of every input.
      ...(!options.omitUsage && {
        usage: {
          prompt_tokens: texts.reduce((sum, text) => sum + countWords(text), 0),
          total_tokens: texts.reduce((sum, text) => sum + countWords(text), 0),
        },
      }),
    });
  };

  const hfInference = (
    response: ServerResponse,
    modelId: string,
    suffix: string | undefined,
    body: Record<string, unknown>,
  ) => {
    if (suffix === "/v1/chat/completions") {
      chatCompletion(response, body);
      return;
    }
    const inputs = body.inputs;
    const task = options.hfTasks?.[modelId] ?? "text-classification";
    if (
      suffix === "/pipeline/feature-extraction" ||
      task === "feature-extraction" ||
      task === "sentence-similarity"
    ) {
      const texts = Array.isArray(inputs) ? inputs.map(String) : [String(inputs)];
      const vectors = texts.map((text) => fakeEmbedding(text, dimensions));
      sendJson(response, 200, Array.isArray(inputs) ? vectors : vectors[0]);
      return;
    }
    if (typeof inputs !== "string") {
      sendJson(response, 400, { error: "inputs must be a string" });
      return;
    }
    const parameters = body.parameters as { candidate_labels?: unknown } | undefined;
    if (Array.isArray(parameters?.candidate_labels)) {
      // Zero-shot: the label named in the text scores highest, then in the given order.
      const labels = parameters.candidate_labels.map(String);
      const named = labels.findIndex((label) => inputs.toLowerCase().includes(label.toLowerCase()));
      const ranked = labels.map((label, index) => ({
        label,
        score: index === named ? 0.8 : 0.2 / labels.length,
      }));
      sendJson(response, 200, ranked);
      return;
    }
    if (task === "token-classification") sendJson(response, 200, fakeEntities(inputs));
    else sendJson(response, 200, [sentimentScores(inputs)]);
  };

  const state = { down: false };
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const body = await readBody(request);
    requests.push({
      method: request.method ?? "GET",
      path: url.pathname,
      headers: request.headers,
      body,
    });

    if (options.requiredApiKey !== undefined) {
      const authorization = request.headers.authorization;
      if (authorization !== `Bearer ${options.requiredApiKey}`) {
        const given = authorization?.replace(/^Bearer\s+/i, "") ?? "";
        // Real servers have echoed the key they refused; we do too, to prove redaction.
        openAIError(
          response,
          401,
          given === ""
            ? "You didn't provide an API key."
            : `Incorrect API key provided: ${given}. You can find your API key in your account settings.`,
          "invalid_request_error",
          "invalid_api_key",
        );
        return;
      }
    }

    if (state.down) {
      openAIError(response, 503, "The server is down", "server_error", null);
      return;
    }
    const step = steps.shift() ?? { kind: "ok" };
    switch (step.kind) {
      case "status":
        openAIError(
          response,
          step.status,
          step.message ?? `Scripted failure ${step.status}`,
          step.status === 429 ? "rate_limit_error" : "server_error",
          null,
          step.retryAfter === undefined ? {} : { "retry-after": step.retryAfter },
        );
        return;
      case "hang":
        return; // never answers; close() destroys the socket
      case "reset":
        request.socket.destroy();
        return;
      case "malformed-json":
        response.writeHead(200, { "content-type": "application/json" });
        response.end('{"choices": [ {"message": ');
        return;
      case "wrong-shape":
        sendJson(response, 200, { result: "not what the API returns" });
        return;
      case "ok":
      case "stream-break":
      case "stream-error":
        break;
    }
    breakAfter = step.kind === "stream-break" ? step.pieces : undefined;
    streamError = step.kind === "stream-error" ? step : undefined;

    const record = (typeof body === "object" && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const model = typeof record.model === "string" ? record.model : undefined;
    const served = options.models;
    const path = url.pathname;

    if (request.method === "GET" && path === "/v1/models") {
      sendJson(response, 200, {
        object: "list",
        data: (served ?? []).map((id) => ({ id, object: "model", created: 0, owned_by: "fake" })),
      });
      return;
    }
    if (request.method === "POST" && path === "/v1/audio/transcriptions") {
      // A speech server that says what it received instead of what was said.
      const form = (body as { form?: Record<string, string | RecordedFile> } | undefined)?.form;
      const file = form?.file;
      if (file === undefined || typeof file === "string") {
        openAIError(response, 400, "file is required", "invalid_request_error", "file");
        return;
      }
      const language = typeof form?.language === "string" ? `, language ${form.language}` : "";
      sendJson(response, 200, {
        text: `heard ${file.fileName} (${file.type}, ${file.bytes.length} bytes${language})`,
      });
      return;
    }
    if (
      request.method === "POST" &&
      (path === "/v1/chat/completions" || path === "/v1/embeddings")
    ) {
      if (served !== undefined && (model === undefined || !served.includes(model))) {
        openAIError(
          response,
          404,
          `The model \`${model}\` does not exist or you do not have access to it.`,
          "invalid_request_error",
          "model_not_found",
        );
        return;
      }
      if (path === "/v1/chat/completions") chatCompletion(response, record);
      else embeddings(response, record);
      return;
    }
    if (request.method === "POST" && path === "/v1/completions") {
      rawCompletion(response, record);
      return;
    }
    const mapping = /^\/api\/models\/(.+)$/.exec(path);
    if (request.method === "GET" && mapping?.[1] !== undefined) {
      const id = decodeURIComponent(mapping[1]);
      const task = options.hfTasks?.[id] ?? "text-classification";
      sendJson(response, 200, {
        _id: "0",
        id,
        inferenceProviderMapping: {
          "hf-inference": {
            providerId: id,
            status: "live",
            task: task === "text-generation" ? "conversational" : task,
          },
        },
      });
      return;
    }
    const inference =
      /^\/(?:hf-inference\/models|endpoint)\/(.+?)(\/pipeline\/feature-extraction|\/v1\/chat\/completions)?$/.exec(
        path,
      );
    if (request.method === "POST" && inference?.[1] !== undefined) {
      hfInference(response, decodeURIComponent(inference[1]), inference[2], record);
      return;
    }
    sendJson(response, 404, { error: `No route for ${request.method} ${path}` });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    streams,
    script: (...next) => {
      steps.push(...next);
    },
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
