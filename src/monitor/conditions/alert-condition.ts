/**
 * @module
 * The spec every alert condition implements: fold an event into per-key state, and say whether
 * it holds for a route and model, with the numbers behind the answer. State is plain JSON kept
 * in a `ConditionState` that remembers which keys changed, so the engine persists only those.
 */
import { isoTimeParser } from "../../text/iso-time.js";
import type { AlertSubject, MonitorEvent } from "../monitor-event.js";

export interface ConditionEvaluation {
  holds: boolean;
  /** One sentence with the numbers: "accuracy 0.78 is 13.3% below the streak start 0.90 (> 10%)". */
  summary: string;
  /** The numbers that decided, for the review item and the webhook. */
  evidence: Record<string, unknown>;
}

export interface ConditionRuntime {
  readonly type: string;
  /**
   * The kinds of event `update` reads; it leaves its state alone and touches nothing for the
   * others. The server queues no event that no rule's condition reads (`AlertEngine.reads`).
   */
  readonly reads: readonly MonitorEvent["kind"][];
  /**
   * Folds `event` in; calls `touch` for each subject whose status may have changed. `eventMs`
   * is `eventTimeMs(event.at)`, which the engine reads once for all its conditions.
   */
  update(event: MonitorEvent, touch: (subject: AlertSubject) => void, eventMs: number): void;
  evaluate(subject: AlertSubject): ConditionEvaluation;
  readonly state: ConditionState<unknown>;
}

/** How a condition's state is stored, when plain `JSON.stringify` of it would be slow. */
export interface StateCodec<S> {
  encode(state: S): unknown;
  /** `parts`: the entry's stored parts by name (`takeParts`), when it has any. */
  decode(stored: unknown, parts: ReadonlyMap<string, unknown>): S;
  /**
   * For an entry kept in parts, each a row of its own beside it (a window's blocks), so that
   * a change writes the parts it touched rather than the whole entry: the parts changed since
   * the last call (or since decoded), by name, in their stored form, or `undefined` for one
   * to delete.
   */
  takeParts?(state: S): [string, unknown][];
}

/** Marks a part's row key: `PART`, the part's name, `PART`, the entry's key. */
const PART = "\u0001";

/**
 * Per-key state with a dirty set, so only changed keys are written back. Stored as JSON, via
 * the condition's codec when it has one.
 */
export class ConditionState<S> {
  private readonly entries = new Map<string, S>();
  private readonly dirtyKeys = new Set<string>();

  constructor(private readonly codec?: StateCodec<S>) {}

  get(key: string): S | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: S): void {
    this.entries.set(key, value);
    this.dirtyKeys.add(key);
  }

  /** Loads persisted rows (as `takeDirty` gave them: entries and their parts), none dirty. */
  load(rows: Iterable<readonly [string, unknown]>): void {
    const parts = new Map<string, Map<string, unknown>>();
    const stored: [string, unknown][] = [];
    for (const [rowKey, value] of rows) {
      if (!rowKey.startsWith(PART)) {
        stored.push([rowKey, value]);
        continue;
      }
      const end = rowKey.indexOf(PART, 1);
      const key = rowKey.slice(end + 1);
      const entryParts = parts.get(key) ?? new Map<string, unknown>();
      entryParts.set(rowKey.slice(1, end), value);
      parts.set(key, entryParts);
    }
    for (const [key, value] of stored) {
      const decoded =
        this.codec === undefined
          ? (value as S)
          : this.codec.decode(value, parts.get(key) ?? NO_PARTS);
      this.entries.set(key, decoded);
    }
  }

  /**
   * Rows changed since the last call, in their stored form (`undefined`: a part to delete),
   * and forgets that they changed.
   */
  takeDirty(): [string, unknown][] {
    const changed: [string, unknown][] = [];
    for (const key of this.dirtyKeys) {
      const value = this.entries.get(key) as S;
      if (this.codec === undefined) {
        changed.push([key, value]);
        continue;
      }
      changed.push([key, this.codec.encode(value)]);
      if (this.codec.takeParts === undefined) continue;
      for (const [name, part] of this.codec.takeParts(value)) {
        changed.push([`${PART}${name}${PART}${key}`, part]);
      }
    }
    this.dirtyKeys.clear();
    return changed;
  }

  get size(): number {
    return this.entries.size;
  }
}

const NO_PARTS: ReadonlyMap<string, unknown> = new Map();

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Rounds for evidence and summaries, so stored numbers read cleanly. */
export function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Events' times, each second parsed once: every request's event is read (`isoTimeParser`). */
const parseEventTime = isoTimeParser();

/** An event's time in ms since 1970; 0 for a time that does not parse. */
export function eventTimeMs(at: string): number {
  const time = parseEventTime(at);
  return Number.isNaN(time) ? 0 : time;
}
