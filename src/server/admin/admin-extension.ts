/**
 * @module
 * Monitoring, the admin API, `/metrics` and the dashboard, as one extension of the routing
 * server (`startRoutingServer({ extend })`): it builds the alert engine and review queue on
 * the server's state database, observes every logged request and stored feedback, reads
 * finished selection decisions, mounts the admin routes, and on close ends the event streams,
 * folds what is queued and closes the catalog if it opened it.
 *
 * Access is checked before anything is built: without a token the server must listen on a
 * loopback address (`admin-access.ts`).
 */
import type { CatalogStore } from "../../catalog/catalog-store.js";
import { openCatalog } from "../../catalog/open-catalog.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { AlertLogEntry } from "../../monitor/alert-engine.js";
import type { AlertRule } from "../../monitor/alert-rules.js";
import { exampleAlertRules } from "../../monitor/example-alert-rules.js";
import { createRedactor } from "../../privacy/redact-personal-data.js";
import {
  type RedactionConfig,
  type ResolvedRedactionConfig,
  resolveRedactionConfig,
} from "../../privacy/redaction-config.js";
import { RoutesInService } from "../../route/learning/routes-in-service.js";
import { DecisionStore } from "../../select/decision-store.js";
import {
  describeReload,
  type RoutingServerExtension,
  type RoutingServerParts,
} from "../start-routing-server.js";
import { type AdminAccess, createAdminAccess } from "./admin-access.js";
import { type ConfigReloadStatus, mountAdminRoutes } from "./admin-routes.js";
import { learnerRoutingControl } from "./learner-routing-control.js";
import { createServerMonitoring, type ServerMonitoring } from "./server-monitoring.js";

export interface AdminExtensionOptions {
  /** The admin token; null leaves the admin side open, allowed only on loopback addresses. */
  token: string | null;
  /** Alert rules. Default: the shipped example (`review-on-drop`). */
  rules?: readonly AlertRule[];
  /** The redaction setting in force (shown in the overview, applied to review comments). */
  redaction?: RedactionConfig;
  /** The catalog for catalog search. Default: opened on first search, closed with the server. */
  catalog?: () => Promise<CatalogStore>;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  log?: (entry: AlertLogEntry) => void;
  webhookRetry?: { baseDelayMs?: number; maxDelayMs?: number };
  batchIntervalMs?: number;
  decisionPollIntervalMs?: number;
  eventsCoalesceMs?: number;
  /** `/metrics` from this server's own exposition (`AdminRoutesOptions.metricsText`). */
  metricsText?: (own: string) => Promise<string>;
  now?: () => Date;
}

export interface AdminExtension {
  /** Pass as `startRoutingServer({ extend })`. */
  extend(parts: RoutingServerParts): RoutingServerExtension;
  /** The monitoring of the server it extended (after start). */
  readonly monitoring: ServerMonitoring | undefined;
  readonly redaction: ResolvedRedactionConfig;
  /**
   * Puts another admin token in force (`AdminAccess.useToken`): dashboard sessions must log
   * in again. Throws, keeping the token in force, before the server started, for a token too
   * short, or when the server was started without one.
   */
  useAdminToken(token: string): void;
}

