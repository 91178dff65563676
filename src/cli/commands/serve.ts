/**
 * @module
 * `modelscout serve [--config routes.yaml] [--port 8080] [--host 127.0.0.1]`: runs the
 * routing server until interrupted. Without `--config` it serves the bundled
 * customer-service example (`route/bundled/customer-service-routes.ts`). Models that are
 * not declared in the config or packaged in npm are looked up in the catalog, which is
 * opened only if needed. Feedback trains the Thompson-sampling learner
 * (`route/learning/`), which picks the model on `bandit` routes and keeps its state in the
 * same state database. The work is `server/start-routing-server.ts`; this parses flags,
 * prints where the server listens and what failed to load, and stops on SIGINT/SIGTERM
 * once the requests in flight are answered and logged. SIGHUP reads the API keys file, the
 * admin token file and `--alerts` again, then `--config`, and serves it without a restart (`decision:` references
 * resolved anew); whatever cannot be used is reported and what was in force goes on. `--follow-decisions` does that by itself
 * when a newer selection moves a `decision:latest` reference (`route/decision-follower.ts`,
 * ADR 0048).
 * Monitoring, the admin API, `/metrics` and the dashboard come with it
 * (`server/admin/admin-extension.ts`): `--alerts` names the alert rules, `--admin-token` (or
 * `MODELSCOUT_ADMIN_TOKEN`, or `MODELSCOUT_ADMIN_TOKEN_FILE`, read again on SIGHUP: ADR 0052)
 * guards them, `--redaction` sets what is removed from stored text.
 * `MODELSCOUT_API_KEYS` (comma-separated), or `MODELSCOUT_API_KEYS_FILE` (one per line, read
 * again on SIGHUP), guards the OpenAI-compatible API (`server/api-keys.ts`); without keys the
 * API is open, with a warning off loopback.
 * `--workers N` (or `auto`) runs N such servers as `node:cluster` workers on one port and one
 * state file, under a primary that passes SIGHUP on, stops them on SIGINT/SIGTERM and starts
 * a dead one again (`server/serve-cluster.ts`, ADR 0061).
 */
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { defineCommand } from "citty";
import type { CatalogStore } from "../../catalog/catalog-store.js";
import type { ModelRecord } from "../../catalog/model-record.js";
import { errorMessage } from "../../errors/error-message.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { parseRedactionConfig, type RedactionConfig } from "../../privacy/redaction-config.js";
import { CUSTOMER_SERVICE_ROUTES } from "../../route/bundled/customer-service-routes.js";
import {
  DecisionFollower,
  describeMoves,
  type FollowOutcome,
  isLatestReference,
  type MovedReference,
} from "../../route/decision-follower.js";
import {
  type DecisionLookup,
  type ResolvedReference,
  resolveDecisionReferences,
} from "../../route/decision-references.js";
import { IdleUnloadingBackend } from "../../route/idle-unloading-backend.js";
import { ThompsonRouteLearner } from "../../route/learning/thompson-route-learner.js";
import type { ModelRegistry } from "../../route/model-registry.js";
import {
  checkRoutesConfigFile,
  readRoutesConfig,
  routesConfigFileLines,
  routesConfigLines,
} from "../../route/read-routes-config.js";
import { resolveRoutesConfig } from "../../route/resolve-routes-config.js";
import { createRouter } from "../../route/router.js";
import {
  checkRoutesConfig,
  type RoutesConfig,
  type RoutesConfigCheck,
  routesConfigWarnings,
} from "../../route/routes-config.js";
import { DecisionStore } from "../../select/decision-store.js";
import {
  createAdminAccess,
  isLoopbackHost,
  readAdminTokenFile,
  resolveAdminTokenSource,
} from "../../server/admin/admin-access.js";
import { createAdminExtension } from "../../server/admin/admin-extension.js";
import { alertRuleWarnings } from "../../server/admin/alert-rule-warnings.js";
import { readAlertRulesFile } from "../../server/admin/read-alert-rules-file.js";
import {
  API_KEYS_ENV,
  API_KEYS_FILE_ENV,
  createApiAccess,
  readApiKeysFile,
  resolveApiKeySource,
} from "../../server/api-keys.js";
import { keepText, redactPersonalText } from "../../server/create-routing-app.js";
import {
  announceListening,
  onReloadFromPrimary,
  relayBreakerChanges,
  relayMonitoringChanges,
  runServePrimary,
  serveWorkerNumber,
  workerMetricsText,
} from "../../server/serve-cluster.js";
import {
  describeReload,
  type RoutingReload,
  startRoutingServer,
} from "../../server/start-routing-server.js";
import { openStateDatabase } from "../../state/state-database.js";
import { integerOption, numberOption, STATE_ARG } from "../cli-options.js";
import { openCatalog } from "../open-catalog.js";

