/**
 * @module
 * The admin side of the server, added to the routing app (the OpenAI-compatible API is left
 * as it is):
 * - `GET /` with `Accept: text/html`: the dashboard (or its login form); any other `GET /`
 *   gets the API's usual 404;
 * - `GET /admin/assets/dashboard.js`: the dashboard's script;
 * - `POST /admin/login` (form field `token`), `POST /admin/logout`: the dashboard's session;
 * - `GET /metrics`: Prometheus text format;
 * - `/admin/api/...` (JSON): decisions (and `GET /admin/decisions/<id>/report`, the HTML
 *   report), routes with traffic share over time, model quality and latency over time with
 *   the learner's standings, the learner's decisions (demotions and reinstatements with their
 *   evidence), alerts and rules, the review queue (approve / reject with actor
 *   and comment), the audit trail, catalog search, and `events` (server-sent events saying
 *   what changed).
 *
 * Everything but the dashboard's script and login needs the admin token (`admin-access.ts`);
 * errors use the API's OpenAI error format. Records are returned as the library returns them
 * (camelCase, like `--json` in the CLI); handlers only parse, call and shape.
 */

import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { CatalogStore } from "../../catalog/catalog-store.js";
import { CATALOG_SORTS, searchCatalog } from "../../catalog/search-catalog.js";
import { describeIssue, dottedPath } from "../../config/zod-issues.js";
import {
  assetResponse,
  gzipWhenAccepted,
  loadDashboardScript,
} from "../../dashboard/dashboard-assets.js";
import {
  DASHBOARD_SCRIPT_PATH,
  dashboardSecurityHeaders,
  renderDashboardPage,
  renderLoginPage,
} from "../../dashboard/dashboard-page.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { ReviewItem, ReviewItemWithAudit, ReviewStatus } from "../../monitor/review-queue.js";
import type { ResolvedRedactionConfig } from "../../privacy/redaction-config.js";
import { learnerRouteKey } from "../../route/feedback.js";
import { RoutesInService } from "../../route/learning/routes-in-service.js";
import type { ModelStanding, RouteLearner } from "../../route/route-learner.js";
import type { RouterHealth } from "../../route/router.js";
import type { RoutePolicy, RoutesConfig } from "../../route/routes-config.js";
import type { RoutingStore } from "../../route/routing-store.js";
import type { DecisionStore } from "../../select/decision-store.js";
import { renderDecisionReport } from "../../select/report/render-decision-report.js";
import { VERSION } from "../../version.js";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/server-metrics.js";
import { httpErrorFor, openAIError } from "../openai-errors.js";
import { ADMIN_COOKIE, type AdminAccess, requireAdmin, unauthorized } from "./admin-access.js";
import { targetsFor } from "./learner-routing-control.js";
import {
  type ModelSeries,
  modelSeries,
  type SeriesReader,
  seriesWindow,
  type TrafficSeries,
  trafficSeries,
} from "./monitoring-series.js";
import type { MonitoringChangeKind, ServerMonitoring } from "./server-monitoring.js";

export interface AdminRoutesOptions {
  access: AdminAccess;
  monitoring: ServerMonitoring;
  store: RoutingStore;
  /** The routes config in force (it changes when the server reloads it). */
  config: () => RoutesConfig;
  /** The last reload of the routes config (SIGHUP), null before any. */
  lastReload?: () => ConfigReloadStatus | null;
  learner: RouteLearner | undefined;
  /** The router's view of its models: loaded, breaker, active health checks (`/ready`). */
  health?: () => RouterHealth;
  decisions: DecisionStore;
  /** Opens the catalog on first use (the first open may load the bundled snapshot). */
  catalog: () => Promise<CatalogStore>;
  redaction: ResolvedRedactionConfig;
  /** Server-sent events: changes are sent at most this often. Default 250 ms. */
  eventsCoalesceMs?: number;
  /** Comment lines that keep idle event streams open through proxies. Default 25 s. */
  eventsHeartbeatMs?: number;
  /** `/metrics` from this server's own exposition: under `serve --workers`, every worker's. */
  metricsText?: (own: string) => Promise<string>;
  now?: () => Date;
}

/** A reload of the routes config as the admin API shows it (`GET /admin/api/routes`). */
export interface ConfigReloadStatus {
  /** ISO time. */
  at: string;
  applied: boolean;
  /** What changed, or why it was refused. */
  message: string;
  /** What asked for it (SIGHUP, a new decision), when the caller said. */
  cause: string | null;
}

