/**
 * @module
 * Starts the routing server on Node: opens (or takes) the state database, builds the router
 * for a routes config, loads the models and embeds the classification examples, gives the
 * learner any feedback it has not seen, and listens. `close()` stops listening, answers the
 * requests in flight (each keep-alive connection is closed once its answer is out), flushes
 * the request log, ends isolated model processes and closes the database if it opened it.
 *
 * Models are loaded before the port opens, so the first request does not pay for loading;
 * a model that fails to load does not stop the server (its route falls back, `/ready`
 * names it). Once listening, the active health checks of models behind servers start
 * (`route/health-checker.ts`).
 *
 * `reload(config)` swaps in a router for another routes config while serving (ADR 0046):
 * models declared the same way are taken over loaded, requests already routed finish on the
 * old router, and a config that is invalid or changes a setting that takes a restart is
 * refused with the old one still serving.
 *
 * It also sets how V8 collects the young generation in this process (`server.young_gc`,
 * serial by default: `young-gc.ts`, ADR 0041), a setting of the whole process.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { ModelBackend } from "../backends/model-backend.js";
import type { ModelRecord } from "../catalog/model-record.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { listenServer } from "../http/listen-server.js";
import { RoutesInService } from "../route/learning/routes-in-service.js";
import { parseThompsonLearnerConfig } from "../route/learning/thompson-learner-config.js";
import {
  type RequestLogRetention,
  startRequestLogRetention,
} from "../route/request-log-retention.js";
import type { RouteLearner } from "../route/route-learner.js";
import { RouteSwitches } from "../route/route-switches.js";
import { createRouter, type Router, type RouterHealth } from "../route/router.js";
import type { RoutesConfig } from "../route/routes-config.js";
import { RoutingStore } from "../route/routing-store.js";
import { SessionAffinity } from "../route/session-affinity.js";
import { type SharedStateSync, startSharedStateSync } from "../route/shared-state-sync.js";
import {
  type BackgroundCheckpoints,
  startBackgroundCheckpoints,
} from "../state/background-checkpoints.js";
import { hasNoFile } from "../state/sqlite-worker.js";
import { openStateDatabase, type StateDatabase } from "../state/state-database.js";
import { corsListener } from "./cors.js";
import {
  createRoutingHttp,
  type RedactText,
  type RoutingObserver,
  replayUnappliedFeedback,
} from "./create-routing-app.js";
import { nodeRoutedListener } from "./node-routed-listener.js";
import { applyYoungGcMode } from "./young-gc.js";

/**
 * What an extension of the server (monitoring, admin API, dashboard) is built from. `config`
 * and `router` are the ones in force when read: read them when used, not once, as a reload
 * replaces both.
 */
export interface RoutingServerParts {
  readonly config: RoutesConfig;
  database: StateDatabase;
  store: RoutingStore;
  readonly router: Router;
  learner: RouteLearner | undefined;
  /** Operator route switches (approved `change_route` review items), in the same state.db. */
  switches: RouteSwitches;
  /** The sessions' routes and models (session affinity, ADR 0054). */
  sessions: SessionAffinity;
  /** The address the server will listen on. */
  host: string;
}

/** Adds to the server: an observer of requests and feedback, routes, and a shutdown step. */
export interface RoutingServerExtension {
  observer?: RoutingObserver;
  /** Adds routes to the app before it listens. */
  mount?(app: Hono): void;
  /**
   * Told of each reload of the routes config: its result, or why it was refused, and what
   * asked for it (`ReloadOptions.cause`; null when the caller did not say).
   */
  reloaded?(
    outcome: ({ applied: true; result: RoutingReload } | { applied: false; error: unknown }) & {
      cause: string | null;
    },
  ): void;
  /** Run first by `close()`: end long-lived responses (server-sent events) so closing can finish. */
  beforeClose?(): void | Promise<void>;
  /** Run by `close()` after the server stops listening, before the database closes. */
  close?(): void | Promise<void>;
}