/** The decision store as references read it, opened only if one needs it. */
function lazyDecisionStore(statePath: string | undefined): {
  decisions: DecisionLookup;
  close(): void;
} {
  let store: DecisionStore | undefined;
  const open = () => {
    store ??= DecisionStore.open(statePath === undefined ? {} : { path: statePath });
    return store;
  };
  return {
    decisions: { get: (id) => open().get(id), list: (options) => open().list(options) },
    close: () => store?.close(),
  };
}

/**
 * `decision:` model references become the stored decisions' winners
 * (`route/decision-references.ts`); the decision store is opened only if a reference needs it.
 * Each reference that cannot be resolved is named with its line.
 */
function withDecisionWinners(
  config: RoutesConfig,
  statePath: string | undefined,
): { config: RoutesConfig; resolved: ResolvedReference[] } {
  const store = lazyDecisionStore(statePath);
  try {
    return resolveDecisionReferences(config, store.decisions);
  } catch (error) {
    throw routesConfigLines(error, config);
  } finally {
    store.close();
  }
}

const BUNDLED_SOURCE = "(bundled customer-service example)";

/**
 * The routes config of `path` (the bundled example without one) with its `decision:`
 * references resolved; or an error naming, each with its line, every problem found before a
 * model is built: the config's own, the references that cannot be resolved, and the models
 * named by its parts that parsed that cannot be found (`resolveRoutesConfig`). The catalog is
 * opened only to look up a model of a config with problems, and closed again.
 */
async function servableRoutesConfig(
  path: string | undefined,
  statePath: string | undefined,
): Promise<{ source: RoutesConfig; config: RoutesConfig; resolved: ResolvedReference[] }> {
  const checked: RoutesConfigCheck & { directory?: string } =
    path === undefined
      ? checkRoutesConfig(CUSTOMER_SERVICE_ROUTES)
      : await checkRoutesConfigFile(path);
  const store = lazyDecisionStore(statePath);
  let catalog: CatalogStore | undefined;
  try {
    return await resolveRoutesConfig(checked, {
      source: path ?? BUNDLED_SOURCE,
      decisions: store.decisions,
      lookupModel: catalogLookup(async () => (catalog ??= await openCatalog())),
      ...(checked.directory !== undefined && { baseDirectory: checked.directory }),
    });
  } catch (error) {
    throw path === undefined ? error : routesConfigFileLines(error, path);
  } finally {
    catalog?.close();
    store.close();
  }
}

/** Seconds between two checks of `--follow-decisions`, unless `--follow-interval` says. */
const DEFAULT_FOLLOW_SECONDS = 30;

/** `--follow-interval` in milliseconds, or null without `--follow-decisions`. */
function followIntervalMs(follow: boolean, interval: string | undefined): number | null {
  const seconds = numberOption("follow-interval", interval);
  if (!follow) {
    if (seconds !== undefined) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        "--follow-interval sets how often --follow-decisions checks for new decisions; add --follow-decisions, or leave it out.",
      );
    }
    return null;
  }
  if (seconds !== undefined && !(seconds >= 1)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `--follow-interval must be at least 1 (seconds; got "${interval}").`,
    );
  }
  return (seconds ?? DEFAULT_FOLLOW_SECONDS) * 1000;
}

