/**
 * @module
 * Following the selections a routes config names (`modelscout serve --follow-decisions`,
 * ADR 0048). A `decision:latest` reference (`decision-references.ts`) is resolved when the
 * server starts or reloads; a selection run later (`modelscout select`, say nightly) does not
 * switch the running server. The follower checks the decision store every `intervalMs`: when
 * a `decision:latest...` reference now resolves to another decision whose winner is another
 * model, it hands the newly resolved config to `reload`, which serves it as SIGHUP would
 * (`RoutingServer.reload`: models declared the same way are kept, requests in flight finish
 * on the old router).
 *
 * It follows the config as last read (`source`), not the file: an edit to the file still
 * waits for SIGHUP, which tells the follower what it then serves (`follow`). `decision:<id>`
 * references are pinned and never move. Each new resolution is acted on once: a reload that
 * is refused (the new winner cannot be served) is reported and not retried until another
 * decision moves a reference, or SIGHUP; a reload that finds another one running (`busy`)
 * is tried again at the next check. A new decision whose winners are the models already
 * served, declared the same way, changes nothing but what is reported; one that keeps a
 * served winner's id but declares it otherwise (another `base_url`) reloads. A check that cannot resolve (the decision a
 * pinned reference names was deleted) is reported once per distinct message, and the
 * server goes on as it is.
 */

import { errorMessage } from "../errors/error-message.js";
import {
  type DecisionLookup,
  type ResolvedReference,
  resolveDecisionReferences,
} from "./decision-references.js";
import type { RoutesConfig } from "./routes-config.js";

/** `decision:latest`, `decision:latest:<task>`: the references a new selection can move. */
export function isLatestReference(reference: string): boolean {
  return reference === "decision:latest" || reference.startsWith("decision:latest:");
}

/** A reference that resolves to another decision than before. */
export interface MovedReference {
  field: string;
  reference: string;
  from: { decisionId: string; model: string };
  to: { decisionId: string; model: string };
}

/** What one check found and did. */
export type FollowOutcome =
  /** Every reference resolves as before. */
  | { kind: "unchanged" }
  /** Newer decisions, but their winners are the models served: nothing to reload. */
  | { kind: "same-models"; moved: MovedReference[] }
  /** The config with the new winners is served. */
  | { kind: "reloaded"; moved: MovedReference[] }
  /** Another reload was running; this one is tried again at the next check. */
  | { kind: "busy"; moved: MovedReference[] }
  /** The reload was refused; the server goes on with what it served. Not retried. */
  | { kind: "refused"; moved: MovedReference[]; error: unknown }
  /** The references could not be resolved now (the server goes on as it is). */
  | { kind: "unresolved"; error: unknown };

export interface DecisionFollowerOptions {
  /** The routes config as read, with its `decision:` references unresolved. */
  source: RoutesConfig;
  /** What those references resolved to in the config served now. */
  resolved: readonly ResolvedReference[];
  /** The decision store (read at each check). */
  decisions: DecisionLookup;
  /**
   * Serves `config` (the source with the new winners); `busy` when another reload is running.
   * Rejects when the config cannot be served, and the previous one goes on.
   */
  reload: (config: RoutesConfig, moved: MovedReference[]) => Promise<"applied" | "busy">;
  /** Told of each check that found something (not `unchanged`); an `unresolved` once per message. */
  report?: (outcome: FollowOutcome) => void;
  /** Between the end of one check and the start of the next. */
  intervalMs: number;
}

/** Checks the decision store on a timer and reloads when a `decision:latest` reference moves. */
export class DecisionFollower {
  readonly #options: DecisionFollowerOptions;
  #source: RoutesConfig;
  /** The references of the config served now. */
  #served: readonly ResolvedReference[];
  /** The last resolution acted on (served, or refused): a move is measured from it. */
  #seen: readonly ResolvedReference[];
  #lastProblem: string | null = null;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<FollowOutcome> | undefined;
  #stopped = true;

  constructor(options: DecisionFollowerOptions) {
    if (!(options.intervalMs > 0)) {
      throw new RangeError(`intervalMs must be a positive number, not ${options.intervalMs}`);
    }
    this.#options = options;
    this.#source = options.source;
    this.#served = options.resolved;
    this.#seen = options.resolved;
  }

