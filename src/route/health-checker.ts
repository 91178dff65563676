/**
 * @module
 * Active health checks: every `intervalMs` each model whose backend can be asked
 * (`doHealthCheck`: the OpenAI-compatible servers) is asked, all at once, within
 * `timeoutMs`. After `unhealthyThreshold` failed checks in a row its breaker is held open
 * (`CircuitBreaker.markUnhealthy`), so requests go straight to the next candidate instead of
 * each waiting for the dead server to time out; after `healthyThreshold` passed checks in a
 * row it is let go again, without a user's request as the trial. The breakers stay the judge
 * of live calls: a server that answers health checks but fails requests is still opened by
 * its breaker.
 *
 * A check runs only when the last one is over, so a slow server is never asked twice at
 * once. The timer does not keep the process alive.
 */
import type { ModelBackend } from "../backends/model-backend.js";
import { errorMessage } from "../errors/error-message.js";
import type { CircuitBreaker } from "./circuit-breaker.js";

export interface HealthCheckSettings {
  /** Between the start of one round and the next. */
  intervalMs: number;
  /** A check that takes longer fails. */
  timeoutMs: number;
  /** Failed checks in a row that mark a model unhealthy. */
  unhealthyThreshold: number;
  /** Passed checks in a row that mark it healthy again. */
  healthyThreshold: number;
}

export interface ModelHealth {
  /** `unchecked` until the first check ends. */
  state: "healthy" | "unhealthy" | "unchecked";
  /** When the last check ended (ISO 8601). */
  checkedAt: string | null;
  /** The last failed check's reason, while it is the latest word. */
  error: string | null;
  consecutiveFailures: number;
  consecutivePasses: number;
}

export interface CheckedModel {
  id: string;
  backend: ModelBackend;
  breaker: CircuitBreaker;
}

export class HealthChecker {
  readonly #settings: HealthCheckSettings;
  readonly #models: readonly (CheckedModel & {
    check: NonNullable<ModelBackend["doHealthCheck"]>;
  })[];
  readonly #health = new Map<string, ModelHealth>();
  readonly #now: () => Date;
  readonly #onChange: ((id: string, health: ModelHealth) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;

  /** `onChange` hears of each model whose `state` changed (its health, a copy). */
  constructor(
    models: readonly CheckedModel[],
    settings: HealthCheckSettings,
    now: () => Date = () => new Date(),
    onChange?: (id: string, health: ModelHealth) => void,
  ) {
    this.#settings = settings;
    this.#now = now;
    this.#onChange = onChange;
    this.#models = models.flatMap((model) => {
      const check = model.backend.doHealthCheck?.bind(model.backend);
      // biome-ignore lint/plugin/no-spread-then-field: once per checker
      return check === undefined ? [] : [{ ...model, check }];
    });
    for (const model of this.#models) {
      this.#health.set(model.id, {
        state: "unchecked",
        checkedAt: null,
        error: null,
        consecutiveFailures: 0,
        consecutivePasses: 0,
      });
    }
  }

  /** Ids of the models that are checked. */
  get checked(): string[] {
    return this.#models.map((model) => model.id);
  }

  /**
   * Starts the rounds, the first after one interval: loading the models has just reached
   * each server (`load`), so an immediate round would learn nothing new.
   */
  start(): void {
    if (this.#models.length === 0 || this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => {
      if (this.#round === undefined) void this.checkNow();
    }, this.#settings.intervalMs);
    this.#timer.unref();
  }

  /** Stops the rounds and waits for one in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }

  /** One round now (or the one in progress): every checked model, at once. */
  checkNow(): Promise<void> {
    this.#round ??= Promise.all(this.#models.map((model) => this.#checkOne(model))).then(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  /** Each checked model's health. */
  status(): Record<string, ModelHealth> {
    return Object.fromEntries([...this.#health].map(([id, health]) => [id, { ...health }]));
  }

  async #checkOne(
    model: CheckedModel & { check: NonNullable<ModelBackend["doHealthCheck"]> },
  ): Promise<void> {
    let failure: string | null = null;
    try {
      await model.check({ timeoutMs: this.#settings.timeoutMs });
    } catch (error) {
      failure = errorMessage(error);
    }
    if (this.#stopped) return;
    const health = this.#health.get(model.id) as ModelHealth;
    const before = health.state;
    this.#record(model, health, failure);
    if (health.state !== before) {
      try {
        this.#onChange?.(model.id, { ...health });
      } catch {
        // A listener (a dashboard's change feed) must not stop the checks.
      }
    }
  }

  #record(model: CheckedModel, health: ModelHealth, failure: string | null): void {
    health.checkedAt = this.#now().toISOString();
    if (failure === null) {
      health.consecutivePasses += 1;
      health.consecutiveFailures = 0;
      if (
        health.state !== "healthy" &&
        health.consecutivePasses >= this.#settings.healthyThreshold
      ) {
        health.state = "healthy";
        health.error = null;
        model.breaker.markHealthy();
      } else if (health.state === "unchecked") {
        health.state = "healthy";
      }
      return;
    }
    health.consecutiveFailures += 1;
    health.consecutivePasses = 0;
    health.error = failure;
    if (health.consecutiveFailures >= this.#settings.unhealthyThreshold) {
      health.state = "unhealthy";
      model.breaker.markUnhealthy(failure);
    }
  }
}