/** `--unload-idle`'s seconds as milliseconds: a whole number, 0 or more. */
function unloadIdleOption(value: string | undefined): number | undefined {
  const seconds = numberOption("unload-idle", value);
  if (seconds === undefined) return undefined;
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `--unload-idle must be a whole number of seconds, 0 or more (got "${value}"); 0 keeps models loaded.`,
    );
  }
  return seconds * 1000;
}

/** Refuses `--follow-decisions` on a config with nothing to follow, before any model loads. */
function checkFollowed(resolved: readonly ResolvedReference[], config: string | undefined): void {
  if (resolved.some((entry) => isLatestReference(entry.reference))) return;
  throw new ModelScoutError(
    "INVALID_ARGUMENT",
    `--follow-decisions: ${config === undefined ? "the bundled example (no --config)" : config} names no decision:latest or decision:latest:<task> model, so no selection could change what it serves. Name one where a model id goes (a route's candidates, a classifier step), or leave the flag out.`,
  );
}

/** What the dashboard and the log say asked for a reload that a new decision made. */
function followCause(moved: readonly MovedReference[]): string {
  return `new decision: ${moved.map((entry) => `${entry.reference} -> ${entry.to.model} (${entry.to.decisionId})`).join(", ")}`;
}

/** One line on stderr for each check of `--follow-decisions` that found something. */
function reportFollow(outcome: FollowOutcome): void {
  switch (outcome.kind) {
    case "unchanged":
      return;
    case "same-models":
      process.stderr.write(
        `Newer decisions pick the models already served; nothing to reload: ${describeMoves(outcome.moved)}\n`,
      );
      return;
    case "reloaded":
      return; // the reload says it
    case "busy":
      process.stderr.write(
        `A newer decision was found while another reload ran; it is tried again at the next check: ${describeMoves(outcome.moved)}\n`,
      );
      return;
    case "refused":
      return; // the reload says why; it is not tried again until another decision
    case "unresolved":
      process.stderr.write(
        `warning: --follow-decisions could not check the decisions; the server goes on as it is: ${errorMessage(outcome.error)}\n`,
      );
      return;
  }
}

/** Says which model each `decision:` reference became (on stderr, before the server's lines). */
function printResolved(resolved: readonly ResolvedReference[]): void {
  for (const entry of resolved) {
    process.stderr.write(
      `${entry.field}: ${entry.reference} -> ${entry.model} (winner of decision ${entry.decisionId}${entry.declaration === undefined ? "" : `; served as its task spec declares it, ${entry.declaration.kind} ${"base_url" in entry.declaration && entry.declaration.base_url !== undefined ? `at ${entry.declaration.base_url} ` : ""}model ${"api_model" in entry.declaration ? entry.declaration.api_model : entry.declaration.id}`})\n`,
    );
  }
}