export interface AdminRoutes {
  /** Ends the open event streams (so the server can close). */
  closeStreams(): void;
}

const reviewDecisionSchema = z
  .object({
    actor: z
      .string({ error: "actor is required: who decides (kept in the audit trail)" })
      .trim()
      .min(1, "actor is required: who decides (kept in the audit trail)")
      .max(200),
    comment: z.string().max(4000).optional(),
    /** For a route change that names no target model. */
    toModelId: z.string().min(1).optional(),
  })
  .strict();

const REVIEW_STATUSES = ["open", "approved", "rejected"] as const;

const proposalSchema = z
  .object({
    /** What approving the item will do. */
    kind: z.enum(["demote", "reinstate", "change_route"]),
    /** For `change_route`: the model the route should use instead of `modelId` (or give it when approving). */
    toModelId: z.string().min(1).optional(),
    /**
     * A route name, `task:<task>` or a learner key `<route>/<task>` (as in the standings); a
     * route name's evidence is its one bandit target's standing (`standingKey`).
     */
    route: z.string().min(1),
    modelId: z.string().min(1),
    actor: z
      .string({ error: "actor is required: who proposes (kept in the audit trail)" })
      .trim()
      .min(1, "actor is required: who proposes (kept in the audit trail)")
      .max(200),
    comment: z.string().max(4000).optional(),
  })
  .strict();

const listQuerySchema = z.object({
  limit: z.coerce.number().int().positive().max(1000).optional(),
});

const windowQuerySchema = z.object({
  minutes: z.coerce
    .number()
    .positive()
    .max(60 * 24 * 90)
    .default(60),
  bucketSeconds: z.coerce.number().int().positive().default(60),
});

const catalogQuerySchema = z
  .object({
    task: z.string().min(1).optional(),
    language: z.string().min(1).optional(),
    license: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    library: z.string().min(1).optional(),
    /** `true`: only models with ONNX weights (`catalog search --onnx`); `false` is no filter. */
    onnx: z
      .enum(["true", "false"])
      .transform((value) => (value === "true" ? true : undefined))
      .optional(),
    hardware: z.string().min(1).optional(),
    sort: z.enum(CATALOG_SORTS).optional(),
    maxMemoryGb: z.coerce.number().positive().optional(),
    maxLatencyMs: z.coerce.number().positive().optional(),
    limit: z.coerce.number().int().positive().max(200).default(20),
    offset: z.coerce.number().int().nonnegative().default(0),
  })
  .strict();

/**
 * The learner key whose standing a proposal on `route` shows as evidence. The learner keys
 * standings by `<route>/<task>`; a plain route name stands for its one bandit target (with
 * none, there is no standing to show: a route change on a fallback route is still a fine
 * proposal). With several, which one the evidence is about is the proposer's to say: a 400
 * asking for `<route>/<task>`.
 */
function standingKey(config: RoutesConfig, route: string): string {
  if (route.includes("/") || route.startsWith("task:")) return route;
  const definition = config.routes.find((candidate) => candidate.name === route);
  if (definition === undefined) return route;
  const bandits = [...definition.targets.values()].filter((target) => target.policy === "bandit");
  if (bandits.length <= 1) {
    const only = bandits[0];
    return only === undefined ? route : learnerRouteKey(route, only.task);
  }
  const keys = bandits.map((target) => learnerRouteKey(route, target.task));
  throw new ModelScoutError(
    "INVALID_ARGUMENT",
    `route ${JSON.stringify(route)} has ${bandits.length} bandit targets (${keys.join(", ")}), each with standings of its own: give route as <route>/<task>, one of those.`,
    { details: { param: "route" } },
  );
}

/**
 * Each standing with `inConfig`: whether the config in service still has its model among its
 * target's candidates, whatever the target's policy (`RoutesInService`); and `policy`: that
 * target's policy, null when not in the config. The learner keeps what it learned on a route a
 * reload removed (a reload that brings the route back starts from it), so the dashboard says
 * which standings route nothing now; and it learns from feedback on `fixed`, `fallback` and
 * `weighted` targets too, where a demotion changes nothing (an approval is refused), so the
 * dashboard offers one only where the policy is `bandit`.
 */
