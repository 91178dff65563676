/**
 * @module
 * `ThompsonRouteLearner`: the bandit policy behind a route's `bandit` mode. It keeps a Beta
 * posterior of quality per (route, model, domain | route-wide), decayed with a half-life
 * (`decayed-beta.ts`), picks a model per request by Thompson sampling with an exploration floor
 * and cap, compares every model with the route's baseline and demotes a model that is
 * confidently worse in a domain, storing the decision with its evidence. State lives in the
 * `learning` component of the state database (`learning-store.ts`) and in memory as a
 * write-through cache: `choose` never touches the disk except when a route's candidate list
 * changes, and `record` returns only after its transaction is on disk.
 *
 * Choosing, for a request on `route` with ordered `candidates` and an optional `domain`:
 *
 * 1. Posteriors: a candidate's quality posterior is `Beta(prior + decayed evidence)` in the
 *    request's domain (route-wide when there is none). A domain posterior also gets
 *    `min(domainPriorStrength, route-wide effective count)` pseudo-observations at the
 *    route-wide evidence mean, so a new domain starts from the route's experience.
 * 2. Eligible models: candidates not demoted in that domain (all candidates if every one is).
 *    The greedy pick is the eligible candidate with the highest posterior mean (ties go to the
 *    earlier candidate, so an unknown route starts on its preferred model).
 * 3. Floor: with probability `f x n` the pick is uniform over the `n` floor-pool candidates,
 *    where `f = min(floor, 1/n)` and the pool is every candidate (demoted ones included when
 *    `demotion.demotedTraffic` is `floor`, the default) or only eligible ones (`none`). So every
 *    pool candidate gets at least `f` of the route's traffic whatever the posteriors say.
 * 4. Otherwise Thompson sampling: one draw from each eligible posterior; the highest draw wins.
 * 5. Cap: picks other than the greedy one ("explored") are paid from a per-route token bucket
 *    that gains `cap` tokens per request up to `explorationBurst` and loses 1 per explored pick.
 *    A Thompson draw that would explore with less than one token left serves the greedy pick
 *    instead; floor picks are never refused (they may overdraw the bucket below zero). Hence over
 *    any `N` consecutive requests of a route, explored picks <= cap x N + explorationBurst + the
 *    bucket's overdraft at the end, which only floor draws cause; as long as
 *    `floor x (n - 1) < cap` that overdraft stays at a few tokens and the long-run explored
 *    share is at most `cap`. If the floor alone explores more than the cap allows, the floor
 *    wins. The bucket is per process and starts full: a restart may spend one burst.
 *
 * Demotion, after each outcome, in the outcome's domain (route-wide for outcomes without one:
 * the route-wide evidence of domain traffic is confounded by the domain mix, see `record`).
 * The baseline is the configured model for the route, else (policy `first-candidate`) the
 * route's first candidate, else (`best-standing`) the best posterior mean among models with
 * enough evidence.
 * A model (not the baseline, not already demoted) is demoted in that domain when both it and
 * the baseline have at least `minEffectiveObservations` decayed observations and
 * `P(quality_model < quality_baseline - minGap) > probability` under the two posteriors (exact
 * integral, `beta-math.ts`); the demotion and its evidence are written in the same transaction
 * as the outcome. A demoted model is no longer chosen greedily or by Thompson draws in that
 * domain; it keeps floor draws unless `demotedTraffic` is `none`. Nothing reinstates it
 * automatically: an operator calls `reinstate` (recorded as a decision too), after which the
 * model needs `minEffectiveObservations` new outcomes in that domain before it can be demoted
 * again, so a reinstatement is not undone by the evidence that caused the demotion.
 *
 * Domains are kept apart up to `maxDomainsPerRoute` per route (1000 by default), in the order
 * they first bring a reward; a further domain's outcomes are stored and counted route-wide
 * only, so the state stays bounded whatever domains clients name.
 *
 * Rewards are 0..1 and folded in as fractional Beta updates (see `decayed-beta.ts`). A second
 * reward for the same request id replaces the first (its contribution is taken out), so a
 * client that retries unacknowledged feedback is not counted twice. Outcomes without a reward
 * (latency only) are logged and change no posterior.
 *
 * Several servers may share one state file (ADR 0060): every write runs in a `BEGIN
 * IMMEDIATE` transaction that first reads what the others wrote since this learner last
 * looked (`sync`), so an outcome is folded into the aggregates as they are on disk, not as this
 * process last saw them, and a demotion another server made is seen before deciding one.
 * Between writes, `sync` (the server calls it every second) brings the memory that `choose`
 * reads up to date. The servers must run the same `learning` settings.
 */
import { randomBytes } from "node:crypto";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { openStateDatabase, type StateDatabase, StateMovedOn } from "../../state/state-database.js";
import type {
  ChooseContext,
  ModelStanding,
  RecordPreparation,
  RouteChoice,
  RouteLearner,
  RouteOutcome,
} from "../route-learner.js";
import {
  type BetaParameters,
  probabilityBelow,
  probabilityBelowApproximate,
  sampleBeta,
  type UniformSource,
} from "./beta-math.js";
import {
  addReward,
  betaMean,
  type DecayedBeta,
  decayTo,
  EMPTY_DECAYED_BETA,
  effectiveCount,
  meanCost,
  posteriorParameters,
} from "./decayed-beta.js";
import type { DemotionEvidence, LearningDecision, PosteriorEvidence } from "./learning-decision.js";
import {
  type AggregateRow,
  type DemotionRow,
  LearningStore,
  type OutcomeRow,
  type ReadAhead,
  type RecordPlan,
  ROUTE_WIDE,
  type RouteRow,
  type SharedPosition,
} from "./learning-store.js";
import type { RoutesInService } from "./routes-in-service.js";
import {
  parseThompsonLearnerConfig,
  type ThompsonLearnerConfig,
  type ThompsonLearnerConfigInput,
} from "./thompson-learner-config.js";

export interface ThompsonRouteLearnerOptions {
  /** The state database (the caller keeps ownership). */
  database: StateDatabase;
  config?: ThompsonLearnerConfigInput;
  /** Uniform source on [0, 1); inject a seeded one for reproducible runs. Default `Math.random`. */
  random?: UniformSource;
  /** Clock (epoch ms) for decay at choose time and for record timestamps. Default `Date.now`. */
  now?: () => number;
}