export default defineCommand({
  meta: {
    name: "serve",
    description:
      "Run the routing server (OpenAI-compatible API; without --config, the bundled customer-service example)",
  },
  args: {
    config: {
      type: "string",
      description:
        "Routes config (.json, .yaml); see `modelscout schema routes`. SIGHUP reloads it without a restart",
    },
    port: { type: "string", description: "Port (default 8080; 0 picks a free one)" },
    host: { type: "string", description: "Address to listen on (default 127.0.0.1)" },
    state: STATE_ARG,
    alerts: {
      type: "string",
      description:
        "Alert rules file (.json; see `modelscout schema alerts`), read again on SIGHUP; default: the shipped review-on-drop rule",
    },
    "admin-token": {
      type: "string",
      description:
        "Token for the dashboard, /admin/api and /metrics (or MODELSCOUT_ADMIN_TOKEN, or a file named by MODELSCOUT_ADMIN_TOKEN_FILE, read again on SIGHUP; required unless --host is a loopback address)",
    },
    redaction: {
      type: "string",
      description:
        "Personal-data redaction of stored and logged text: on (default), off, or the types to remove (email,phone,card,id,iban,ip)",
    },
    "follow-decisions": {
      type: "boolean",
      description:
        "Serve a newer selection's winner without a restart: when a decision:latest reference in --config resolves to another model, reload as SIGHUP would",
    },
    "follow-interval": {
      type: "string",
      description: `Seconds between two checks of --follow-decisions (default ${DEFAULT_FOLLOW_SECONDS})`,
    },
    workers: {
      type: "string",
      description:
        "Server processes on the port, sharing --state (ADR 0061): a number, or auto for one per CPU (default 1)",
    },
    edge: {
      type: "boolean",
      description:
        "For a small device (a Raspberry Pi): catalog models run in the server's process instead of one child process each, unless the config sets a model's isolated (ADR 0098)",
    },
    "unload-idle": {
      type: "string",
      description:
        "Unload a catalog model no request has used for this many seconds, and load it again on its next request; 0 keeps models loaded (default: the config's server.unload_idle_seconds, 0; ADR 0099)",
    },
    check: {
      type: "boolean",
      description:
        "Check --config (and --alerts) as a start or a reload would, without loading a model or listening; a non-zero exit code names the problems",
    },
  },
  async run({ args }) {
    const followMs = followIntervalMs(args["follow-decisions"] === true, args["follow-interval"]);
    const unloadIdleMs = unloadIdleOption(args["unload-idle"]);
    if (args.check === true) {
      await checkConfig(args.config, args.alerts, args.state, followMs !== null);
      return;
    }
    const port = args.port === "0" ? 0 : (integerOption("port", args.port) ?? 8080);
    const host = args.host ?? "127.0.0.1";
    const workers = workersOption(args.workers);
    const { token, file: tokenFile } = resolveAdminTokenSource(args["admin-token"]);
    // Refuse an open admin side on a public address before spending time on models.
    createAdminAccess({ token, host });
    const { keys: apiKeys, file: apiKeysFile } = resolveApiKeySource();
    createApiAccess(apiKeys); // a key too short to be safe stops here, not after loading
    if (workers > 1 && cluster.isPrimary) {
      if (args.state === ":memory:") {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          "--workers needs a state file the workers share; --state :memory: is one per process. Name a file, or leave --state out.",
        );
      }
      // A config that cannot be read fails here once, not once per worker.
      if (args.config !== undefined) await readRoutesConfig(args.config);
      if (args.alerts !== undefined) await readAlertRulesFile(args.alerts);
      const code = await runServePrimary({ workers });
      if (code !== 0) process.exit(code);
      return;
    }
    const worker = serveWorkerNumber();
    // What `kill -HUP` is sent to: the primary, which passes it on to every worker.
    const controlPid = worker === null ? process.pid : process.ppid;
    if (apiKeys.length === 0 && !isLoopbackHost(host)) {
      process.stderr.write(
        `warning: the OpenAI-compatible API on ${host} is open to anyone who can reach it, and its requests spend the model servers' credentials; set ${API_KEYS_ENV} (comma-separated keys) or ${API_KEYS_FILE_ENV} (a file of keys, one per line) to require one.\n`,
      );
    }
    const redaction = redactionOption(args.redaction);
    const rules = args.alerts === undefined ? undefined : await readAlertRulesFile(args.alerts);
    const admin = createAdminExtension({
      token,
      redaction,
      ...(rules !== undefined && { rules }),
      // Under --workers a scrape of any worker covers them all.
      ...(worker !== null && {
        metricsText: workerMetricsText(
          worker,
          async () => (await admin.monitoring?.renderMetrics()) ?? "",
        ),
      }),
    });
    const { source, config, resolved } = await servableRoutesConfig(args.config, args.state);
    if (followMs !== null) checkFollowed(resolved, args.config);
    printResolved(resolved);
    // Opened only when a model is looked up in it, and closed once the models are built.
    let catalog: CatalogStore | undefined;
    const closeCatalog = () => {
      catalog?.close();
      catalog = undefined;
    };
    // A stray rejection in a model library must not end a server that serves other routes.
    process.on("unhandledRejection", (reason) => {
      process.stderr.write(
        `modelscout serve: unhandled rejection (server keeps running): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`,
      );
    });
    // A SIGHUP while the models load (a service manager's reload right after its start) must
    // not end the process, as the signal's default would: it is kept and run once serving.
    let hupWhileStarting = false;
    const hupEarly = () => {
      hupWhileStarting = true;
    };
    let reloadFromPrimary: (() => void) | undefined;
    if (worker === null) process.on("SIGHUP", hupEarly);
    else onReloadFromPrimary(() => (reloadFromPrimary ?? hupEarly)());
    process.stderr.write("Loading models and embedding the classification examples...\n");
    const server = await startRoutingServer({
      config: shareCaps(config, workers),
      port,
      ...(args.host !== undefined && { host: args.host }),
      ...(args.state !== undefined && { databasePath: args.state }),
      apiKeys,
      redactText: admin.redaction.enabled ? redactPersonalText(redaction) : keepText,
      extend: (parts) => admin.extend(parts),
      // The learning policy behind `bandit` routes; it keeps its state in the same state.db.
      createLearner: (database) => new ThompsonRouteLearner({ database, config: config.learning }),
      lookupModel: catalogLookup(async () => (catalog ??= await openCatalog())),
      ...(args.edge === true && { isolateModels: false }),
      ...(unloadIdleMs !== undefined && { unloadIdleMs }),
    })
      .catch((error: unknown) => {
        throw routesConfigLines(error, config);
      })
      .finally(closeCatalog);
    for (const [id, status] of Object.entries(server.startup.models)) {
      if (status.error !== null)
        process.stderr.write(`warning: ${id} did not load: ${status.error}\n`);
    }
    /** Rules that match a route the config in force does not have (ADR 0083); once, not per worker. */
    const warnAlertRules = () => {
      if (worker !== null && worker !== 1) return;
      for (const warning of alertRuleWarnings(
        admin.monitoring?.rules ?? [],
        server.router.config,
      )) {
        process.stderr.write(`warning: ${warning}\n`);
      }
    };
    if (worker === null || worker === 1) {
      for (const warning of routesConfigWarnings(config)) {
        process.stderr.write(`warning: ${warning}\n`);
      }
    }
    warnAlertRules();
    for (const step of server.startup.classification) {
      if (step.error !== undefined) {
        process.stderr.write(
          `warning: classification step ${step.step} (${step.kind}) is off: ${step.error}\n`,
        );
      }
    }
    const routes = config.routes.map((route) => route.name).join(", ");
    // Under --workers the first worker says it for all; the primary adds the workers' line.
    if (worker === null || worker === 1)
      process.stdout.write(
        `Routing server at ${server.url} (routes: ${routes}; config: ${args.config === undefined ? "bundled customer-service example" : `${args.config}, reloaded by kill -HUP ${controlPid}`})\n` +
          `OpenAI base URL: ${server.url}/v1 (model "auto", a route name or a model id; ${apiKeys.length === 0 ? "no API key needed" : `API key required: ${apiKeys.length} in ${apiKeysFile === null ? API_KEYS_ENV : `${apiKeysFile}, read again by kill -HUP ${controlPid}`}`})\n` +
          `Dashboard: ${server.url}/ (${token === null ? "no admin token: open to this machine only" : `log in with the admin token${tokenFile === null ? "" : ` in ${tokenFile}, read again by kill -HUP ${controlPid}`}`}); metrics: ${server.url}/metrics\n` +
          `Alert rules: ${(admin.monitoring?.rules ?? []).map((rule) => rule.id).join(", ") || "none"}${args.alerts === undefined ? " (shipped example)" : ` (${args.alerts})`}; redaction: ${admin.redaction.enabled ? [...admin.redaction.types].join(", ") : "off"}; request log kept ${config.server.logRetentionDays === 0 ? "for ever" : `${config.server.logRetentionDays} days`}\n`,
      );
    if (args.edge === true && (worker === null || worker === 1))
      process.stdout.write(await edgeModeLine(server.router.registry));
    const idleLine = idleUnloadingLine(server.router.registry);
    if (idleLine !== null && (worker === null || worker === 1)) process.stdout.write(idleLine);
    // SIGHUP reads the config again and serves it without a restart (RoutingServer.reload);
    // --follow-decisions serves the config as read with a newer decision's winner. One at a time.
    let reloading = false;
    let follower: DecisionFollower | undefined;
    const reportResult = (result: RoutingReload, label: string) => {
      for (const [id, status] of Object.entries(result.health.models)) {
        if (status.error !== null)
          process.stderr.write(`warning: ${id} did not load: ${status.error}\n`);
      }
      process.stdout.write(`Reloaded ${label}: ${describeReload(result)}\n`);
    };
    /** The keys file, read again: rotated keys take effect at once; a bad file changes nothing. */
    const reloadApiKeys = (file: string) => {
      try {
        const keys = readApiKeysFile(file);
        server.useApiKeys(keys);
        process.stdout.write(`Reloaded API keys from ${file}: ${keys.length} in force\n`);
      } catch (error) {
        process.stderr.write(
          `warning: the API keys in ${file} were not reloaded; the server keeps the keys it had: ${errorMessage(error)}\n`,
        );
      }
    };
    /** The alert rules file, read again: a file that fails validation changes nothing. */
    const reloadAlertRules = async (file: string) => {
      try {
        const next = await readAlertRulesFile(file);
        admin.monitoring?.useRules(next);
        process.stdout.write(
          `Reloaded alert rules from ${file}: ${next.map((rule) => rule.id).join(", ") || "none"}\n`,
        );
      } catch (error) {
        process.stderr.write(
          `warning: the alert rules in ${file} were not reloaded; the server keeps the rules it had: ${errorMessage(error)}\n`,
        );
      }
    };
    /** The admin token file, read again: a new token ends dashboard sessions; a bad file changes nothing. */
    const reloadAdminToken = (file: string) => {
      try {
        admin.useAdminToken(readAdminTokenFile(file));
        process.stdout.write(
          `Reloaded the admin token from ${file}: the dashboard's sessions must log in again\n`,
        );
      } catch (error) {
        process.stderr.write(
          `warning: the admin token in ${file} was not reloaded; the server keeps the token it had: ${errorMessage(error)}\n`,
        );
      }
    };
    const reload = async () => {
      if (apiKeysFile !== null) reloadApiKeys(apiKeysFile);
      if (tokenFile !== null) reloadAdminToken(tokenFile);
      if (args.alerts !== undefined) await reloadAlertRules(args.alerts);
      if (args.config === undefined) {
        if (apiKeysFile === null && tokenFile === null && args.alerts === undefined) {
          process.stderr.write(
            "SIGHUP: nothing to reload (no --config: the bundled example is served as built).\n",
          );
        }
        if (args.alerts !== undefined) warnAlertRules();
        return;
      }
      if (reloading) {
        process.stderr.write("SIGHUP: a reload is already running; send it again once it ends.\n");
        return;
      }
      reloading = true;
      process.stderr.write(`Reloading ${args.config}...\n`);
      /** Whether the server was given the config (it tells its extensions of the outcome). */
      let given = false;
      try {
        const nextSource = await readRoutesConfig(args.config);
        const { config: next, resolved: nextResolved } = withDecisionWinners(
          nextSource,
          args.state,
        );
        printResolved(nextResolved);
        given = true;
        reportResult(
          await server.reload(shareCaps(next, workers), { cause: "SIGHUP" }).catch((error) => {
            throw routesConfigLines(error, next);
          }),
          args.config,
        );
        if (worker === null || worker === 1) {
          for (const warning of routesConfigWarnings(next)) {
            process.stderr.write(`warning: ${warning}\n`);
          }
        }
        follower?.follow(nextSource, nextResolved);
        if (follower !== undefined && follower.followed.length === 0) {
          process.stderr.write(
            `warning: ${args.config} names no decision:latest model now; --follow-decisions has nothing to follow until a reload names one.\n`,
          );
        }
      } catch (error) {
        // A file that cannot be read or served is a refused reload for /metrics too.
        if (!given) server.refuseReload(error, { cause: "SIGHUP" });
        process.stderr.write(
          `warning: ${args.config} was not reloaded; the server goes on with the config it had: ${errorMessage(error)}\n`,
        );
      } finally {
        closeCatalog();
        reloading = false;
        // The rules and the config in force now, whichever of them the reload changed.
        warnAlertRules();
      }
    };
    if (followMs !== null) {
      const decisions = DecisionStore.open({ database: server.database });
      follower = new DecisionFollower({
        source,
        resolved,
        decisions,
        intervalMs: followMs,
        report: reportFollow,
        reload: async (next, moved) => {
          if (reloading) return "busy";
          reloading = true;
          const label = `${args.config} for a newer decision`;
          process.stderr.write(`Reloading ${label}: ${describeMoves(moved)}\n`);
          try {
            reportResult(
              await server.reload(shareCaps(next, workers), { cause: followCause(moved) }),
              label,
            );
            return "applied";
          } catch (error) {
            process.stderr.write(
              `warning: the newer decision is not served; the server goes on with the config it had, and tries again only for another decision or on SIGHUP: ${errorMessage(error)}\n`,
            );
            throw error;
          } finally {
            closeCatalog();
            reloading = false;
          }
        },
      });
      follower.start();
      process.stdout.write(
        `Following ${follower.followed.map((entry) => entry.reference).join(", ")}: checked every ${followMs / 1000} s\n`,
      );
    }
    if (worker === null) process.on("SIGHUP", () => void reload());
    else reloadFromPrimary = () => void reload();
    process.off("SIGHUP", hupEarly);
    if (hupWhileStarting) void reload();
    if (worker !== null) {
      if (admin.monitoring !== undefined) relayMonitoringChanges(admin.monitoring);
      relayBreakerChanges(server);
      announceListening(server.url);
    }
    await new Promise<void>((stopped) => {
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        // A follow check in progress ends first, so it cannot start a reload on a closing server.
        void (follower?.stop() ?? Promise.resolve()).then(() => server.close()).finally(stopped);
      };
      if (worker === null) {
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      } else {
        // A worker may get Ctrl-C from the terminal and SIGTERM from the primary: one stop.
        // A primary gone (killed) leaves the worker nothing to answer to.
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
        process.once("disconnect", stop);
        if (!process.connected) stop(); // the primary went while this worker was starting
      }
    });
    if (worker !== null) process.disconnect?.();
  },
});