function withConfigState(
  standings: readonly ModelStanding[],
  config: RoutesConfig,
): Array<ModelStanding & { inConfig: boolean; policy: RoutePolicy | null }> {
  const inService = RoutesInService.of(config);
  return standings.map((standing) => {
    const inConfig = inService.has(standing.route, standing.modelId);
    return {
      inConfig,
      policy: inConfig
        ? (targetsFor(config, standing.route, standing.modelId)[0]?.policy ?? null)
        : null,
      ...standing,
    };
  });
}

/**
 * A model's task on a route: that of the route's first target listing it in the config in
 * service, null when none does (removed by a reload, or asked for by id). One rule for the
 * routes section's traffic and the models section's series, both grouped by it on the
 * dashboard: a chat model and a classifier on one route never compete for the same requests,
 * and their latencies differ by orders of magnitude.
 */
function taskOnRoute(config: RoutesConfig, route: string, model: string): string | null {
  return targetsFor(config, route, model)[0]?.task ?? null;
}

/** The series with each model's task on its route (`taskOnRoute`). */
function withTasks(
  series: ModelSeries,
  config: RoutesConfig,
): ModelSeries & { models: Array<ModelSeries["models"][number] & { task: string | null }> } {
  return Object.assign({}, series, {
    models: series.models.map((model) =>
      Object.assign({}, model, { task: taskOnRoute(config, model.route, model.model) }),
    ),
  });
}

/** The traffic with each route's models' task on it (`taskOnRoute`). */
function trafficWithTasks(traffic: TrafficSeries, config: RoutesConfig) {
  return Object.assign({}, traffic, {
    routes: traffic.routes.map((route) =>
      Object.assign({}, route, {
        models: route.models.map((model) =>
          Object.assign({}, model, { task: taskOnRoute(config, route.route, model.model) }),
        ),
      }),
    ),
  });
}

/**
 * The review item with `inConfig`: whether a route of the config in service still lists its
 * model (as an approval would look for it, `targetsFor`). An item a rule opened before a
 * reload removed its route or model stays open, but approving it can change nothing (the
 * approval is refused), so the dashboard says so (ADR 0083). Null for requests that asked for
 * a model by id (`(direct)`), which no route lists.
 */
function withReviewConfigState<Item extends ReviewItem>(
  item: Item,
  config: RoutesConfig,
): Item & { inConfig: boolean | null } {
  return Object.assign({}, item, {
    inConfig:
      item.route === "(direct)" ? null : targetsFor(config, item.route, item.modelId).length > 0,
  });
}

function invalidQuery(error: z.ZodError): ModelScoutError {
  const first = error.issues[0];
  return new ModelScoutError(
    "INVALID_ARGUMENT",
    error.issues.map((issue) => describeIssue(issue, dottedPath(issue.path) || "query")).join("; "),
    { details: { param: first?.path.join(".") ?? null } },
  );
}

function parseQuery<Schema extends z.ZodType>(context: Context, schema: Schema): z.output<Schema> {
  const parsed = schema.safeParse(context.req.query());
  if (!parsed.success) throw invalidQuery(parsed.error);
  return parsed.data;
}

async function readJson(context: Context): Promise<unknown> {
  try {
    return await context.req.json();
  } catch {
    throw new ModelScoutError("INVALID_ARGUMENT", "The body must be a JSON object.");
  }
}

function idParameter(context: Context): string {
  return context.req.param("id") ?? "";
}

function wantsHtml(context: Context): boolean {
  return /\btext\/html\b/i.test(context.req.header("accept") ?? "");
}

function isSecure(context: Context): boolean {
  return (
    new URL(context.req.url).protocol === "https:" ||
    context.req.header("x-forwarded-proto") === "https"
  );
}

