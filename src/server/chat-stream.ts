/**
 * @module
 * `stream: true` answers as OpenAI's server-sent events: a first chunk with the assistant
 * role (and the `modelscout` decision), content chunks, a last chunk with `finish_reason`,
 * then `data: [DONE]`. A model whose backend streams (`ModelBackend.doStream`: the
 * OpenAI-compatible servers) is relayed piece by piece as it writes (`liveChatStream`);
 * the others answer whole, and the finished answer is sent in word-sized chunks
 * (`chatStreamBody`), which keeps every OpenAI client's streaming path working.
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

/** How a live stream ended, for the request log. */
export interface ChatStreamEnd {
  /** What was sent of the answer. */
  text: string;
  /** Set when the model's stream failed after its first piece. */
  error?: unknown;
  /** The client went away before the end. */
  clientClosed?: boolean;
}

export interface LiveChatStreamOptions extends Omit<ChatStreamOptions, "text"> {
  /** The model's pieces, as the router's streamed result carries them. */
  pieces: AsyncIterable<string>;
  /** The error event sent when the model's stream fails midway (OpenAI's error object). */
  describeError: (error: unknown) => { message: string; type: string; code: string };
  /** Called once, when the stream is over. */
  ended: (end: ChatStreamEnd) => void;
  /** The client's cancellation: a failure after it is the client leaving, not the model. */
  clientSignal?: { readonly aborted: boolean };
}

/**
 * The same events as `chatStreamBody`, sent as the model writes its answer. A failure
 * after the first piece cannot fall back any more: it ends the stream with an
 * `data: {"error": ...}` event (what OpenAI's SDKs raise as an API error), without
 * `[DONE]`. A client that goes away stops the model's stream.
 */
export function liveChatStream(options: LiveChatStreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const base = {
    id: options.id,
    object: "chat.completion.chunk",
    created: options.created,
    model: options.model,
  };
  const iterator = options.pieces[Symbol.asyncIterator]();
  let text = "";
  let over = false;
  const end = (how: Omit<ChatStreamEnd, "text">) => {
    if (over) return;
    over = true;
    options.ended({ text, ...how });
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(
        encoder.encode(
          event({
            ...base,
            choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
            ...options.firstChunkExtra,
          }),
        ),
      );
    },
    async pull(controller) {
      let next: IteratorResult<string>;
      try {
        next = await iterator.next();
      } catch (error) {
        if (over) return; // the client left meanwhile
        if (options.clientSignal?.aborted === true) {
          end({ clientClosed: true });
          controller.error(error);
          return;
        }
        controller.enqueue(encoder.encode(event({ error: options.describeError(error) })));
        controller.close();
        end({ error });
        return;
      }
      if (over) return;
      if (next.done) {
        controller.enqueue(
          encoder.encode(
            `${event({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}data: [DONE]\n\n`,
          ),
        );
        controller.close();
        end({});
        return;
      }
      text += next.value;
      controller.enqueue(
        encoder.encode(
          event({
            ...base,
            choices: [{ index: 0, delta: { content: next.value }, finish_reason: null }],
          }),
        ),
      );
    },
    async cancel() {
      end({ clientClosed: true });
      await iterator.return?.();
    },
  });
}