/**
 * A routed model's record from the catalog, opened on first use. `local:` folders are read by
 * the router's registry itself: relative ids from the routes config's folder
 * (`RoutesConfig.directory`), as a task spec's are from its own; a selection stores absolute
 * ones, so a `decision:latest` winner that is a local folder is served too.
 */
function catalogLookup(
  catalog: () => Promise<CatalogStore>,
): (id: string) => Promise<ModelRecord | null> {
  return async (id) => (await catalog()).getModel(id);
}

/** Which catalog models `--edge` runs in this process, and which a declaration keeps apart. */
async function edgeModeLine(registry: ModelRegistry): Promise<string> {
  const [{ IsolatedBackend }, { TRANSFORMERS_PROVIDER }] = await Promise.all([
    import("../../backends/isolated/isolated-backend.js"),
    import("../../backends/transformers-js/transformers-backend.js"),
  ]);
  // The providers of catalog models, which `isolated` and `--edge` are about.
  const catalogProviders = new Set(["npm", TRANSFORMERS_PROVIDER]);
  const inProcess: string[] = [];
  const apart: string[] = [];
  for (const id of registry.ids()) {
    const served = registry.require(id);
    const backend = served instanceof IdleUnloadingBackend ? served.inner : served;
    if (backend instanceof IsolatedBackend) apart.push(id);
    else if (catalogProviders.has(backend.describe().provider)) inProcess.push(id);
  }
  return `Edge mode: ${inProcess.length === 0 ? "no catalog model" : inProcess.join(", ")} in this process${apart.length === 0 ? "" : `; ${apart.join(", ")} in ${apart.length === 1 ? "a process of its own" : "processes of their own"} (declared isolated)`}\n`;
}

