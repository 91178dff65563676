/**
 * @module
 * A model's streamed answer relayed as server-sent events as it is written, for the
 * endpoints whose events are one `data:` line per chunk (chat completions, legacy
 * completions). What the events look like is the endpoint's (`StreamFrames`); what happens
 * around them is shared: a failure after the first piece cannot fall back any more, so it
 * ends the stream with a `data: {"error": ...}` event (what OpenAI's SDKs raise as an API
 * error), without `[DONE]`; a client that goes away stops the model's stream; and the end,
 * however it came, is reported once, for the request log.
 */
import type { AnswerUsage, StreamEnd, TextStreamPart } from "../backends/model-backend.js";

/** How a live stream ended, for the request log. */
export interface ChatStreamEnd {
  /** What was sent of the answer (`loggedAnswer`: with the tools it called). */
  text: string;
  /** Set when the model's stream failed after its first piece. */
  error?: unknown;
  /** The client went away before the end. */
  clientClosed?: boolean;
  /** The tokens the model's closing item reported, for the request log's cost. */
  usage?: AnswerUsage;
}

/** A piece of the answer other than its closing item. */
export type AnswerPiece = Exclude<TextStreamPart, StreamEnd>;

/** One endpoint's events; each method returns the events' text (`""` for none). */
export interface StreamFrames {
  /** Sent at once, before the model's first piece (it carries the decision). */
  opening(): string;
  /** The events for one piece; the frames keep what the log needs of it. */
  piece(piece: AnswerPiece): string;
  /** The last events: the finish reason, the usage if asked for, `[DONE]`. */
  closing(end: StreamEnd | undefined): string;
  /** What the request log keeps of the answer sent so far. */
  logged(): string;
}

export interface LiveEventStreamOptions {
  frames: StreamFrames;
  /** The model's pieces, as the router's streamed result carries them. */
  pieces: AsyncIterable<TextStreamPart>;
  /** The error event sent when the model's stream fails midway (OpenAI's error object). */
  describeError: (error: unknown) => { message: string; type: string; code: string };
  /** Called once, when the stream is over. */
  ended: (end: ChatStreamEnd) => void;
  /** The client's cancellation: a failure after it is the client leaving, not the model. */
  clientSignal?: { readonly aborted: boolean };
}

/** One server-sent event holding `payload` as JSON. */
export function event(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

function isStreamEnd(part: TextStreamPart): part is StreamEnd {
  return (
    typeof part !== "string" &&
    !("reasoning" in part) &&
    !("toolCall" in part) &&
    !("logprobs" in part)
  );
}

/**
 * The model's next piece of text, reasoning or a tool call. Its closing `StreamEnd` is given
 * to `onEnd` and reading goes on to the end of the stream.
 */
export async function nextPiece(
  iterator: AsyncIterator<TextStreamPart>,
  onEnd: (end: StreamEnd) => void,
): Promise<IteratorResult<AnswerPiece>> {
  let next = await iterator.next();
  while (next.done !== true && isStreamEnd(next.value)) {
    onEnd(next.value);
    next = await iterator.next();
  }
  return next as IteratorResult<AnswerPiece>;
}

/** The events of `options.frames`, sent as the model writes its answer. */
export function liveEventStream(options: LiveEventStreamOptions): ReadableStream<Uint8Array> {
  const { frames } = options;
  const encoder = new TextEncoder();
  const iterator = options.pieces[Symbol.asyncIterator]();
  let streamEnd: StreamEnd | undefined;
  let over = false;
  const end = (how: Omit<ChatStreamEnd, "text">) => {
    if (over) return;
    over = true;
    options.ended({ text: frames.logged(), ...how });
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(frames.opening()));
    },
    async pull(controller) {
      // Pieces with nothing to send on this endpoint (reasoning, on legacy completions) are
      // read past here: a `pull` that enqueues nothing is not called again.
      for (;;) {
        let next: IteratorResult<AnswerPiece>;
        try {
          // The model's closing item is kept for the last events.
          next = await nextPiece(iterator, (value) => {
            streamEnd = value;
          });
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
          controller.enqueue(encoder.encode(frames.closing(streamEnd)));
          controller.close();
          end(streamEnd?.usage === undefined ? {} : { usage: streamEnd.usage });
          return;
        }
        const events = frames.piece(next.value);
        if (events !== "") {
          controller.enqueue(encoder.encode(events));
          return;
        }
      }
    },
    async cancel() {
      end({ clientClosed: true });
      await iterator.return?.();
    },
  });
}