  /** The `decision:latest` references followed (none: there is nothing to follow). */
  get followed(): ResolvedReference[] {
    return this.#served.filter((entry) => isLatestReference(entry.reference));
  }

  /** After a reload the follower did not make (SIGHUP): follows that config from now on. */
  follow(source: RoutesConfig, resolved: readonly ResolvedReference[]): void {
    this.#source = source;
    this.#served = resolved;
    this.#seen = resolved;
    this.#lastProblem = null;
  }

  /** Checks every `intervalMs` until `stop()`; the first check comes after one interval. */
  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /** Stops the timer and waits for a check in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#checking?.catch(() => {});
  }

  /** One check now (checks never overlap: a second call waits for the first one's outcome). */
  check(): Promise<FollowOutcome> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.check().finally(() => this.#schedule());
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async #check(): Promise<FollowOutcome> {
    const outcome = await this.#decide();
    const report = this.#options.report;
    if (report === undefined || outcome.kind === "unchanged") return outcome;
    if (outcome.kind === "unresolved") {
      const message = errorMessage(outcome.error);
      if (message === this.#lastProblem) return outcome;
      this.#lastProblem = message;
    }
    try {
      report(outcome);
    } catch {
      // A report that fails must not stop the following.
    }
    return outcome;
  }

  async #decide(): Promise<FollowOutcome> {
    let next: { config: RoutesConfig; resolved: ResolvedReference[] };
    try {
      next = resolveDecisionReferences(this.#source, this.#options.decisions);
    } catch (error) {
      return { kind: "unresolved", error };
    }
    this.#lastProblem = null;
    const moved = movedReferences(this.#seen, next.resolved);
    if (moved.length === 0) return { kind: "unchanged" };
    if (sameModels(this.#served, next.resolved)) {
      this.#seen = next.resolved;
      this.#served = next.resolved;
      return { kind: "same-models", moved };
    }
    const source = this.#source;
    let result: "applied" | "busy";
    try {
      result = await this.#options.reload(next.config, moved);
    } catch (error) {
      if (this.#source === source) this.#seen = next.resolved;
      return { kind: "refused", moved, error };
    }
    if (result === "busy") return { kind: "busy", moved };
    // A SIGHUP while this reload ran (`follow`) decides what is served, not this one.
    if (this.#source === source) {
      this.#served = next.resolved;
      this.#seen = next.resolved;
    }
    return { kind: "reloaded", moved };
  }
}

/** The references whose decision differs between two resolutions of the same config. */
export function movedReferences(
  before: readonly ResolvedReference[],
  after: readonly ResolvedReference[],
): MovedReference[] {
  const previous = new Map(before.map((entry) => [entry.field, entry]));
  const moved: MovedReference[] = [];
  for (const entry of after) {
    const was = previous.get(entry.field);
    if (was === undefined || was.decisionId === entry.decisionId) continue;
    moved.push({
      field: entry.field,
      reference: entry.reference,
      from: { decisionId: was.decisionId, model: was.model },
      to: { decisionId: entry.decisionId, model: entry.model },
    });
  }
  return moved;
}

/**
 * Whether two resolutions serve the same models the same way: the same ids, and for a winner
 * its decision declared behind a server, the same declaration (a newer decision may keep the
 * id and move its `base_url`, or change its price).
 */
function sameModels(
  before: readonly ResolvedReference[],
  after: readonly ResolvedReference[],
): boolean {
  const served = (entry: ResolvedReference) =>
    JSON.stringify([entry.model, entry.declaration ?? null]);
  const previous = new Map(before.map((entry) => [entry.field, served(entry)]));
  return after.every((entry) => previous.get(entry.field) === served(entry));
}

/** `field: reference -> model (decision id), was model (decision id)`, one per moved reference. */
export function describeMoves(moved: readonly MovedReference[]): string {
  return moved
    .map(
      (entry) =>
        `${entry.field}: ${entry.reference} -> ${entry.to.model} (decision ${entry.to.decisionId}), was ${entry.from.model} (decision ${entry.from.decisionId})`,
    )
    .join("; ");
}