/** Which models are unloaded when idle, and after how long; null when none is. */
function idleUnloadingLine(registry: ModelRegistry): string | null {
  const byIdle = new Map<number, string[]>();
  for (const id of registry.ids()) {
    const backend = registry.require(id);
    if (!(backend instanceof IdleUnloadingBackend)) continue;
    byIdle.set(backend.idleMs, [...(byIdle.get(backend.idleMs) ?? []), id]);
  }
  if (byIdle.size === 0) return null;
  const groups = [...byIdle].map(
    ([idleMs, ids]) => `${ids.join(", ")} after ${idleMs / 1000} s without a call`,
  );
  return `Idle models unloaded: ${groups.join("; ")}; each loads again on its next call\n`;
}

/**
 * `serve --check`: the routes config through everything a start or a reload does before it
 * loads models (the schema, `decision:` references, building each model's backend, each
 * candidate's task, the learner's settings), and the alert rules file; throws with the
 * problems, which the CLI prints with its error's exit code (2 for an invalid config).
 * Nothing is loaded or called.
 */
async function checkConfig(
  path: string | undefined,
  alerts: string | undefined,
  statePath: string | undefined,
  follow: boolean,
): Promise<void> {
  const { config, resolved } = await servableRoutesConfig(path, statePath);
  if (follow) checkFollowed(resolved, path);
  printResolved(resolved);
  const rules = alerts === undefined ? undefined : await readAlertRulesFile(alerts);
  // The learner checks its settings; it keeps its state in a database of its own here.
  const database = openStateDatabase({ path: ":memory:" });
  let catalog: CatalogStore | undefined;
  try {
    const router = await createRouter({
      config,
      learner: new ThompsonRouteLearner({ database, config: config.learning }),
      lookupModel: catalogLookup(async () => (catalog ??= await openCatalog())),
    }).catch((error: unknown) => {
      throw routesConfigLines(error, config);
    });
    await router.registry.close();
    for (const warning of routesConfigWarnings(config)) {
      process.stderr.write(`warning: ${warning}\n`);
    }
    for (const warning of alertRuleWarnings(rules ?? [], config)) {
      process.stderr.write(`warning: ${warning}\n`);
    }
    process.stdout.write(
      `${path ?? "the bundled customer-service example"}: valid. Routes ${config.routes.map((route) => route.name).join(", ")}; models ${router.registry.ids().join(", ")}${rules === undefined ? "" : `; alert rules ${rules.map((rule) => rule.id).join(", ")}`}. No model was loaded or called: a model that cannot load or answer shows at start or reload, on /ready.\n`,
    );
  } finally {
    catalog?.close();
    database.close();
  }
}