export interface RoutingServerOptions {
  config: RoutesConfig;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** An open state database; otherwise one is opened at `databasePath` (default `state.db` under MODELSCOUT_HOME). */
  database?: StateDatabase;
  databasePath?: string;
  /** The learning policy for `bandit` routes (and standings for every route). */
  learner?: RouteLearner;
  /** Builds the learner once the database is open (when it needs the same database). */
  createLearner?: (database: StateDatabase) => RouteLearner;
  /**
   * Keys a client must send as `Authorization: Bearer` on `/v1/...` (`api-keys.ts`); none
   * or empty: the API is open.
   */
  apiKeys?: readonly string[];
  /** Applied to texts before they are stored in the request log; default keeps them. */
  redactText?: RedactText;
  lookupModel?: (id: string) => Promise<ModelRecord | null>;
  backends?: ReadonlyMap<string, ModelBackend>;
  /**
   * Whether catalog models run in child processes when the config does not say (a model's
   * `isolated`); default true. `modelscout serve --edge` passes false (ADR 0098).
   */
  isolateModels?: boolean;
  /**
   * Milliseconds a catalog model stays loaded after its last call, instead of the config's
   * `server.unload_idle_seconds`, across reloads (`serve --unload-idle`, ADR 0099).
   */
  unloadIdleMs?: number;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  random?: () => number;
  /** Request-log batching (see `routing-store.ts`). */
  logFlushIntervalMs?: number;
  /** How often to read what other servers wrote to the state file (ADR 0060); default 1000 ms. */
  sharedStateSyncMs?: number;
  /**
   * Built once the database, store, router and learner exist, before the port opens (see
   * `server/admin/`); may refuse to start by throwing.
   */
  extend?: (parts: RoutingServerParts) => RoutingServerExtension | Promise<RoutingServerExtension>;
}

/** What `RoutingServer.reload` changed. */
export interface RoutingReload {
  /** The routes now served. */
  routes: string[];
  /** Models served on as they were: loaded, with their circuit breakers and calls in flight. */
  kept: string[];
  /** Models built for the new config: new ids, or ids declared differently (or with another deadline). */
  loaded: string[];
  /** Models the new config no longer has; each is unloaded once its calls in flight end. */
  removed: string[];
  /** The new router's health after loading (what failed to load). */
  health: RouterHealth;
  /** Whether the learner took other `learning` settings (`RouteLearner.reconfigure`). */
  learning?: boolean;
}

export interface ReloadOptions {
  /**
   * What asked for the reload, for the extensions (the dashboard shows it): e.g. `SIGHUP`, or
   * the decision a `decision:latest` reference moved to (`route/decision-follower.ts`).
   */
  cause?: string;
}

/** `routes a, b; models kept ...; loaded ...; removed ...`: what the CLI and the dashboard say of a reload. */
export function describeReload(result: RoutingReload): string {
  const list = (ids: readonly string[]) => (ids.length === 0 ? "none" : ids.join(", "));
  return `routes ${result.routes.join(", ")}; models kept ${list(result.kept)}; loaded ${list(result.loaded)}; removed ${list(result.removed)}${result.learning === true ? "; the learner took the new learning settings" : ""}`;
}

/**
 * `server` settings a reload cannot change: the HTTP server, the request log and the
 * process's collector are set up once. (Circuit breakers and health checks take new settings.)
 */
const RESTART_ONLY_SETTINGS = [
  ["maxBodyBytes", "server.max_body_bytes"],
  ["maxImagePixels", "server.max_image_pixels"],
  ["logTextChars", "server.log_text_chars"],
  ["logWriterPriority", "server.log_writer_priority"],
  ["logRetentionDays", "server.log_retention_days"],
  ["keepAliveTimeoutMs", "server.keep_alive_timeout_ms"],
  ["youngGc", "server.young_gc"],
] as const;

/**
 * The settings of `next` that differ from `current` and take a restart, as written in a
 * config: `learning` only with a learner that cannot be reconfigured while serving.
 */
function restartOnlyChanges(
  current: RoutesConfig,
  next: RoutesConfig,
  learning: { changed: boolean; reconfigurable: boolean },
): string[] {
  const changed: string[] = RESTART_ONLY_SETTINGS.filter(
    ([key]) => current.server[key] !== next.server[key],
  ).map(([, field]) => field);
  if (learning.changed && !learning.reconfigurable) changed.push("learning");
  return changed;
}