export function createAdminExtension(options: AdminExtensionOptions): AdminExtension {
  const redaction = resolveRedactionConfig(options.redaction);
  let monitoring: ServerMonitoring | undefined;
  let started: AdminAccess | undefined;
  return {
    redaction,
    get monitoring() {
      return monitoring;
    },
    useAdminToken(token) {
      if (started === undefined) {
        throw new ModelScoutError("INVALID_ARGUMENT", "The admin side has not started yet.");
      }
      started.useToken(token);
    },
    extend(parts) {
      const access = createAdminAccess({ token: options.token, host: parts.host });
      const learner = parts.learner;
      started = access;
      const active = createServerMonitoring({
        database: parts.database,
        rules: options.rules ?? exampleAlertRules(),
        routingControl: learnerRoutingControl({
          config: () => parts.config,
          learner: parts.learner,
          switches: parts.switches,
          knowsModel: (id) => parts.router.registry.get(id) !== undefined,
        }),
        redactor: createRedactor({ enabled: redaction.enabled, types: [...redaction.types] }),
        ...(learner !== undefined && { learnerStandings: () => learner.standings() }),
        routesInService: () => RoutesInService.of(parts.config),
        ...(learner?.staleReadAheads !== undefined && {
          learnerStaleReadAheads: () => learner.staleReadAheads ?? 0,
        }),
        sessions: () => parts.sessions.size,
        modelStates: () =>
          Object.fromEntries(
            Object.entries(parts.router.health().models).map(([model, state]) => [
              model,
              {
                available: state.breaker.state !== "open",
                inFlight: state.load.inFlight,
                loaded: state.loaded,
                ...(state.health !== undefined &&
                  state.health.state !== "unchecked" && {
                    healthy: state.health.state === "healthy",
                  }),
              },
            ]),
          ),
        ...(options.log !== undefined && { log: options.log }),
        ...(options.fetch !== undefined && { fetch: options.fetch }),
        ...(options.webhookRetry !== undefined && { webhookRetry: options.webhookRetry }),
        ...(options.batchIntervalMs !== undefined && { batchIntervalMs: options.batchIntervalMs }),
        ...(options.decisionPollIntervalMs !== undefined && {
          decisionPollIntervalMs: options.decisionPollIntervalMs,
        }),
        ...(options.now !== undefined && { now: options.now }),
      });
      monitoring = active;
      // A health check's verdict redraws the dashboard's Models section, traffic or not.
      const stopHearingHealth = parts.router.onModelHealthChange(() =>
        active.notifyAvailabilityChange(),
      );
      // So do idle models unloaded and loaded again (ADR 0099).
      const stopHearingLoads = parts.router.onModelLoadChange(() =>
        active.notifyAvailabilityChange(),
      );
      const decisions = DecisionStore.open({ database: parts.database });
      let opened: Promise<CatalogStore> | undefined;
      const catalog =
        options.catalog ??
        (() => {
          opened ??= openCatalog({ ...(options.env !== undefined && { env: options.env }) });
          // A failed open is retried on the next search.
          opened.catch(() => {
            opened = undefined;
          });
          return opened;
        });
      let routes: ReturnType<typeof mountAdminRoutes> | undefined;
      let lastReload: ConfigReloadStatus | null = null;
      return {
        observer: {
          requestLogged: (row, decision) => active.requestLogged(row, decision),
          feedbackStored: (feedback, request) => active.feedbackStored(feedback, request),
        },
        mount(app) {
          routes = mountAdminRoutes(app, {
            access,
            monitoring: active,
            store: parts.store,
            config: () => parts.config,
            lastReload: () => lastReload,
            learner: parts.learner,
            health: () => parts.router.health(),
            decisions,
            catalog,
            redaction,
            ...(options.eventsCoalesceMs !== undefined && {
              eventsCoalesceMs: options.eventsCoalesceMs,
            }),
            ...(options.metricsText !== undefined && { metricsText: options.metricsText }),
            ...(options.now !== undefined && { now: options.now }),
          });
        },
        reloaded(outcome) {
          active.metrics.observeReload(outcome.applied);
          lastReload = {
            at: (options.now?.() ?? new Date()).toISOString(),
            applied: outcome.applied,
            message: outcome.applied
              ? describeReload(outcome.result)
              : outcome.error instanceof Error
                ? outcome.error.message
                : String(outcome.error),
            cause: outcome.cause,
          };
        },
        beforeClose() {
          routes?.closeStreams();
        },
        async close() {
          stopHearingHealth();
          stopHearingLoads();
          await active.close();
          if (opened !== undefined) {
            const store = await opened.catch(() => undefined);
            store?.close();
          }
        },
      };
    },
  };
}
