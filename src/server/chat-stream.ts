/**
 * @module
 * `stream: true` answers as OpenAI's server-sent events: a first chunk with the assistant
 * role (and the `modelscout` decision), content chunks, a last chunk with `finish_reason`,
 * then `data: [DONE]`. Backends answer whole (the `ModelBackend` spec has no token stream
 * yet), so the router streams the finished answer in word-sized chunks. That keeps every
 * OpenAI client's streaming path working and lets fallback happen before the first byte:
 * a failed model never leaves a half-written stream.
 */

export interface ChatStreamOptions {
  id: string;
  created: number;
  model: string;
  text: string;
  /** Extra fields for the first chunk (the decision). */
  firstChunkExtra: Record<string, unknown>;
}

function event(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** Word-sized pieces whose concatenation is exactly `text`. */
export function streamPieces(text: string): string[] {
  return text.match(/\s*\S+\s*/gu) ?? (text === "" ? [] : [text]);
}

export function chatStreamBody(options: ChatStreamOptions): string {
  const base = {
    id: options.id,
    object: "chat.completion.chunk",
    created: options.created,
    model: options.model,
  };
  let body = event({
    ...base,
    choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
    ...options.firstChunkExtra,
  });
  for (const piece of streamPieces(options.text)) {
    body += event({
      ...base,
      choices: [{ index: 0, delta: { content: piece }, finish_reason: null }],
    });
  }
  body += event({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
  return `${body}data: [DONE]\n\n`;
}
