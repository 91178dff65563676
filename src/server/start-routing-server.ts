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
 * It also sets how V8 collects the young generation in this process (`server.young_gc`,
 * serial by default: `young-gc.ts`, ADR 0041), a setting of the whole process.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import type { ModelBackend } from "../backends/model-backend.js";
import type { ModelRecord } from "../catalog/model-record.js";
import type { RouteLearner } from "../route/route-learner.js";
import { RouteSwitches } from "../route/route-switches.js";
import { createRouter, type Router, type RouterHealth } from "../route/router.js";
import type { RoutesConfig } from "../route/routes-config.js";
import { RoutingStore } from "../route/routing-store.js";
import {
  type BackgroundCheckpoints,
  startBackgroundCheckpoints,
} from "../state/background-checkpoints.js";
import { openStateDatabase, type StateDatabase } from "../state/state-database.js";
import {
  createRoutingHttp,
  type RedactText,
  type RoutingObserver,
  replayUnappliedFeedback,
} from "./create-routing-app.js";
import { nodeRoutedListener } from "./node-routed-listener.js";
import { applyYoungGcMode } from "./young-gc.js";

/** What an extension of the server (monitoring, admin API, dashboard) is built from. */
export interface RoutingServerParts {
  config: RoutesConfig;
  database: StateDatabase;
  store: RoutingStore;
  router: Router;
  learner: RouteLearner | undefined;
  /** Operator route switches (approved `change_route` review items), in the same state.db. */
  switches: RouteSwitches;
  /** The address the server will listen on. */
  host: string;
}

/** Adds to the server: an observer of requests and feedback, routes, and a shutdown step. */
export interface RoutingServerExtension {
  observer?: RoutingObserver;
  /** Adds routes to the app before it listens. */
  mount?(app: Hono): void;
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
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  random?: () => number;
  /** Request-log batching (see `routing-store.ts`). */
  logFlushIntervalMs?: number;
  /**
   * Built once the database, store, router and learner exist, before the port opens (see
   * `server/admin/`); may refuse to start by throwing.
   */
  extend?: (parts: RoutingServerParts) => RoutingServerExtension | Promise<RoutingServerExtension>;
}

export interface RoutingServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly router: Router;
  readonly app: Hono;
  readonly store: RoutingStore;
  readonly database: StateDatabase;
  /** Health after warm-up (what failed to load). */
  readonly startup: RouterHealth & { replayedFeedback: number };
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
  try {
    // Checkpoints off the request path: they were the request log's p99 (background-checkpoints.ts).
    checkpoints = startBackgroundCheckpoints(database);
    const store = new RoutingStore(database, {
      writerPriority: options.config.server.logWriterPriority,
      ...(options.logFlushIntervalMs !== undefined && {
        flushIntervalMs: options.logFlushIntervalMs,
      }),
    });
    const learner = options.learner ?? options.createLearner?.(database);
    const switches = new RouteSwitches(database);
    router = await createRouter({
      config: options.config,
      switches,
      ...(learner !== undefined && { learner }),
      ...(options.lookupModel !== undefined && { lookupModel: options.lookupModel }),
      ...(options.backends !== undefined && { backends: options.backends }),
      ...(options.env !== undefined && { env: options.env }),
      ...(options.fetch !== undefined && { fetch: options.fetch }),
      ...(options.random !== undefined && { random: options.random }),
    });
    const health = await router.warmUp();
    const replayedFeedback = learner === undefined ? 0 : replayUnappliedFeedback(store, learner);
    const host = options.host ?? "127.0.0.1";
    extension = await options.extend?.({
      config: options.config,
      database,
      store,
      router,
      learner,
      switches,
      host,
    });
    const { app, endpoints } = createRoutingHttp({
      router,
      store,
      ...(learner !== undefined && { learner }),
      ...(options.redactText !== undefined && { redactText: options.redactText }),
      ...(extension?.observer !== undefined && { observer: extension.observer }),
      ...(options.apiKeys !== undefined && { apiKeys: options.apiKeys }),
    });
    extension?.mount?.(app);
    // The routed endpoints are served without Hono (node-routed-listener.ts); the rest by the app.
    const server = createServer(
      { keepAliveTimeout: options.config.server.keepAliveTimeoutMs },
      nodeRoutedListener(endpoints, getRequestListener(app.fetch)),
    );
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 8080, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    // After the port opens, so a check round never delays start-up.
    router.startHealthChecks();
    const address = server.address() as AddressInfo;
    const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const activeRouter = router;
    const activeExtension = extension;
    let closing: Promise<void> | undefined;
    return {
      url: `http://${urlHost}:${address.port}`,
      port: address.port,
      router: activeRouter,
      app,
      store,
      database,
      // biome-ignore lint/plugin/no-spread-then-field: once per server
      startup: { ...health, replayedFeedback },
      close() {
        closing ??= (async () => {
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
          await activeRouter.stopHealthChecks();
          store.close();
          await activeRouter.registry.close();
          await checkpoints?.stop();
          if (ownsDatabase) database.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await extension?.close?.();
    await router?.registry.close();
    await checkpoints?.stop();
    if (ownsDatabase) database.close();
    throw error;
  }
}
