/**
 * @module
 * Monitor events waiting for the next fold into the alert engine (`server-monitoring.ts`),
 * kept so that nothing of a request outlives its turn of the event loop.
 *
 * Events are folded in batches (every 100 ms by default, one transaction each), so queued as
 * objects the request events of up to 100 ms of traffic were alive at every young-generation
 * collection, and each collection copied them and promoted some: at 5,000 requests/s,
 * scavenges of a server with monitoring kept 87-88 kB alive against 27-29 kB without it, and
 * paused 0.9 ms at the median against 0.5 (`bench/router-gc.ts --targets
 * router,router-monitoring`, 2026-12-01). So a request event is queued as numbers in typed
 * arrays, its route, model and error code as indexes into a table of those texts (names from
 * the routes config and a fixed set of codes), and is made into an object again only when its
 * batch is folded. Its request id is not kept: no alert condition reads it. Other events
 * (feedback, a few a second) are kept as they are, in their place in the order.
 */
import type { MonitorEvent } from "../../monitor/monitor-event.js";
import { ISO_LENGTH, isoFormatter, isoTimeParser } from "../../text/iso-time.js";

type RequestEvent = Extract<MonitorEvent, { kind: "request" }>;

const FIRST_CAPACITY = 256;
/** Past this many distinct texts, a request event is kept as an object (a safeguard only). */
const MAX_TEXTS = 10_000;
const NONE = -1;

export class PendingEvents {
  #atMs = new Float64Array(FIRST_CAPACITY);
  #latencyMs = new Float64Array(FIRST_CAPACITY);
  #status = new Int32Array(FIRST_CAPACITY);
  #route = new Int32Array(FIRST_CAPACITY);
  #model = new Int32Array(FIRST_CAPACITY);
  #error = new Int32Array(FIRST_CAPACITY);
  /** NaN for none. */
  #costUsd = new Float64Array(FIRST_CAPACITY);
  /** NaN for none. */
  #classificationCostUsd = new Float64Array(FIRST_CAPACITY);
  #requests = 0;
  /** Other events, each with the number of request events queued before it. */
  #others: { event: MonitorEvent; before: number }[] = [];
  #texts: string[] = [];
  #textIndex = new Map<string, number>();
  /** `Date.parse(at)`, each second parsed once (events come in time order). */
  readonly #timeOf = isoTimeParser();
  /** `new Date(ms).toISOString()`, each second formatted once (events come in time order). */
  readonly #iso = isoFormatter();

  /** Events queued. */
  get length(): number {
    return this.#requests + this.#others.length;
  }

  push(event: MonitorEvent): void {
    if (event.kind !== "request" || !this.#pushRequest(event)) {
      this.#others.push({ event, before: this.#requests });
    }
  }

  /** The queued events in the order they were pushed, and an empty queue. */
  take(): MonitorEvent[] {
    const events: MonitorEvent[] = [];
    let other = 0;
    for (let index = 0; index < this.#requests; index += 1) {
      while (other < this.#others.length && (this.#others[other]?.before ?? 0) <= index) {
        events.push((this.#others[other] as { event: MonitorEvent }).event);
        other += 1;
      }
      events.push(this.#requestAt(index));
    }
    for (; other < this.#others.length; other += 1) {
      events.push((this.#others[other] as { event: MonitorEvent }).event);
    }
    this.#requests = 0;
    this.#others = [];
    return events;
  }

  /** False when the event must stay an object: a time in another layout, or too many texts. */
  #pushRequest(event: RequestEvent): boolean {
    const { at } = event;
    if (
      at.length !== ISO_LENGTH ||
      at.charCodeAt(10) !== 0x54 /* T */ ||
      at.charCodeAt(19) !== 0x2e /* . */ ||
      at.charCodeAt(ISO_LENGTH - 1) !== 0x5a /* Z */ ||
      at.startsWith("24", 11) // ISO 8601's end-of-day midnight parses, as the next day's 00:00
    ) {
      return false;
    }
    const atMs = this.#timeOf(at);
    if (Number.isNaN(atMs)) return false;
    const route = this.#indexOf(event.route);
    const model = this.#indexOf(event.modelId);
    const error = event.error === undefined ? NONE : this.#indexOf(event.error);
    if (route === NONE || model === NONE || (event.error !== undefined && error === NONE)) {
      return false;
    }
    const index = this.#requests;
    if (index === this.#atMs.length) this.#grow();
    this.#atMs[index] = atMs;
    this.#latencyMs[index] = event.latencyMs;
    this.#status[index] = event.status ?? NONE;
    this.#route[index] = route;
    this.#model[index] = model;
    this.#error[index] = error;
    this.#costUsd[index] = event.costUsd ?? Number.NaN;
    this.#classificationCostUsd[index] = event.classificationCostUsd ?? Number.NaN;
    this.#requests = index + 1;
    return true;
  }

  #requestAt(index: number): RequestEvent {
    const status = this.#status[index] as number;
    const error = this.#error[index] as number;
    const costUsd = this.#costUsd[index] as number;
    const classificationCostUsd = this.#classificationCostUsd[index] as number;
    return {
      kind: "request",
      at: this.#iso(this.#atMs[index] as number),
      route: this.#texts[this.#route[index] as number] as string,
      modelId: this.#texts[this.#model[index] as number] as string,
      latencyMs: this.#latencyMs[index] as number,
      ...(status !== NONE && { status }),
      ...(error !== NONE && { error: this.#texts[error] as string }),
      ...(!Number.isNaN(costUsd) && { costUsd }),
      ...(!Number.isNaN(classificationCostUsd) && { classificationCostUsd }),
    };
  }

  #indexOf(text: string): number {
    const known = this.#textIndex.get(text);
    if (known !== undefined) return known;
    if (this.#texts.length >= MAX_TEXTS) return NONE;
    this.#texts.push(text);
    this.#textIndex.set(text, this.#texts.length - 1);
    return this.#texts.length - 1;
  }

  #grow(): void {
    const capacity = this.#atMs.length * 2;
    const grown = <T extends Float64Array | Int32Array>(array: T, make: new (n: number) => T) => {
      const next = new make(capacity);
      next.set(array);
      return next;
    };
    this.#atMs = grown(this.#atMs, Float64Array);
    this.#latencyMs = grown(this.#latencyMs, Float64Array);
    this.#status = grown(this.#status, Int32Array);
    this.#route = grown(this.#route, Int32Array);
    this.#model = grown(this.#model, Int32Array);
    this.#error = grown(this.#error, Int32Array);
    this.#costUsd = grown(this.#costUsd, Float64Array);
    this.#classificationCostUsd = grown(this.#classificationCostUsd, Float64Array);
  }
}