export function mountAdminRoutes(app: Hono, options: AdminRoutesOptions): AdminRoutes {
  const { access, monitoring, store, config, learner, decisions } = options;
  /** A series' reads: the first sees every request logged so far, the later pages follow it. */
  const seriesReader = (): SeriesReader => {
    let first = true;
    return (sql, values) => {
      const afterLogged = first;
      first = false;
      return store.readLogged(sql, values, afterLogged);
    };
  };
  const now = options.now ?? (() => new Date());
  const script = loadDashboardScript();
  const guard = requireAdmin(access);
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const fail = (error: unknown) => {
    // Deciding an item twice is a conflict with the state, not a bad request.
    const http =
      ModelScoutError.isInstance(error) && error.details.reason === "already-decided"
        ? openAIError(409, error.message, { code: "already_decided" })
        : httpErrorFor(error);
    return json(http.body, http.status);
  };
  const html = (body: string, status = 200, headers: Record<string, string> = {}) =>
    new Response(body, {
      status,
      headers: {
        "content-type": "text/html; charset=utf-8",
        ...dashboardSecurityHeaders(),
        ...headers,
      },
    });

  // Gzip for HTML, JSON and the metrics text when the client takes it (the script is stored
  // gzipped already; the event stream is never compressed, so each event leaves at once).
  for (const path of ["/", "/admin/*", "/metrics"]) app.use(path, gzipWhenAccepted());

  // ---------------------------------------------------------------- page, login, assets

  app.get("/", (context) => {
    if (!wantsHtml(context)) return context.notFound();
    if (!access.allows(context)) return html(renderLoginPage());
    return html(renderDashboardPage({ version: VERSION, authRequired: access.required }));
  });

  app.get(DASHBOARD_SCRIPT_PATH, (context) =>
    assetResponse(script, context.req.raw, {
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    }),
  );

  app.post("/admin/login", bodyLimit({ maxSize: 4096 }), async (context) => {
    const form = await context.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === "string" ? form.token : "";
    const session = access.sessionValue();
    if (session === null) return context.redirect("/", 303);
    if (!access.checkToken(token)) {
      return html(renderLoginPage({ error: "That is not the admin token." }), 401);
    }
    setCookie(context, ADMIN_COOKIE, session, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: isSecure(context),
    });
    return context.redirect("/", 303);
  });

  app.post("/admin/logout", (context) => {
    deleteCookie(context, ADMIN_COOKIE, { path: "/" });
    return context.redirect("/", 303);
  });

  // ---------------------------------------------------------------- metrics

  app.get("/metrics", async (context) => {
    if (!access.allows(context)) return unauthorized();
    const own = await monitoring.renderMetrics();
    return new Response(options.metricsText === undefined ? own : await options.metricsText(own), {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
    });
  });

  // ---------------------------------------------------------------- admin API

  app.use("/admin/api/*", guard);
  app.use("/admin/decisions/*", guard);
  app.post("/admin/api/*", bodyLimit({ maxSize: 64 * 1024 }));

  const handle =
    (work: (context: Context) => Response | Promise<Response>) => async (context: Context) => {
      try {
        return await work(context);
      } catch (error) {
        return fail(error);
      }
    };

  app.get(
    "/admin/api/overview",
    handle(async () =>
      json({
        object: "overview",
        version: VERSION,
        auth: { required: access.required },
        redaction: { enabled: options.redaction.enabled, types: [...options.redaction.types] },
        learner: learner !== undefined,
        routes: config().routes.map((route) => route.name),
        rules: monitoring.rules.map((rule) => rule.id),
        openReviewItems: await monitoring.reviewQueue.countOpenLater(),
      }),
    ),
  );

  app.get(
    "/admin/api/decisions",
    handle(async (context) => {
      const query = parseQuery(
        context,
        listQuerySchema.extend({ task: z.string().min(1).optional() }),
      );
      const list = await decisions.listLater({
        limit: query.limit ?? 50,
        ...(query.task !== undefined && { task: query.task }),
      });
      return json({
        object: "list",
        data: list.map((decision) =>
          Object.assign({}, decision, {
            reportUrl: `/admin/decisions/${encodeURIComponent(decision.id)}/report`,
          }),
        ),
      });
    }),
  );

  app.get(
    "/admin/api/decisions/:id",
    handle(async (context) =>
      json({ object: "decision", decision: await decisions.requireLater(idParameter(context)) }),
    ),
  );

  app.get(
    "/admin/decisions/:id/report",
    handle(
      async (context) =>
        new Response(renderDecisionReport(await decisions.requireLater(idParameter(context))), {
          headers: {
            "content-type": "text/html; charset=utf-8",
            // The report is static HTML with inline CSS and SVG: no script may run in it.
            "content-security-policy":
              "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
            "x-content-type-options": "nosniff",
          },
        }),
    ),
  );

  app.get(
    "/admin/api/routes",
    handle(async (context) => {
      const query = parseQuery(context, windowQuerySchema);
      const window = seriesWindow({ nowMs: now().getTime(), ...query });
      const traffic = await trafficSeries(seriesReader(), window);
      const inService = config();
      const { defaultRoute, routes, server } = inService;
      return json({
        object: "routes",
        defaultRoute,
        lastReload: options.lastReload?.() ?? null,
        logRetentionDays: server.logRetentionDays,
        routes: routes.map((route) => ({
          name: route.name,
          description: route.description,
          targets: [...route.targets.values()].map((target) => ({
            task: target.task,
            policy: target.policy,
            candidates: target.candidates,
            timeoutMs: target.timeoutMs,
            retries: target.retries,
            answerValueUsd: target.answerValueUsd,
            latencySloMs: target.latencySloMs,
            minConfidence: target.minConfidence,
            languageDetector: target.languageDetector,
          })),
        })),
        traffic: trafficWithTasks(traffic, inService),
      });
    }),
  );

  app.get(
    "/admin/api/models",
    handle(async (context) => {
      const query = parseQuery(context, windowQuerySchema);
      const window = seriesWindow({ nowMs: now().getTime(), ...query });
      const series = await modelSeries(seriesReader(), window);
      return json({
        object: "models",
        series: withTasks(series, config()),
        standings: learner === undefined ? null : withConfigState(learner.standings(), config()),
        availability: options.health === undefined ? null : options.health().models,
      });
    }),
  );

  app.get(
    "/admin/api/learner/decisions",
    handle(async (context) => {
      const query = parseQuery(
        context,
        listQuerySchema.extend({ route: z.string().min(1).optional() }),
      );
      const filter = {
        limit: query.limit ?? 50,
        ...(query.route !== undefined && { route: query.route }),
      };
      return json({
        object: "list",
        // Demotions and reinstatements with their evidence (ADR 0012), most recent first; the
        // models section asks on every change, so not blocking where the learner can.
        data:
          (learner?.decisionsLater !== undefined
            ? await learner.decisionsLater(filter)
            : learner?.decisions?.(filter)) ?? [],
      });
    }),
  );

  app.get(
    "/admin/api/alerts",
    handle(async (context) => {
      const query = parseQuery(
        context,
        listQuerySchema.extend({
          ruleId: z.string().min(1).optional(),
          route: z.string().min(1).optional(),
          modelId: z.string().min(1).optional(),
        }),
      );
      return json({
        object: "alerts",
        rules: monitoring.rules,
        alerts: await monitoring.engine.listAlertsLater({
          limit: query.limit ?? 100,
          ...(query.ruleId !== undefined && { ruleId: query.ruleId }),
          ...(query.route !== undefined && { route: query.route }),
          ...(query.modelId !== undefined && { modelId: query.modelId }),
        }),
      });
    }),
  );

  /** The item with its audit trail, read without blocking on PostgreSQL. */
  const withAudit = async (item: ReviewItem) =>
    (await monitoring.reviewQueue.withAuditsLater([item]))[0] as ReviewItemWithAudit;

  app.get(
    "/admin/api/reviews",
    handle(async (context) => {
      const query = parseQuery(
        context,
        listQuerySchema.extend({
          status: z.string().optional(),
          offset: z.coerce.number().int().nonnegative().optional(),
        }),
      );
      let statuses: ReviewStatus[] | undefined;
      if (query.status !== undefined && query.status !== "all") {
        statuses = query.status.split(",").map((status) => {
          if (!(REVIEW_STATUSES as readonly string[]).includes(status)) {
            throw new ModelScoutError(
              "INVALID_ARGUMENT",
              `status must be one or more of ${REVIEW_STATUSES.join(", ")} (comma-separated), or all (got "${status}")`,
              { details: { param: "status" } },
            );
          }
          return status as ReviewStatus;
        });
      }
      const { items, total } = await monitoring.reviewQueue.listLater({
        limit: query.limit ?? 50,
        ...(query.offset !== undefined && { offset: query.offset }),
        ...(statuses !== undefined && { status: statuses }),
      });
      const inService = config();
      return json({
        object: "list",
        total,
        items: items.map((item) => withReviewConfigState(item, inService)),
      });
    }),
  );

  app.get(
    "/admin/api/reviews/:id",
    handle(async (context) => {
      const id = idParameter(context);
      const item = await monitoring.reviewQueue.getLater(id);
      if (item === undefined) {
        throw new ModelScoutError("NOT_FOUND", `No review item ${id}`, {
          details: { param: "id" },
        });
      }
      return json({ object: "review_item", ...withReviewConfigState(item, config()) });
    }),
  );

  // An operator proposes a demotion, a reinstatement or a route switch; another (or the same) approves it.
  app.post(
    "/admin/api/reviews",
    handle(async (context) => {
      const parsed = proposalSchema.safeParse(await readJson(context));
      if (!parsed.success) throw invalidQuery(parsed.error);
      const { kind, route, modelId, actor, comment, toModelId } = parsed.data;
      const standing = learner
        ?.standings(standingKey(config(), route))
        .find((entry) => entry.modelId === modelId && entry.domain === null);
      const { item } = monitoring.reviewQueue.open({
        ruleId: null,
        route,
        modelId,
        summary:
          kind === "change_route"
            ? `${actor} proposes to switch ${route} from ${modelId} to ${toModelId ?? "a model named on approval"}${comment === undefined ? "" : `: ${comment}`}`
            : `${actor} proposes to ${kind} ${modelId} on ${route}${comment === undefined ? "" : `: ${comment}`}`,
        evidence: { standing: standing ?? null },
        proposedAction:
          kind === "change_route"
            ? { kind, route, fromModelId: modelId, toModelId: toModelId ?? null }
            : { kind, route, modelId },
        actor,
      });
      monitoring.notifyReviewChange();
      return json({ object: "review_item", ...(await withAudit(item)) }, 201);
    }),
  );

  for (const verb of ["approve", "reject"] as const) {
    app.post(
      `/admin/api/reviews/:id/${verb}`,
      handle(async (context) => {
        const parsed = reviewDecisionSchema.safeParse(await readJson(context));
        if (!parsed.success) throw invalidQuery(parsed.error);
        const decision = {
          actor: parsed.data.actor,
          ...(parsed.data.comment !== undefined && { comment: parsed.data.comment }),
          ...(parsed.data.toModelId !== undefined && { toModelId: parsed.data.toModelId }),
        };
        const item =
          verb === "approve"
            ? monitoring.approve(idParameter(context), decision)
            : monitoring.reject(idParameter(context), decision);
        return json({ object: "review_item", ...(await withAudit(item)) });
      }),
    );
  }

  app.get(
    "/admin/api/audit",
    handle(async (context) => {
      const query = parseQuery(context, listQuerySchema);
      return json({
        object: "list",
        data: await monitoring.reviewQueue.auditLater({ limit: query.limit ?? 200 }),
      });
    }),
  );

  app.get(
    "/admin/api/catalog/search",
    handle(async (context) => {
      const query = parseQuery(context, catalogQuerySchema);
      const catalog = await options.catalog();
      const result = await searchCatalog(catalog, query as Parameters<typeof searchCatalog>[1]);
      return json({ object: "catalog.search", ...result });
    }),
  );

  // ---------------------------------------------------------------- server-sent events

  const streams = new Set<() => void>();
  const coalesceMs = options.eventsCoalesceMs ?? 250;
  const heartbeatMs = options.eventsHeartbeatMs ?? 25_000;

  app.get("/admin/api/events", (context) => {
    const encoder = new TextEncoder();
    let end = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const pending = new Set<MonitoringChangeKind>();
        let timer: NodeJS.Timeout | undefined;
        let open = true;
        const send = (text: string) => {
          if (!open) return;
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            end();
          }
        };
        const removeListener = monitoring.onChange((kind) => {
          pending.add(kind);
          timer ??= setTimeout(() => {
            timer = undefined;
            send(`event: change\ndata: ${JSON.stringify({ kinds: [...pending] })}\n\n`);
            pending.clear();
          }, coalesceMs);
        });
        const heartbeat = setInterval(() => send(": keep-alive\n\n"), heartbeatMs);
        end = () => {
          if (!open) return;
          open = false;
          removeListener();
          clearInterval(heartbeat);
          clearTimeout(timer);
          streams.delete(end);
          try {
            controller.close();
          } catch {
            // Already closed by the client going away.
          }
        };
        streams.add(end);
        context.req.raw.signal.addEventListener("abort", () => end());
        send("retry: 3000\n: connected\n\n");
      },
      cancel() {
        end();
      },
    });
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      },
    });
  });

  // An admin URL that does not exist is a JSON 404, not the OpenAI API's route list.
  app.all("/admin/*", (context) =>
    json(
      openAIError(404, `No admin route ${context.req.method} ${context.req.path}.`, {
        code: "unknown_url",
      }).body,
      404,
    ),
  );

  return {
    closeStreams() {
      for (const end of [...streams]) end();
    },
  };
}