/**
 * Whether the `learning` sections differ, compared with their defaults filled in and keys in
 * order: the same settings written differently (or left to their defaults) are no change.
 */
function learningChanged(current: RoutesConfig, next: RoutesConfig): boolean {
  const learning = (config: RoutesConfig) =>
    sortedJson(parseThompsonLearnerConfig(config.learning));
  return learning(current) !== learning(next);
}

/** JSON with every object's keys in order. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) =>
    entry !== null && typeof entry === "object" && !Array.isArray(entry)
      ? Object.fromEntries(
          Object.entries(entry as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : entry,
  );
}

export interface RoutingServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The router serving now (another one after each `reload`). */
  readonly router: Router;
  readonly app: Hono;
  readonly store: RoutingStore;
  readonly database: StateDatabase;
  /** Health after warm-up (what failed to load). */
  readonly startup: RouterHealth & { replayedFeedback: number };
  /**
   * Serves another routes config without a restart (what `modelscout serve` does on SIGHUP):
   * builds and loads a router for it beside the one serving, taking over every model declared
   * the same way (loaded, with its breaker and calls in flight), then sends every new request
   * to it. Requests already routed finish on the old router, whose other models are unloaded
   * once their calls end. A config that fails validation, a model that cannot be built, or a
   * change to a setting that takes a restart (`server.max_body_bytes`, `log_text_chars`,
   * `log_writer_priority`, `log_retention_days`, `keep_alive_timeout_ms`, `young_gc`, and
   * `learning` when the learner has no `reconfigure`) rejects the reload with the field
   * named, and the old config goes on serving. A learner with `reconfigure` (the Thompson
   * learner) takes the new `learning` settings as the new router goes in. A model that fails to
   * load does not (as at start-up: its route falls back; `health` names it). Reloads run one
   * at a time; `close()` stops one still loading.
   */
  reload(config: RoutesConfig, options?: ReloadOptions): Promise<RoutingReload>;
  /**
   * Tells the extensions (`/metrics`, the dashboard) of a reload refused before a config
   * could be given to `reload`: the file could not be read or is not a valid routes config.
   */
  refuseReload(error: unknown, options?: ReloadOptions): void;
  /**
   * Replaces the API keys (`apiKeys`) without a restart: requests from then on need one of
   * `keys`. Only a server started with keys can rotate them; an empty list, or a key too
   * short to be safe, is refused and the keys in force stay.
   */
  useApiKeys(keys: readonly string[]): void;
  close(): Promise<void>;
}

