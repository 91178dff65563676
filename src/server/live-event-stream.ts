/**
 * @module
 * A model's streamed answer relayed as server-sent events as it is written, for the
 * endpoints whose events are one `data:` line per chunk (chat completions, legacy
 * completions). What the events look like is the endpoint's (`StreamFrames`); what happens
 * around them is shared: a failure after the first piece cannot fall back any more, so it
 * ends the stream with a `data: {"error": ...}` event (what OpenAI's SDKs raise as an API
 * error), without `[DONE]`; a client that goes away stops the model's stream; and the end,
 * however it came, is reported once, for the request log. Several choices (`n`, or several
 * prompts) are relayed interleaved the same way (`liveChoicesEventStream`, each choice's
 * events as `ChoiceFrames`).
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

/** One choice's events in a stream of several (`n` choices, or several prompts). */
export interface ChoiceFrames {
  /** The choice's first event (its role), sent at once; choice 0's carries the decision. */
  opening(): string;
  /** The events for one of the choice's pieces; the frames keep what the log needs of it. */
  piece(piece: AnswerPiece): string;
  /** The choice's last event, with its finish reason. */
  finish(end: StreamEnd | undefined): string;
  /** What the request log keeps of the choice's answer sent so far. */
  logged(): string;
}

export interface LiveChoicesEventStreamOptions
  extends Omit<LiveEventStreamOptions, "frames" | "pieces"> {
  /** Each choice's events, in `index` order. */
  choices: readonly ChoiceFrames[];
  /** Each choice's pieces (`RouteResult.choiceStreams`), in the same order. */
  pieces: readonly AsyncIterable<TextStreamPart>[];
  /** The events after every choice has finished: the usage chunk if asked for, `[DONE]`. */
  closing(usage: AnswerUsage | undefined): string;
  /** The tokens of all the choices, from each one's closing item (undefined if one lacks it). */
  sumUsage(ends: readonly (StreamEnd | undefined)[]): AnswerUsage | undefined;
}

/** What reading one choice's stream gave: its next piece, or its failure. */
type ChoiceRead =
  | { index: number; next: IteratorResult<AnswerPiece>; error?: undefined }
  | { index: number; error: { cause: unknown } };

/**
 * Several choices' events sent as their models write them, interleaved as their pieces
 * arrive (`liveEventStream` for one): every choice's opening first, then each piece with its
 * choice's index, each choice's finish when its stream ends, and the closing events once all
 * have. A choice failing midway ends the whole stream with the error event, as OpenAI does,
 * and gives up the other choices' streams; a client that goes away gives up all of them. The
 * request log gets choice 0's answer (as for `n` choices answered whole) and every choice's
 * tokens.
 */
export function liveChoicesEventStream(
  options: LiveChoicesEventStreamOptions,
): ReadableStream<Uint8Array> {
  const { choices } = options;
  const encoder = new TextEncoder();
  const iterators = options.pieces.map((pieces) => pieces[Symbol.asyncIterator]());
  const ends: (StreamEnd | undefined)[] = iterators.map(() => undefined);
  /** The read in progress of each choice still streaming, by index. */
  const reading = new Map<number, Promise<ChoiceRead>>();
  const read = (index: number) => {
    const iterator = iterators[index] as AsyncIterator<TextStreamPart>;
    // To the back of the race: a choice whose pieces come fast does not starve the others.
    reading.delete(index);
    reading.set(
      index,
      nextPiece(iterator, (value) => {
        ends[index] = value;
      }).then(
        (next): ChoiceRead => ({ index, next }),
        (cause: unknown): ChoiceRead => ({ index, error: { cause } }),
      ),
    );
  };
  let over = false;
  const end = (how: Omit<ChatStreamEnd, "text">) => {
    if (over) return;
    over = true;
    options.ended({ text: choices[0]?.logged() ?? "", ...how });
  };
  /** Gives up the streams still open; their reads in progress then fail, unread. */
  const giveUp = async () => {
    const open = [...reading.keys()];
    reading.clear();
    await Promise.all(
      open.map((index) => iterators[index]?.return?.().catch(() => undefined) ?? undefined),
    );
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let opening = "";
      for (const choice of choices) opening += choice.opening();
      controller.enqueue(encoder.encode(opening));
      for (const index of iterators.keys()) read(index);
    },
    async pull(controller) {
      // A piece with nothing to send on this endpoint is read past: a `pull` that enqueues
      // nothing is not called again.
      for (;;) {
        if (reading.size === 0) {
          const usage = options.sumUsage(ends);
          controller.enqueue(encoder.encode(options.closing(usage)));
          controller.close();
          end(usage === undefined ? {} : { usage });
          return;
        }
        const result = await Promise.race(reading.values());
        if (over) return; // the client left meanwhile
        const choice = choices[result.index] as ChoiceFrames;
        if (result.error !== undefined) {
          reading.delete(result.index);
          const error = result.error.cause;
          if (options.clientSignal?.aborted === true) {
            end({ clientClosed: true });
            controller.error(error);
          } else {
            controller.enqueue(encoder.encode(event({ error: options.describeError(error) })));
            controller.close();
            end({ error });
          }
          await giveUp();
          return;
        }
        if (result.next.done === true) {
          reading.delete(result.index);
          controller.enqueue(encoder.encode(choice.finish(ends[result.index])));
          return;
        }
        read(result.index);
        const events = choice.piece(result.next.value);
        if (events !== "") {
          controller.enqueue(encoder.encode(events));
          return;
        }
      }
    },
    async cancel() {
      end({ clientClosed: true });
      await giveUp();
    },
  });
}