export interface OpenThompsonRouteLearnerOptions
  extends Omit<ThompsonRouteLearnerOptions, "database"> {
  /** State database file; default `state.db` under MODELSCOUT_HOME. */
  path?: string;
  env?: NodeJS.ProcessEnv;
}

interface Entry {
  aggregate: DecayedBeta;
  observationsAtReinstatement: number;
}

type DomainTable = Map<string, Entry>;

/** A record's writes, made in its transaction: its plan, and its position once committed. */
interface Written {
  plan: RecordPlan;
  seq: () => number;
}

/** What a read-ahead (`prepareRecord`) read for one request, and the memory it was read into. */
interface Prepared {
  generation: number;
  requestId: string;
  position: SharedPosition;
  previous: OutcomeRow | undefined;
}

/**
 * Read-aheads in a row that a `recordLater` finds stale (another server wrote between the
 * read and the check under the lock) before it records under the lock, blocking, as `record`
 * does: each stale one is read again, awaited, and tried again (ADR 0071, "Feedback from
 * servers writing at once"). So a record always gets in, however busy the others are.
 */
export const STALE_RECORDS_BEFORE_BLOCKING = 5;

const key = (route: string, domainKey: string, modelId: string) =>
  `${route}\u0000${domainKey}\u0000${modelId}`;

function newLearningDecisionId(nowMs: number): string {
  return `lrn_${nowMs.toString(36).padStart(9, "0")}${randomBytes(4).toString("hex")}`;
}

/** A cost for a decision's rule: "$0.00125", or "$0" when unknown. */
const usd = (value: number | null | undefined) => `$${Number((value ?? 0).toPrecision(3))}`;

function invalidOutcome(message: string, outcome: unknown): ModelScoutError {
  return new ModelScoutError("INVALID_ARGUMENT", `Routing outcome: ${message}.`, {
    details: { outcome },
  });
}

export class ThompsonRouteLearner implements RouteLearner {
  #config: ThompsonLearnerConfig;
  private halfLifeMs: number;
  private readonly store: LearningStore;
  private readonly random: UniformSource;
  private readonly now: () => number;
  /** route -> domain key -> model -> evidence. */
  private readonly evidence = new Map<string, Map<string, DomainTable>>();
  /** `key(route, domain, model)` -> demotion decision id. */
  private readonly demoted = new Map<string, string>();
  /** Each route's candidates and answer value, as last chosen with. */
  private readonly routes: Map<string, RouteRow>;
  private readonly explorationTokens = new Map<string, number>();
  /** When `routeRow` last found no stored row of a route (ms). */
  readonly #routesLookedForAtMs = new Map<string, number>();
  private ownedDatabase: StateDatabase | undefined;
  /** How far memory holds the shared log: later rows were written by another server (ADR 0060). */
  #seen: SharedPosition;
  /**
   * Counts changes to memory and `#seen`: a read-ahead (`prepareRecord`) is used only if
   * nothing changed them since it was read (ADR 0070).
   */
  #generation = 0;
  /** Settled when the last read-ahead given out has been recorded (see `prepareRecord`). */
  #readingAhead: Promise<void> = Promise.resolve();
  /** Read-aheads that could not be used (`staleReadAheads`). */
  #staleReadAheads = 0;
  /** The commit of a `recordLater` made in a turn, which the next turn waits for. */
  #turnHeld: Promise<void> | undefined;
  /** What `prepareRecord` read ahead, by the preparation it gave out. */
  readonly #prepared = new WeakMap<RecordPreparation, Prepared>();

  constructor(options: ThompsonRouteLearnerOptions) {
    this.#config = parseThompsonLearnerConfig(options.config ?? {});
    this.halfLifeMs = this.#config.halfLifeMs ?? Number.POSITIVE_INFINITY;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.store = new LearningStore(options.database);
    // Read before the state below: a row another server writes meanwhile is read again by `sync`.
    this.#seen = this.store.position();
    const storedHalfLife = this.store.readMeta("half_life_ms");
    const rows =
      storedHalfLife === undefined || Number(storedHalfLife) === this.halfLifeMs
        ? this.store.loadAggregates()
        : // The stored aggregates were decayed with another half-life: recompute from the log.
          this.store.rebuildAggregates(this.halfLifeMs, true);
    if (storedHalfLife === undefined) this.store.writeMeta("half_life_ms", String(this.halfLifeMs));
    for (const row of rows) this.setEntry(row);
    this.loadDemotions();
    this.routes = this.store.loadRoutes();
  }

  /** The settings in force (`reconfigure` replaces them). */
  get config(): ThompsonLearnerConfig {
    return this.#config;
  }

  /**
   * Puts other settings in force (a reload of the routes config's `learning` section, ADR
   * 0046 amended). A new half-life recomputes every aggregate from the outcome log in one
   * transaction first, as a start with another half-life does; if that fails, the learner is
   * left as it was. Evidence, demotions and decisions are kept; the exploration buckets keep
   * their tokens, up to the new `explorationBurst`.
   */
  reconfigure(input: unknown): void {
    const next = parseThompsonLearnerConfig(input ?? {});
    const halfLifeMs = next.halfLifeMs ?? Number.POSITIVE_INFINITY;
    if (halfLifeMs !== this.halfLifeMs) {
      const { rows, position } = this.store.writing(() => ({
        rows: this.store.rebuildAggregates(halfLifeMs, true),
        position: this.store.position(),
      }));
      this.evidence.clear();
      for (const row of rows) this.setEntry(row);
      this.#seen = position;
      this.halfLifeMs = halfLifeMs;
      this.#generation++;
    }
    this.#config = next;
  }

  /**
   * Records which (route, model) pairs the routes config in service has it choose among, for
   * readers of the state (`modelscout learner standings`, ADR 0083). Nothing learned is
   * dropped: a route or model a reload removed keeps its evidence and demotions, and a reload
   * that brings it back chooses with them.
   */
  recordRoutesInService(routes: RoutesInService): void {
    this.store.writeRoutesInService(routes, new Date(this.now()));
  }