export async function startRoutingServer(options: RoutingServerOptions): Promise<RoutingServer> {
  // The process's young-generation collections: serial unless the config says otherwise.
  applyYoungGcMode(options.config.server.youngGc);
  const ownsDatabase = options.database === undefined;
  const database =
    options.database ??
    // biome-ignore lint/plugin/no-spread-then-field: once per server
    openStateDatabase({
      ...(options.databasePath !== undefined && { path: options.databasePath }),
      ...(options.env !== undefined && { env: options.env }),
    });
  let router: Router | undefined;
  let extension: RoutingServerExtension | undefined;
  let checkpoints: BackgroundCheckpoints | undefined;
  let retention: RequestLogRetention | undefined;
  let sharedSync: SharedStateSync | undefined;
  let openedStore: RoutingStore | undefined;
  try {
    // Checkpoints off the request path: they were the request log's p99 (background-checkpoints.ts).
    checkpoints = startBackgroundCheckpoints(database);
    const store = new RoutingStore(database, {
      writerPriority: options.config.server.logWriterPriority,
      ...(options.logFlushIntervalMs !== undefined && {
        flushIntervalMs: options.logFlushIntervalMs,
      }),
    });
    openedStore = store;
    retention = startRequestLogRetention(database, {
      days: options.config.server.logRetentionDays,
      onError: (message) =>
        process.stderr.write(`modelscout serve: ${message} (tried again in 10 minutes)\n`),
    });
    const learner = options.learner ?? options.createLearner?.(database);
    const switches = new RouteSwitches(database);
    // Other servers may write the same state file (ADR 0060) or PostgreSQL schema (ADR 0068):
    // their feedback and switches. An in-memory database has no other writer to follow.
    sharedSync = hasNoFile(database)
      ? undefined
      : startSharedStateSync({
          learner,
          switches,
          ...(options.sharedStateSyncMs !== undefined && {
            intervalMs: options.sharedStateSyncMs,
          }),
          onError: (message) => process.stderr.write(`modelscout serve: ${message}\n`),
        });
    // One store for the server's lifetime: a reload keeps the sessions. Other servers on the
    // file may have answered a session's last turn: the shared request log says.
    const sessions = new SessionAffinity(
      hasNoFile(database)
        ? {}
        : {
            shared: {
              lastAnswered: (session, requested, task, sinceMs) =>
                store.lastSessionAnswer(session, requested, task, sinceMs),
            },
          },
    );
    /** A router for `config`, with this server's learner, switches, sessions and model sources. */
    const routerFor = (config: RoutesConfig, previous?: Router) =>
      createRouter({
        config,
        switches,
        sessions,
        ...(previous !== undefined && { previous }),
        ...(learner !== undefined && { learner }),
        ...(options.lookupModel !== undefined && { lookupModel: options.lookupModel }),
        ...(options.backends !== undefined && { backends: options.backends }),
        ...(options.env !== undefined && { env: options.env }),
        ...(options.fetch !== undefined && { fetch: options.fetch }),
        ...(options.random !== undefined && { random: options.random }),
        ...(options.isolateModels !== undefined && { isolateModels: options.isolateModels }),
        ...(options.unloadIdleMs !== undefined && { unloadIdleMs: options.unloadIdleMs }),
      });
    /**
     * Tells the learner which routes the config in service has (ADR 0083). A failed write costs
     * the CLI its marking of removed routes, not a start or a reload: said, not thrown.
     */
    const recordRoutesInService = (config: RoutesConfig) => {
      try {
        learner?.recordRoutesInService?.(RoutesInService.of(config));
      } catch (error) {
        process.stderr.write(
          `modelscout serve: the learner could not record the routes config in service (modelscout learner standings will not mark the routes it removed): ${errorMessage(error)}\n`,
        );
      }
    };
    router = await routerFor(options.config);
    const health = await router.warmUp();
    recordRoutesInService(router.config);
    const replayedFeedback =
      learner === undefined ? 0 : replayUnappliedFeedback(store, learner, router.config);
    const host = options.host ?? "127.0.0.1";
    let current: Router = router;
    extension = await options.extend?.({
      // Read when used: they change on a reload.
      get config() {
        return current.config;
      },
      get router() {
        return current;
      },
      database,
      store,
      learner,
      switches,
      sessions,
      host,
    });
    const { app, endpoints, useRouter, useApiKeys } = createRoutingHttp({
      router,
      store,
      ...(learner !== undefined && { learner }),
      ...(options.redactText !== undefined && { redactText: options.redactText }),
      ...(extension?.observer !== undefined && { observer: extension.observer }),
      ...(options.apiKeys !== undefined && { apiKeys: options.apiKeys }),
      stateSyncError: () => sharedSync?.lastError ?? null,
    });
    extension?.mount?.(app);
    // The routed endpoints are served without Hono (node-routed-listener.ts); the rest by the
    // app. Browser pages of `server.cors_origins` may call /v1 (cors.ts), as a reload sets them.
    const server = createServer(
      { keepAliveTimeout: options.config.server.keepAliveTimeoutMs },
      corsListener(
        nodeRoutedListener(endpoints, getRequestListener(app.fetch)),
        () => current.config.server.corsOrigins,
      ),
    );
    await listenServer(server, options.port ?? 8080, host);
    // After the port opens, so a check round never delays start-up.
    router.startHealthChecks();
    const address = server.address() as AddressInfo;
    const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const activeExtension = extension;
    let closing: Promise<void> | undefined;
    /** Old routers waiting for their calls in flight before unloading their models. */
    const retiring = new Set<Promise<void>>();
    const stopReloads = new AbortController();
    let reloads: Promise<unknown> = Promise.resolve();
    const report = (outcome: Parameters<NonNullable<RoutingServerExtension["reloaded"]>>[0]) => {
      try {
        activeExtension?.reloaded?.(outcome);
      } catch (error) {
        process.stderr.write(
          `modelscout serve: an extension failed to hear of a reload: ${errorMessage(error)}\n`,
        );
      }
    };
    const reloadNow = async (next: RoutesConfig): Promise<RoutingReload> => {
      if (closing !== undefined) {
        throw new ModelScoutError(
          "ABORTED",
          "The server is closing; the routes config was not reloaded.",
        );
      }
      const previous = current;
      const reconfigurable = learner?.reconfigure !== undefined;
      const relearn = learningChanged(previous.config, next);
      const changed = restartOnlyChanges(previous.config, next, {
        changed: relearn,
        reconfigurable,
      });
      if (changed.length > 0) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `Routes config: ${changed.join(", ")} changed, and ${changed.length === 1 ? "it takes" : "they take"} a restart to apply; the server goes on with the config it has. Restart it, or reload with ${changed.length === 1 ? "that setting" : "those settings"} as before.`,
          { details: { fields: changed } },
        );
      }
      const successor = await routerFor(next, previous);
      let health: RouterHealth;
      try {
        health = await successor.warmUp(stopReloads.signal);
      } catch (error) {
        await successor.registry.discard();
        throw error;
      }
      // The learner's new settings go in with the new router; if they cannot (a new half-life
      // whose recomputation fails), the reload is refused and the old config goes on.
      if (relearn) {
        try {
          learner?.reconfigure?.(next.learning ?? {});
        } catch (error) {
          await successor.registry.discard();
          throw error;
        }
      }
      useRouter(successor);
      current = successor;
      recordRoutesInService(successor.config);
      successor.startHealthChecks();
      const retirement = previous.retire(successor).catch((error: unknown) => {
        process.stderr.write(
          `modelscout serve: retiring the previous routes config failed: ${errorMessage(error)}\n`,
        );
      });
      retiring.add(retirement);
      void retirement.finally(() => retiring.delete(retirement));
      const kept = previous.registry.handedOverTo(successor.registry);
      const ids = new Set(successor.registry.ids());
      return {
        routes: next.routes.map((route) => route.name),
        kept,
        loaded: successor.registry.ids().filter((id) => !kept.includes(id)),
        removed: previous.registry.ids().filter((id) => !ids.has(id)),
        health,
        ...(relearn && { learning: true }),
      };
    };
    return {
      url: `http://${urlHost}:${address.port}`,
      port: address.port,
      get router() {
        return current;
      },
      app,
      store,
      database,
      // biome-ignore lint/plugin/no-spread-then-field: once per server
      startup: { ...health, replayedFeedback },
      useApiKeys,
      reload(next, options) {
        const cause = options?.cause ?? null;
        const run = reloads.then(() => reloadNow(next));
        run.then(
          (result) => report({ applied: true, result, cause }),
          (error: unknown) => report({ applied: false, error, cause }),
        );
        reloads = run.catch(() => {});
        return run;
      },
      refuseReload(error, options) {
        report({ applied: false, error, cause: options?.cause ?? null });
      },
      close() {
        closing ??= (async () => {
          stopReloads.abort(new ModelScoutError("ABORTED", "The server is closing."));
          await reloads;
          await activeExtension?.beforeClose?.();
          await new Promise<void>((resolve) => {
            // Requests in flight are answered; a keep-alive connection is closed as soon as
            // its answer is out (checked every 50 ms), not after its idle timeout, so a
            // restart waits only for the answers.
            const sweep = setInterval(() => server.closeIdleConnections(), 50);
            server.close(() => {
              clearInterval(sweep);
              resolve();
            });
            server.closeIdleConnections();
          });
          await activeExtension?.close?.();
          await current.stopHealthChecks();
          // Every request is answered by now: nothing is left for an old router to wait on.
          await Promise.allSettled(retiring);
          await retention?.stop();
          sharedSync?.stop();
          store.close();
          await current.registry.close();
          await checkpoints?.stop();
          if (ownsDatabase) database.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await extension?.close?.();
    await router?.registry.close();
    await retention?.stop();
    sharedSync?.stop();
    // Its writer thread would keep the process alive after a failed start (a port in use).
    openedStore?.close();
    await checkpoints?.stop();
    if (ownsDatabase) database.close();
    throw error;
  }
}
