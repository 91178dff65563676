/**
 * @module
 * The events monitoring reads, as plain data: selection decisions (which model won, and every
 * candidate's measured quality), routed requests (route, model, latency, status) and feedback
 * (route, model, reward). The server and the selection pipeline produce them; the alert engine
 * folds them in order. Times are the events' own (`at`), never the wall clock, so a stream can
 * be replayed and gives the same alerts.
 */
import type { SelectionDecision } from "../select/decision.js";

export interface DecisionEvent {
  kind: "decision";
  /** ISO time the decision finished. */
  at: string;
  decisionId: string;
  /** The route the selection was made for; selections outside any route use `task:<task>`. */
  route: string;
  task: string;
  /** Null when the selection picked nothing (failed, aborted, no candidates). */
  winnerId: string | null;
  /** Every candidate with its measured quality on the spec's metric, 0..1 (null: not measured). */
  candidates: { modelId: string; quality: number | null }[];
}

export interface RequestEvent {
  kind: "request";
  at: string;
  requestId?: string;
  route: string;
  modelId: string;
  latencyMs: number;
  /** HTTP status the model call ended with, when there was one. */
  status?: number;
  /** Error code when the call failed (`BACKEND_TIMEOUT`...). */
  error?: string;
  /** What the answer cost in US dollars, when its model declares a price (ADR 0050). */
  costUsd?: number;
  /**
   * What the request's classification steps' model calls cost in US dollars (an LLM
   * classifier, a priced embedding server), when a priced step reported tokens (ADR 0091).
   */
  classificationCostUsd?: number;
}

export interface FeedbackEvent {
  kind: "feedback";
  at: string;
  requestId?: string;
  route: string;
  modelId: string;
  /** Quality evidence on 0..1 (a rating rescaled). */
  reward?: number;
  /** A right/wrong judgement; counts as reward 1 or 0 when `reward` is absent. */
  correct?: boolean;
}

export type MonitorEvent = DecisionEvent | RequestEvent | FeedbackEvent;

/** The model and route a condition, an alert and a review item are about. */
export interface AlertSubject {
  route: string;
  modelId: string;
}

/** Keys made so far, by route and model: the same string each time, its hash computed once. */
const keysByRoute = new Map<string, Map<string, string>>();
let keysMade = 0;
/** Past this many, keys are made afresh again (a server has one per route and model). */
const MAX_KEPT_KEYS = 10_000;

/**
 * The subject's key in the conditions' and the engine's maps. The same string for the same
 * route and model: a new one per call cost each lookup a hash of it (in a profile of the fold,
 * the state's `get` was about a fifth of its stepping; `bench/alert-conditions.ts` measures it).
 */
export function subjectKey(subject: AlertSubject): string {
  const known = keysByRoute.get(subject.route)?.get(subject.modelId);
  if (known !== undefined) return known;
  if (keysMade >= MAX_KEPT_KEYS) {
    keysByRoute.clear();
    keysMade = 0;
  }
  const key = `${subject.route}\u0000${subject.modelId}`;
  let byModel = keysByRoute.get(subject.route);
  if (byModel === undefined) {
    byModel = new Map();
    keysByRoute.set(subject.route, byModel);
  }
  byModel.set(subject.modelId, key);
  keysMade += 1;
  return key;
}

export function subjectFromKey(key: string): AlertSubject {
  const separator = key.indexOf("\u0000");
  return { route: key.slice(0, separator), modelId: key.slice(separator + 1) };
}

/** A request counts as failed when it carries an error code or ended with a 5xx status. */
export function requestFailed(event: RequestEvent): boolean {
  return event.error !== undefined || (event.status !== undefined && event.status >= 500);
}

/** The reward of a feedback event (explicit reward, else correct = 1 / incorrect = 0), or null. */
export function feedbackReward(event: FeedbackEvent): number | null {
  if (event.reward !== undefined) return event.reward;
  if (event.correct !== undefined) return event.correct ? 1 : 0;
  return null;
}

/** The monitoring view of a stored selection decision. */
export function decisionEvent(
  decision: SelectionDecision,
  options: { route?: string } = {},
): DecisionEvent {
  return {
    kind: "decision",
    at: decision.finishedAt ?? decision.createdAt,
    decisionId: decision.id,
    route: options.route ?? `task:${decision.resolved.task}`,
    task: decision.resolved.task,
    winnerId: decision.winner?.id ?? null,
    candidates: decision.candidates.map((candidate) => ({
      modelId: candidate.id,
      quality: candidate.quality,
    })),
  };
}