  /** Opens (or creates) the state database and a learner that closes it on `close()`. */
  static open(options: OpenThompsonRouteLearnerOptions = {}): ThompsonRouteLearner {
    // biome-ignore lint/plugin/no-spread-then-field: once per learner
    const database = openStateDatabase({
      ...(options.path === undefined ? {} : { path: options.path }),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    try {
      // biome-ignore lint/plugin/no-spread-then-field: once per learner
      const learner = new ThompsonRouteLearner({ ...options, database });
      learner.ownedDatabase = database;
      return learner;
    } catch (error) {
      database.close();
      throw error;
    }
  }

  close(): void {
    this.ownedDatabase?.close();
    this.ownedDatabase = undefined;
  }

  /**
   * Reads what other servers sharing the state file wrote since this learner last looked:
   * the aggregates of every (route, model) with new outcomes or decisions, and the demotions
   * when a decision came. Returns how many (route, model) pairs it read again. Cheap when
   * nothing changed (three indexed reads); `record`, `demote` and `reinstate` catch up the
   * same way inside their write transaction. Throws, having read all that, when the stored
   * half-life is not this learner's: another server runs other `learning` settings and
   * rebuilt the aggregates with them (a rolling reload in progress, or a mistake).
   */
  sync(): number {
    const pairs = this.catchUp();
    this.#checkHalfLife(this.store.readMeta("half_life_ms"));
    return pairs;
  }

  /**
   * `sync` for the server's timer: on PostgreSQL its reads are awaited on the connection for
   * awaited reads instead of blocking the event loop (ADR 0070), in turn with the read-aheads
   * of `prepareRecord`; what it read is dropped if this learner's memory changed meanwhile
   * (the next sync reads it again). On a file it is `sync`.
   */
  async syncAhead(): Promise<number> {
    if (!this.store.readsAhead) return this.sync();
    return this.#inTurn(async () => {
      const generation = this.#generation;
      const [ahead, stored] = await Promise.all([
        this.store.readAhead(Object.assign({}, this.#seen)),
        this.store.readMetaAhead("half_life_ms"),
      ]);
      let pairs = 0;
      if (ahead !== undefined && this.#generation === generation) {
        this.#useReadAhead(ahead);
        pairs = ahead.changes.pairs.length;
      }
      this.#checkHalfLife(stored);
      return pairs;
    });
  }

  /** Throws when the stored half-life is another server's (see `sync`). */
  #checkHalfLife(stored: string | undefined): void {
    if (stored !== undefined && Number(stored) !== this.halfLifeMs) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Another server on this state file learns with a decay half-life of ${stored} ms, this one with ${this.halfLifeMs} ms: servers sharing a state file must run the same learning settings. Reload or restart them all with one routes config.`,
        { details: { stored: Number(stored), own: this.halfLifeMs } },
      );
    }
  }

  /**
   * Runs `read`, an awaited read, in its turn: after the one before it is done with (see
   * `prepareRecord`); the next starts at `setImmediate` after this one settles.
   */
  async #inTurn<T>(read: () => Promise<T>): Promise<T> {
    const turn = this.#readingAhead;
    let done = () => {};
    this.#readingAhead = new Promise((resolve) => {
      done = resolve;
    });
    try {
      await turn;
      return await read();
    } finally {
      setImmediate(() => {
        // A record made in this turn's continuation holds it until its commit is answered.
        const held = this.#turnHeld;
        this.#turnHeld = undefined;
        if (held === undefined) done();
        else void held.then(done);
      });
    }
  }

  /** What was read of other servers' writes (ahead, or by `catchUp`), into memory. */
  #useReadAhead(ahead: ReadAhead): void {
    for (const row of ahead.aggregates) this.setEntry(row);
    if (ahead.demotions !== null) this.loadDemotions(ahead.demotions);
    this.#seen = Object.assign({}, ahead.changes.next);
    if (ahead.changes.pairs.length > 0) this.#generation++;
  }

  /** Reads what other servers wrote since this learner last looked; see `sync`. */
  private catchUp(): number {
    const changes = this.store.changesSince(this.#seen);
    this.#useReadAhead({
      changes,
      aggregates: changes.pairs.flatMap(({ route, modelId }) =>
        this.store.aggregatesOf(route, modelId),
      ),
      demotions: changes.decisions ? this.store.loadDemotions() : null,
      previous: undefined,
    });
    return changes.pairs.length;
  }

  /** The stored demotions, in place of those in memory. */
  private loadDemotions(demotions: readonly DemotionRow[] = this.store.loadDemotions()): void {
    this.demoted.clear();
    for (const demotion of demotions) {
      this.demoted.set(
        key(demotion.route, demotion.domainKey, demotion.modelId),
        demotion.decisionId,
      );
    }
  }

  // ---------------------------------------------------------------- choosing

  choose(route: string, candidates: readonly string[], context?: ChooseContext): RouteChoice {
    if (candidates.length === 0) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Route "${route}" has no candidate models; list at least one in the route config.`,
        { details: { route } },
      );
    }
    const answerValueUsd = context?.answerValueUsd ?? null;
    if (answerValueUsd !== null && !(Number.isFinite(answerValueUsd) && answerValueUsd > 0)) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Route "${route}": answerValueUsd must be a number above 0 (got ${answerValueUsd}).`,
        { details: { route, answerValueUsd } },
      );
    }
    this.rememberRoute(route, candidates, answerValueUsd);
    const [first] = candidates as [string, ...string[]];
    if (candidates.length === 1)
      return { modelId: first, reason: "only candidate", explored: false };
    const domainKey = context?.domain || ROUTE_WIDE;
    const nowMs = this.now();
    const posteriors = new Map(
      candidates.map((modelId) => [
        modelId,
        this.choicePosterior(route, domainKey, modelId, nowMs),
      ]),
    );
    // With an answer value, a model is worth its quality less its cost in quality points:
    // value x quality - cost, divided by the value (ADR 0053).
    const costPoints =
      answerValueUsd === null
        ? null
        : new Map(
            candidates.map((modelId) => [
              modelId,
              (this.costOf(route, domainKey, modelId) ?? 0) / answerValueUsd,
            ]),
          );
    const net = costPoints === null ? "" : "net ";
    let eligible = candidates.filter((modelId) => !this.isDemoted(route, domainKey, modelId));
    const allDemoted = eligible.length === 0;
    if (allDemoted) eligible = [...candidates];
    const meanOf = (modelId: string) => {
      const parameters = posteriors.get(modelId) as BetaParameters;
      return betaMean(parameters.alpha, parameters.beta) - (costPoints?.get(modelId) ?? 0);
    };
    let greedy = eligible[0] as string;
    for (const modelId of eligible) if (meanOf(modelId) > meanOf(greedy)) greedy = modelId;

    const tokens = Math.min(
      this.config.explorationBurst,
      (this.explorationTokens.get(route) ?? this.config.explorationBurst) + this.config.cap,
    );
    const floorPool = this.config.demotion.demotedTraffic === "floor" ? candidates : eligible;
    const floorShare = Math.min(this.config.floor, 1 / floorPool.length);
    const suffix = allDemoted ? "; every candidate is demoted here" : "";

    if (this.random() < floorShare * floorPool.length) {
      const modelId = floorPool[Math.floor(this.random() * floorPool.length)] as string;
      const explored = modelId !== greedy;
      this.explorationTokens.set(route, explored ? tokens - 1 : tokens);
      return {
        modelId,
        reason: `exploration floor (uniform over ${floorPool.length}; best ${net}mean ${meanOf(greedy).toFixed(3)} is ${greedy})${suffix}`,
        explored,
      };
    }

    let winner = greedy;
    let winningDraw = Number.NEGATIVE_INFINITY;
    let greedyDraw = 0;
    for (const modelId of eligible) {
      const parameters = posteriors.get(modelId) as BetaParameters;
      const draw =
        sampleBeta(parameters.alpha, parameters.beta, this.random) -
        (costPoints?.get(modelId) ?? 0);
      if (modelId === greedy) greedyDraw = draw;
      if (draw > winningDraw) {
        winningDraw = draw;
        winner = modelId;
      }
    }
    const sample = costPoints === null ? "sample" : "sample net of cost";
    if (winner === greedy) {
      this.explorationTokens.set(route, tokens);
      return {
        modelId: greedy,
        reason: `thompson ${sample} ${greedyDraw.toFixed(3)} (best ${net}mean ${meanOf(greedy).toFixed(3)})${suffix}`,
        explored: false,
      };
    }
    if (tokens >= 1) {
      this.explorationTokens.set(route, tokens - 1);
      return {
        modelId: winner,
        reason: `thompson ${sample} ${winningDraw.toFixed(3)} (explore; best ${net}mean ${meanOf(greedy).toFixed(3)} is ${greedy})${suffix}`,
        explored: true,
      };
    }
    this.explorationTokens.set(route, tokens);
    return {
      modelId: greedy,
      reason: `best ${net}mean ${meanOf(greedy).toFixed(3)} (exploration cap reached; the sample preferred ${winner})${suffix}`,
      explored: false,
    };
  }

  /**
   * Keeps the route's candidates (the first is the default baseline) and answer value, for
   * demotion checks after a restart; written only when they change.
   */
  private rememberRoute(
    route: string,
    candidates: readonly string[],
    answerValueUsd: number | null,
  ): void {
    const known = this.routes.get(route);
    if (
      known &&
      known.answerValueUsd === answerValueUsd &&
      known.candidates.length === candidates.length &&
      known.candidates.every((id, i) => id === candidates[i])
    ) {
      return;
    }
    const row = { candidates: [...candidates], answerValueUsd };
    this.store.saveRoute(route, row, new Date(this.now()).toISOString());
    this.routes.set(route, row);
  }

  /**
   * The route's candidates and answer value as last chosen with: this learner's, else those
   * another server on the state stored (ADR 0060). A server that takes a route's feedback
   * without having routed it since it started (one of `--workers N`, the requests routed by
   * the other) judges demotions against the same baseline. On a file the stored rows are read
   * here; on PostgreSQL `prepareRecord` reads them ahead, so a record blocks on nothing more.
   */
  private routeRow(route: string): RouteRow | undefined {
    const known = this.routes.get(route);
    if (known !== undefined || this.store.readsAhead || !this.#shouldLookForRoute(route)) {
      return known;
    }
    this.#useStoredRoutes(this.store.loadRoutes(), route);
    return this.routes.get(route);
  }

  /**
   * Whether to read the stored routes for `route`, unknown here: once a second at most, as a
   * route no learner chooses on (a fallback route's feedback) never has a row.
   */
  #shouldLookForRoute(route: string): boolean {
    if (this.routes.has(route)) return false;
    const lookedAtMs = this.#routesLookedForAtMs.get(route);
    return lookedAtMs === undefined || this.now() - lookedAtMs >= 1000;
  }

  #useStoredRoutes(stored: ReadonlyMap<string, RouteRow>, route: string): void {
    for (const [name, row] of stored) if (!this.routes.has(name)) this.routes.set(name, row);
    if (this.routes.has(route)) this.#routesLookedForAtMs.delete(route);
    else this.#routesLookedForAtMs.set(route, this.now());
  }

  /** A model's decayed mean cost per request in the domain, else route-wide; null if unknown. */
  private costOf(route: string, domainKey: string, modelId: string): number | null {
    const domains = this.evidence.get(route);
    const inDomain = domains?.get(domainKey)?.get(modelId);
    const known = inDomain === undefined ? null : meanCost(inDomain.aggregate);
    if (known !== null || domainKey === ROUTE_WIDE) return known;
    const routeWide = domains?.get(ROUTE_WIDE)?.get(modelId);
    return routeWide === undefined ? null : meanCost(routeWide.aggregate);
  }

  /** The posterior used for Thompson draws: the domain's, shrunk towards the route-wide evidence. */
  private choicePosterior(
    route: string,
    domainKey: string,
    modelId: string,
    nowMs: number,
  ): BetaParameters {
    const routeWide = this.current(route, ROUTE_WIDE, modelId, nowMs);
    const prior = this.config.prior;
    if (domainKey === ROUTE_WIDE) return posteriorParameters(routeWide, prior);
    const inDomain = this.current(route, domainKey, modelId, nowMs);
    const routeCount = effectiveCount(routeWide);
    const strength = Math.min(this.config.domainPriorStrength, routeCount);
    const routeMean = routeCount > 0 ? routeWide.successes / routeCount : 0;
    return {
      alpha: prior.alpha + strength * routeMean + inDomain.successes,
      beta: prior.beta + strength * (1 - routeMean) + inDomain.failures,
    };
  }

  private current(route: string, domainKey: string, modelId: string, atMs: number): DecayedBeta {
    const entry = this.evidence.get(route)?.get(domainKey)?.get(modelId);
    return entry ? decayTo(entry.aggregate, atMs, this.halfLifeMs) : EMPTY_DECAYED_BETA;
  }

  private isDemoted(route: string, domainKey: string, modelId: string): boolean {
    return this.demoted.has(key(route, domainKey, modelId));
  }

  private setEntry(row: AggregateRow): void {
    let domains = this.evidence.get(row.route);
    if (!domains) {
      domains = new Map();
      this.evidence.set(row.route, domains);
    }
    let models = domains.get(row.domainKey);
    if (!models) {
      models = new Map();
      domains.set(row.domainKey, models);
    }
    models.set(row.modelId, {
      aggregate: row.aggregate,
      observationsAtReinstatement: row.observationsAtReinstatement,
    });
  }

  // ---------------------------------------------------------------- learning

  /**
   * Reads ahead, on PostgreSQL, what `record(outcome)` reads under its write lock (what other
   * servers wrote, the request's earlier reward), awaited on the connection for awaited reads
   * so the event loop does not block on it, and brings memory up to it as `sync` would. Given
   * to `record`, its transaction then waits for PostgreSQL once, at its commit, unless
   * something was written meanwhile (ADR 0070). Undefined on a file, or when this learner's
   * memory changed while it read.
   */
  async prepareRecord(outcome: RouteOutcome): Promise<RecordPreparation | undefined> {
    if (!outcome.requestId) return undefined;
    // One read-ahead at a time, each after the record of the one before: two read at once,
    // the second's would go stale when the first's record commits, and it would read again
    // under the lock. The caller records in the continuation of this promise, before the
    // next read-ahead starts (`setImmediate` runs after it).
    if (this.store.readsAhead && this.#shouldLookForRoute(outcome.route)) {
      const stored = await this.store.loadRoutesAhead().catch(() => undefined);
      if (stored !== undefined) this.#useStoredRoutes(stored, outcome.route);
    }
    return this.#inTurn(() => this.#readAhead(outcome.requestId));
  }

  async #readAhead(requestId: string): Promise<RecordPreparation | undefined> {
    const prepared = await this.#readAheadFor(requestId);
    if (prepared === undefined) return undefined;
    const preparation: RecordPreparation = { requestId };
    this.#prepared.set(preparation, prepared);
    return preparation;
  }

  /** Reads ahead for a record of `requestId` and brings memory up to it; see `prepareRecord`. */
  async #readAheadFor(requestId: string): Promise<Prepared | undefined> {
    const generation = this.#generation;
    const ahead = await this.store.readAhead(Object.assign({}, this.#seen), requestId);
    // Rows read before a change this learner made since would take memory back.
    if (ahead === undefined) return undefined;
    if (this.#generation !== generation) {
      this.#staleReadAheads++;
      return undefined;
    }
    this.#useReadAhead(ahead);
    return {
      generation: this.#generation,
      requestId,
      position: ahead.changes.next,
      previous: ahead.previous,
    };
  }

  record(outcome: RouteOutcome, alongside?: () => void, preparation?: RecordPreparation): void {
    const write = this.#writer(outcome, alongside);
    const prepared = this.#preparedFor(outcome, preparation);
    let written: Written | undefined;
    if (prepared !== undefined) {
      // Read ahead: under the lock only a check that nothing was written since (ADR 0070).
      try {
        written = this.store.writingAfter(prepared.position, () => write(prepared.previous));
      } catch (error) {
        if (!(error instanceof StateMovedOn)) throw error;
      }
    }
    if (written === undefined) this.#recordUnderLock(write, preparation);
    else this.#remember(written);
  }

  /** See `RouteLearner.staleReadAheads`; undefined on a file, where nothing is read ahead. */
  get staleReadAheads(): number | undefined {
    return this.store.readsAhead ? this.#staleReadAheads : undefined;
  }

  /**
   * `record`, for an outcome read ahead (`prepareRecord`, on PostgreSQL): the transaction's
   * end is awaited, not blocked on (ADR 0071), and the next read-ahead waits for it. Memory
   * changes once the commit is answered. A check that fails under the lock (another server
   * wrote since the read-ahead) rolls the transaction back; the record then reads ahead again,
   * awaited, and tries again, up to `STALE_RECORDS_BEFORE_BLOCKING` times in a row, and only
   * then records under the lock, blocking. The turn of read-aheads is held throughout, so this
   * server's next read-ahead reads after it. Without a usable preparation (a file, or memory
   * changed since) it is `record`. `alongside` runs once a try; only the stored try's writes
   * are kept.
   */
  async recordLater(
    outcome: RouteOutcome,
    alongside?: () => void,
    preparation?: RecordPreparation,
  ): Promise<void> {
    const write = this.#writer(outcome, alongside);
    let prepared = this.#preparedFor(outcome, preparation);
    if (prepared === undefined) return this.#recordUnderLock(write, preparation);
    // The next read-ahead reads after this record is stored: before it, it would go stale at
    // once. Held from here (the continuation of the turn that read ahead) to the end.
    let release = () => {};
    this.#turnHeld = new Promise((resolve) => {
      release = resolve;
    });
    try {
      for (let attempt = 1; ; attempt++) {
        const generation = this.#generation;
        const { position, previous } = prepared;
        let later: { result: Written; committed: Promise<void> } | undefined;
        try {
          later = this.store.writingAfterLater(position, () => write(previous));
          await later.committed;
        } catch (error) {
          if (!(error instanceof StateMovedOn)) throw error;
          later = undefined;
        }
        if (later !== undefined) {
          // Memory changed while the commit was out only by a write made after it (blocking
          // calls run after it on the connection), which read this outcome's rows under its
          // lock.
          if (this.#generation === generation) this.#remember(later.result);
          return;
        }
        // Rolled back, nothing of it stored or in memory: read ahead again, awaited, from what
        // memory holds, and try again on that; after a few in a row, under the lock.
        this.#staleReadAheads++;
        if (attempt >= STALE_RECORDS_BEFORE_BLOCKING)
          return this.#recordUnderLock(write, undefined);
        prepared = await this.#readAheadFor(outcome.requestId).catch(() => undefined);
        // Memory changed meanwhile (counted), or the read failed (the blocking path reports
        // a failure that lasts).
        if (prepared === undefined) return this.#recordUnderLock(write, undefined);
      }
    } finally {
      release();
    }
  }

  /** The outcome's writes, checked first (throws for a malformed outcome, writing nothing). */
  #writer(
    outcome: RouteOutcome,
    alongside: (() => void) | undefined,
  ): (previous: OutcomeRow | undefined | null) => Written {
    if (!outcome.requestId) throw invalidOutcome("requestId is required", outcome);
    if (!outcome.route) throw invalidOutcome("route is required", outcome);
    if (!outcome.modelId) throw invalidOutcome("modelId is required", outcome);
    if (
      outcome.reward !== undefined &&
      !(Number.isFinite(outcome.reward) && outcome.reward >= 0 && outcome.reward <= 1)
    ) {
      throw invalidOutcome(`reward must be a number from 0 to 1 (got ${outcome.reward})`, outcome);
    }
    for (const field of ["latencyMs", "costUsd"] as const) {
      const value = outcome[field];
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
        throw invalidOutcome(`${field} must be a non-negative number (got ${value})`, outcome);
      }
    }
    const atMs = Date.parse(outcome.at);
    if (!Number.isFinite(atMs)) {
      throw invalidOutcome(`at must be an ISO date-time (got "${outcome.at}")`, outcome);
    }
    return (previous) => {
      const plan = this.recordPlan(outcome, atMs, previous);
      const seq = this.store.commitRecord(plan);
      // The caller's writes (the feedback row) commit with the outcome, in one commit.
      alongside?.();
      return { plan, seq };
    };
  }

  /** What `prepareRecord` read for this outcome, if memory did not change since. */
  #preparedFor(outcome: RouteOutcome, preparation: RecordPreparation | undefined) {
    const prepared = preparation === undefined ? undefined : this.#prepared.get(preparation);
    return prepared !== undefined &&
      prepared.generation === this.#generation &&
      prepared.requestId === outcome.requestId
      ? prepared
      : undefined;
  }

  // Under the write lock, after reading what other servers wrote: the plan is made from the
  // aggregates as they are on disk (ADR 0060). A preparation given is one not used: stale.
  #recordUnderLock(
    write: (previous: OutcomeRow | undefined | null) => Written,
    preparation: RecordPreparation | undefined,
  ): void {
    if (preparation !== undefined) this.#staleReadAheads++;
    this.#remember(
      this.store.writing(() => {
        this.catchUp();
        return write(null);
      }),
    );
  }

  // Memory changes only once the transaction is on disk: a failed write leaves it as it was
  // (but for what `sync` read of other servers' writes).
  #remember({ plan, seq }: Written): void {
    this.#seen.seq = seq();
    this.#generation++;
    for (const row of plan.aggregates) this.setEntry(row);
    for (const decision of plan.demotions) {
      this.demoted.set(
        key(decision.route, decision.domain ?? ROUTE_WIDE, decision.modelId),
        decision.id,
      );
    }
  }

  /** What `outcome` writes: the outcome row, the aggregates it changes, the demotions it causes. */
  private recordPlan(
    outcome: RouteOutcome,
    atMs: number,
    /** The request's live reward as read ahead (`prepareRecord`); null: read it now. */
    readAhead: OutcomeRow | undefined | null,
  ): RecordPlan {
    // A domain past the route's `maxDomainsPerRoute` counts route-wide only, and is stored so.
    const domain = this.admittedDomain(outcome.route, outcome.domain || null);
    const domainKey = domain ?? ROUTE_WIDE;

    // Work on copies, write them in one transaction, and only then update memory: a failed
    // write leaves the learner exactly as it was.
    const changed = new Map<string, AggregateRow>();
    const read = (route: string, domain: string, modelId: string): AggregateRow => {
      const existing = changed.get(key(route, domain, modelId));
      if (existing) return existing;
      const entry = this.evidence.get(route)?.get(domain)?.get(modelId);
      return {
        route,
        modelId,
        domainKey: domain,
        aggregate: entry?.aggregate ?? EMPTY_DECAYED_BETA,
        observationsAtReinstatement: entry?.observationsAtReinstatement ?? 0,
      };
    };
    const fold = (
      route: string,
      modelId: string,
      domain: string | null,
      reward: number,
      rewardAtMs: number,
      sign: 1 | -1,
      cost: number | null,
    ) => {
      for (const domainKeyToUpdate of domain ? [ROUTE_WIDE, domain] : [ROUTE_WIDE]) {
        const row = read(route, domainKeyToUpdate, modelId);
        changed.set(
          key(route, domainKeyToUpdate, modelId),
          Object.assign({}, row, {
            aggregate: addReward(row.aggregate, reward, rewardAtMs, this.halfLifeMs, sign, cost),
          }),
        );
      }
    };

    let supersedesSeq: number | null = null;
    if (outcome.reward !== undefined) {
      const previous = readAhead === null ? this.store.activeReward(outcome.requestId) : readAhead;
      if (previous && previous.reward !== null) {
        supersedesSeq = previous.seq;
        fold(
          previous.route,
          previous.modelId,
          previous.domain,
          previous.reward,
          previous.atMs,
          -1,
          previous.costUsd,
        );
      }
      fold(
        outcome.route,
        outcome.modelId,
        domain,
        outcome.reward,
        atMs,
        1,
        outcome.costUsd ?? null,
      );
    }

    // Demotion is judged where the request was routed: in its domain, or route-wide for
    // requests without one. The route-wide aggregate of a route whose traffic is split by
    // domain is confounded (each model is mostly sent to the domains it is good at, and domains
    // differ in difficulty), so it never demotes on behalf of domain traffic.
    const demotions =
      outcome.reward !== undefined && this.config.demotion.enabled
        ? this.demotionsAfter(outcome.route, domainKey, outcome.modelId, atMs, read)
        : [];

    return {
      outcome: {
        requestId: outcome.requestId,
        route: outcome.route,
        modelId: outcome.modelId,
        domain,
        reward: outcome.reward ?? null,
        latencyMs: outcome.latencyMs ?? null,
        costUsd: outcome.costUsd ?? null,
        at: outcome.at,
        atMs,
        recordedAt: new Date(this.now()).toISOString(),
      },
      supersedesSeq,
      aggregates: [...changed.values()],
      demotions,
    };
  }

  /**
   * `domain` if the route already keeps it apart or has room for another
   * (`maxDomainsPerRoute`), else null: the outcome then counts route-wide only.
   */
  private admittedDomain(route: string, domain: string | null): string | null {
    if (domain === null) return null;
    const domains = this.evidence.get(route);
    if (domains?.has(domain)) return domain;
    const kept = domains === undefined ? 0 : domains.size - (domains.has(ROUTE_WIDE) ? 1 : 0);
    return kept < this.config.maxDomainsPerRoute ? domain : null;
  }

  private baselineFor(
    route: string,
    domainKey: string,
    models: readonly string[],
    evidenceOf: (modelId: string) => AggregateRow,
  ): { modelId: string; policy: string } | undefined {
    const configured = this.config.baseline.models[route];
    if (configured) return { modelId: configured, policy: "configured" };
    if (this.config.baseline.policy === "first-candidate") {
      const first = this.routeRow(route)?.candidates[0];
      return first === undefined ? undefined : { modelId: first, policy: "first-candidate" };
    }
    const value = this.routeRow(route)?.answerValueUsd ?? null;
    let best: { modelId: string; mean: number } | undefined;
    for (const modelId of models) {
      if (this.isDemoted(route, domainKey, modelId)) continue;
      const aggregate = evidenceOf(modelId).aggregate;
      if (effectiveCount(aggregate) < this.config.demotion.minEffectiveObservations) continue;
      const parameters = posteriorParameters(aggregate, this.config.prior);
      // On a route with an answer value, the best standing is net of cost (ADR 0053).
      const mean =
        betaMean(parameters.alpha, parameters.beta) -
        (value === null ? 0 : (meanCost(aggregate) ?? 0) / value);
      if (!best || mean > best.mean) best = { modelId, mean };
    }
    return best && { modelId: best.modelId, policy: "best-standing" };
  }

  private demotionsAfter(
    route: string,
    domainKey: string,
    updatedModel: string,
    atMs: number,
    read: (route: string, domain: string, modelId: string) => AggregateRow,
  ): LearningDecision[] {
    const models = new Set(this.evidence.get(route)?.get(domainKey)?.keys() ?? []);
    models.add(updatedModel);
    const evidenceOf = (modelId: string) => read(route, domainKey, modelId);
    const baseline = this.baselineFor(route, domainKey, [...models], evidenceOf);
    if (!baseline) return [];
    const toCheck =
      updatedModel === baseline.modelId
        ? [...models].filter((modelId) => modelId !== baseline.modelId)
        : [updatedModel];
    const { probability, minGap, minEffectiveObservations } = this.config.demotion;
    const decisions: LearningDecision[] = [];
    const baselineRow = evidenceOf(baseline.modelId);
    for (const modelId of toCheck) {
      if (this.isDemoted(route, domainKey, modelId)) continue;
      const modelRow = evidenceOf(modelId);
      if (
        modelRow.aggregate.observations - modelRow.observationsAtReinstatement <
        minEffectiveObservations
      ) {
        continue;
      }
      const at = Math.max(atMs, modelRow.aggregate.updatedAtMs, baselineRow.aggregate.updatedAtMs);
      const modelEvidence = this.posteriorEvidence(modelId, modelRow.aggregate, at);
      const baselineEvidence = this.posteriorEvidence(baseline.modelId, baselineRow.aggregate, at);
      if (
        modelEvidence.effectiveCount < minEffectiveObservations ||
        baselineEvidence.effectiveCount < minEffectiveObservations
      ) {
        continue;
      }
      // On a route with an answer value, models are compared net of cost: the model is worse
      // when q_model - c_model / V < q_baseline - c_baseline / V - minGap, that is when
      // q_model < q_baseline - (minGap - (c_model - c_baseline) / V). A dearer model must make
      // up its extra cost in quality; a cheaper one may fall below the baseline by its saving.
      const value = this.routeRow(route)?.answerValueUsd ?? null;
      const gap =
        value === null
          ? minGap
          : minGap -
            ((modelEvidence.meanCostUsd ?? 0) - (baselineEvidence.meanCostUsd ?? 0)) / value;
      // The normal approximation is within 0.05 of the exact value at these counts (measured
      // over random posteriors with >= 30 observations); skip the exact integral when
      // it is nowhere near the threshold.
      if (probabilityBelowApproximate(modelEvidence, baselineEvidence, gap) < probability - 0.1) {
        continue;
      }
      const below = probabilityBelow(modelEvidence, baselineEvidence, gap);
      if (below <= probability) continue;
      const gapText =
        value === null
          ? String(minGap)
          : `(${minGap} - (${usd(modelEvidence.meanCostUsd)} - ${usd(baselineEvidence.meanCostUsd)}) / ${usd(value)})`;
      const evidence: DemotionEvidence = {
        rule: `P(${modelId} < ${baseline.modelId} - ${gapText}) = ${below.toFixed(4)} > ${probability} with ${modelEvidence.effectiveCount.toFixed(1)} and ${baselineEvidence.effectiveCount.toFixed(1)} effective observations (minimum ${minEffectiveObservations})`,
        model: modelEvidence,
        baseline: baselineEvidence,
        probabilityBelow: below,
        threshold: probability,
        minGap,
        ...(value !== null && { answerValueUsd: value, gap }),
        minEffectiveObservations,
        halfLifeMs: this.config.halfLifeMs,
        baselinePolicy: baseline.policy,
      };
      decisions.push({
        id: newLearningDecisionId(this.now()),
        kind: "demote",
        route,
        domain: domainKey === ROUTE_WIDE ? null : domainKey,
        modelId,
        baselineModelId: baseline.modelId,
        at: new Date(at).toISOString(),
        recordedAt: new Date(this.now()).toISOString(),
        actor: "learner",
        note: null,
        evidence,
      });
    }
    return decisions;
  }

  private posteriorEvidence(
    modelId: string,
    aggregate: DecayedBeta,
    atMs: number,
  ): PosteriorEvidence {
    const decayed = decayTo(aggregate, atMs, this.halfLifeMs);
    const { alpha, beta } = posteriorParameters(decayed, this.config.prior);
    return {
      modelId,
      mean: betaMean(alpha, beta),
      effectiveCount: effectiveCount(decayed),
      observations: decayed.observations,
      alpha,
      beta,
      meanCostUsd: meanCost(decayed),
    };
  }

  // ---------------------------------------------------------------- reading and operating

  standings(route?: string): ModelStanding[] {
    const nowMs = this.now();
    const result: ModelStanding[] = [];
    const routes = route === undefined ? [...this.evidence.keys()].sort() : [route];
    for (const routeName of routes) {
      const domains = this.evidence.get(routeName);
      if (!domains) continue;
      for (const domainKey of [...domains.keys()].sort()) {
        for (const [modelId, entry] of domains.get(domainKey) ?? []) {
          const decayed = decayTo(entry.aggregate, nowMs, this.halfLifeMs);
          const { alpha, beta } = posteriorParameters(decayed, this.config.prior);
          result.push({
            route: routeName,
            modelId,
            domain: domainKey === ROUTE_WIDE ? null : domainKey,
            mean: betaMean(alpha, beta),
            effectiveCount: effectiveCount(decayed),
            meanCostUsd: meanCost(decayed),
            demoted: this.isDemoted(routeName, domainKey, modelId),
          });
        }
      }
    }
    return result;
  }

  /** Current demotions with the decisions that made them. */
  demotions(route?: string): LearningDecision[] {
    return [...this.demoted.entries()]
      .filter(([demotionKey]) => route === undefined || demotionKey.startsWith(`${route}\u0000`))
      .map(([, decisionId]) => this.store.decision(decisionId))
      .filter((decision): decision is LearningDecision => decision !== undefined);
  }

  /** Stored decisions (demotions and reinstatements), most recently written first. */
  decisions(filter: { route?: string; limit?: number } = {}): LearningDecision[] {
    return this.store.decisions(filter);
  }

  decisionsLater(filter: { route?: string; limit?: number } = {}): Promise<LearningDecision[]> {
    return this.store.decisionsLater(filter);
  }

  /**
   * An operator demotes a model (issue 6: an approved review item), as the learner's own
   * demotion does: it leaves greedy and Thompson picks in that domain (route-wide when `domain`
   * is null) and keeps floor draws unless `demotedTraffic` is `none`, until reinstated.
   * Recorded as a `demote` decision with the actor, the note and the standings at that moment.
   * Idempotent: demoting a model already demoted there returns the decision that demoted it.
   */
  demote(
    route: string,
    modelId: string,
    domain: string | null = null,
    options: { actor?: string; note?: string } = {},
  ): LearningDecision {
    const domainKey = domain || ROUTE_WIDE;
    return this.store.writing(() => {
      this.catchUp();
      const existing = this.demoted.get(key(route, domainKey, modelId));
      const stored = existing === undefined ? undefined : this.store.decision(existing);
      if (stored !== undefined) return stored;
      const baselineId = this.config.baseline.models[route] ?? this.routeRow(route)?.candidates[0];
      const decision = this.operatorDecision(
        "demote",
        route,
        domainKey,
        modelId,
        baselineId === undefined || baselineId === modelId ? null : baselineId,
        options,
      );
      this.store.commitDemotion(decision);
      this.demoted.set(key(route, domainKey, modelId), decision.id);
      this.#generation++;
      return decision;
    });
  }

  /**
   * An operator lifts a demotion. Recorded as a `reinstate` decision with the standings at that
   * moment; the model then needs `minEffectiveObservations` new outcomes in that domain before
   * it can be demoted again.
   */
  reinstate(
    route: string,
    modelId: string,
    domain: string | null = null,
    options: { actor?: string; note?: string } = {},
  ): LearningDecision {
    const domainKey = domain || ROUTE_WIDE;
    return this.store.writing(() => {
      this.catchUp();
      return this.reinstateNow(route, modelId, domainKey, domain, options);
    });
  }

  private reinstateNow(
    route: string,
    modelId: string,
    domainKey: string,
    domain: string | null,
    options: { actor?: string; note?: string },
  ): LearningDecision {
    const demotionId = this.demoted.get(key(route, domainKey, modelId));
    if (demotionId === undefined) {
      throw new ModelScoutError(
        "NOT_FOUND",
        `Model ${modelId} is not demoted on route "${route}"${domain ? ` in domain "${domain}"` : ""}; list demotions to see what can be reinstated.`,
        { details: { route, modelId, domain } },
      );
    }
    const demotion = this.store.decision(demotionId);
    const decision = this.operatorDecision(
      "reinstate",
      route,
      domainKey,
      modelId,
      demotion?.baselineModelId ?? null,
      options,
    );
    const entry = this.evidence.get(route)?.get(domainKey)?.get(modelId);
    const row: AggregateRow | undefined = entry && {
      route,
      modelId,
      domainKey,
      aggregate: entry.aggregate,
      observationsAtReinstatement: entry.aggregate.observations,
    };
    this.store.commitReinstatement(decision, row);
    this.demoted.delete(key(route, domainKey, modelId));
    if (row) this.setEntry(row);
    this.#generation++;
    return decision;
  }

  /** An operator's demote or reinstate decision, with the model's and the baseline's standings now. */
  private operatorDecision(
    kind: "demote" | "reinstate",
    route: string,
    domainKey: string,
    modelId: string,
    baselineId: string | null,
    options: { actor?: string; note?: string },
  ): LearningDecision {
    const nowMs = this.now();
    const evidenceOf = (id: string | null) => {
      const entry = id === null ? undefined : this.evidence.get(route)?.get(domainKey)?.get(id);
      return entry && id !== null ? this.posteriorEvidence(id, entry.aggregate, nowMs) : null;
    };
    return {
      id: newLearningDecisionId(nowMs),
      kind,
      route,
      domain: domainKey === ROUTE_WIDE ? null : domainKey,
      modelId,
      baselineModelId: baselineId,
      at: new Date(nowMs).toISOString(),
      recordedAt: new Date(nowMs).toISOString(),
      actor: options.actor ?? "operator",
      note: options.note ?? null,
      evidence: { model: evidenceOf(modelId), baseline: evidenceOf(baselineId) },
    };
  }

  /** The outcome log (all, or one request's), oldest first. */
  outcomes(filter: { requestId?: string } = {}) {
    return this.store.outcomes(filter);
  }

  /**
   * Recomputes the posteriors (and the costs beside them) from the outcome log and compares
   * them with the stored ones; returns the keys that disagree (empty when the database is
   * consistent).
   */
  verifyAggregates(tolerance = 1e-6): string[] {
    const stored = new Map(
      this.store
        .loadAggregates()
        .map((row) => [key(row.route, row.domainKey, row.modelId), row.aggregate]),
    );
    const mismatches: string[] = [];
    const rebuilt = this.store.rebuildAggregates(this.halfLifeMs, false);
    for (const row of rebuilt) {
      const rowKey = key(row.route, row.domainKey, row.modelId);
      const saved = stored.get(rowKey) ?? EMPTY_DECAYED_BETA;
      stored.delete(rowKey);
      const at = Math.max(saved.updatedAtMs, row.aggregate.updatedAtMs);
      const a = decayTo(saved, at, this.halfLifeMs);
      const b = decayTo(row.aggregate, at, this.halfLifeMs);
      const differs = (x: number, y: number) => Math.abs(x - y) > tolerance * Math.max(1, y);
      if (
        a.observations !== b.observations ||
        differs(a.successes, b.successes) ||
        differs(a.failures, b.failures) ||
        differs(a.costWeight, b.costWeight) ||
        differs(a.costMass, b.costMass)
      ) {
        mismatches.push(rowKey.replaceAll("\u0000", " / "));
      }
    }
    for (const [rowKey, saved] of stored) {
      if (saved.observations !== 0) mismatches.push(rowKey.replaceAll("\u0000", " / "));
    }
    return mismatches;
  }
}