/**
 * Each worker's share of every model's `max_in_flight` under `--workers` (ADR 0061): the cap
 * is a model server's slot count, so the workers together send it no more than the config
 * says, give or take the rounding up (each worker keeps at least one slot).
 */
function shareCaps(config: RoutesConfig, workers: number): RoutesConfig {
  if (workers <= 1 || config.models.every((model) => model.max_in_flight === undefined)) {
    return config;
  }
  return {
    ...config,
    models: config.models.map((model) =>
      model.max_in_flight === undefined
        ? model
        : { ...model, max_in_flight: Math.ceil(model.max_in_flight / workers) },
    ),
  };
}

/** `--workers N|auto` as a number of processes (1 when absent). */
function workersOption(value: string | undefined): number {
  if (value === "auto") return availableParallelism();
  const workers = integerOption("workers", value) ?? 1;
  if (workers < 1 || workers > 256) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `--workers must be from 1 to 256, or auto for one per CPU (got "${value}").`,
    );
  }
  return workers;
}

/** `--redaction on|off|email,phone,...` as a redaction setting (validated, errors name the type). */
function redactionOption(value: string | undefined): RedactionConfig {
  if (value === undefined || value === "on") return {};
  if (value === "off") return { enabled: false };
  return parseRedactionConfig({
    types: value
      .split(",")
      .map((type) => type.trim())
      .filter((type) => type !== ""),
  });
}
