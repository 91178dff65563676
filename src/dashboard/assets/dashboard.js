/**
 * @module
 * The dashboard's script: plain JavaScript (an ES module the server sends as is, no build
 * step), type-checked by `tsc -p src/dashboard/assets` with JSDoc types. It fills the page's
 * five sections from the admin API (`/admin/api/...`), draws the charts as inline SVG, and
 * refreshes the visible section when the server says something changed (server-sent events
 * on `/admin/api/events`), with a slow timer as a fallback. A refresh never throws away what
 * an operator is typing: it waits until the form loses focus. Refreshes that a change asks
 * for are paced by what the last one took, so an open page keeps its server busy a tenth of
 * the time at most, however long its window (`REFRESH_PACE`).
 */

const API = "/admin/api";
const SVG_NS = "http://www.w3.org/2000/svg";
const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#17becf",
];
const POLL_MS = 30_000;
/**
 * A change's refresh starts no sooner than this many times the last refresh's duration after
 * that one began: a refresh is mostly the server reading its series (a day's window reads far
 * more than an hour's), and under traffic a change comes every 250 ms.
 */
const REFRESH_PACE = 10;
const SECTIONS = ["decisions", "routes", "models", "alerts", "catalog"];
/** Which changes each section shows. */
const SECTION_CHANGES = /** @type {Record<string, string[]>} */ ({
  decisions: ["decision"],
  routes: ["request"],
  models: ["request", "feedback", "review", "availability"],
  alerts: ["alert", "review"],
  catalog: [],
});

/**
 * @typedef {Record<string, any>} Json
 * @typedef {string | number | Node | null | undefined | false} Child
 */

const state = {
  section: "decisions",
  minutes: 60,
  bucketSeconds: 60,
  /** @type {string | null} */
  decisionId: null,
  reviewFilter: "open",
  actor: localStorage.getItem("modelscout.actor") ?? "",
  /** Comments being typed, by review item id. */
  drafts: /** @type {Map<string, string>} */ (new Map()),
  /** @type {Json | null} */
  catalogQuery: null,
  /** What the last demote / reinstate proposal did (kept across refreshes). */
  proposalMessage: "A proposal opens a review item; someone approves it in Alerts & reviews.",
  live: false,
  /** A refresh postponed while the operator types. */
  pending: false,
  refreshes: 0,
};

// ------------------------------------------------------------------ DOM helpers

/**
 * @param {string} tag
 * @param {Record<string, string | number | boolean | ((event: Event) => void) | undefined>} [attributes]
 * @param {Child[]} children
 * @returns {HTMLElement}
 */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/**
 * @param {string} tag
 * @param {Record<string, string | number | undefined>} [attributes]
 * @param {Child[]} children
 * @returns {SVGElement}
 */
function s(tag, attributes = {}, ...children) {
  const element = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/** @param {Element} parent @param {Child[]} children */
function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === "object" ? child : String(child));
  }
}

/** @param {string} status */
function badge(status) {
  return h("span", { class: `badge ${status}` }, status);
}

/** @param {string | null | undefined} iso */
function time(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

/** @param {number | null | undefined} value @param {number} [digits] */
function fixed(value, digits = 3) {
  return value === null || value === undefined ? "–" : value.toFixed(digits);
}

/** @param {number} share */
function percent(share) {
  return `${(share * 100).toFixed(share > 0 && share < 0.1 ? 1 : 0)}%`;
}

/** @param {Element} container @param {Child[]} children */
function fill(container, ...children) {
  container.replaceChildren();
  append(container, children);
}

/**
 * A table that scrolls inside its box on wide screens and stacks each row into label: value
 * lines on narrow ones (the labels come from `data-label`, set here from the headings).
 * A heading given as `{ text, numeric: true }` right-aligns its column.
 * @param {(string | { text: string, numeric: true })[]} headings
 * @param {HTMLElement[]} rows
 */
function table(headings, rows) {
  const labels = headings.map((heading) => (typeof heading === "string" ? heading : heading.text));
  for (const row of rows) {
    [...row.children].forEach((cell, index) => {
      cell.setAttribute("data-label", labels[index] ?? "");
      if (typeof headings[index] === "object") cell.classList.add("num");
    });
  }
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { class: "stack" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...headings.map((heading) =>
            typeof heading === "string"
              ? h("th", {}, heading)
              : h("th", { class: "num" }, heading.text),
          ),
        ),
      ),
      h("tbody", {}, ...rows),
    ),
  );
}

/** @param {number | null} params */
function parameterCount(params) {
  if (params === null) return "–";
  if (params < 1e6) return `${Math.round(params / 1e3)}k`;
  if (params < 1e9) return `${(params / 1e6).toFixed(params < 1e7 ? 1 : 0)}M`;
  return `${(params / 1e9).toFixed(1)}B`;
}

// ------------------------------------------------------------------ API

/**
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<Json>}
 */
async function api(path, init) {
  const response = await fetch(`${API}${path}`, { credentials: "same-origin", ...init });
  if (response.status === 401) {
    // The session ended (token changed, cookie gone): the page itself shows the login form.
    location.reload();
    throw new Error("not logged in");
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
  }
  return body;
}

/** @param {string} path @param {Json} body */
function post(path, body) {
  return api(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

// ------------------------------------------------------------------ charts

/** @param {number} index */
function color(index) {
  return PALETTE[index % PALETTE.length];
}

/** @param {number} ms */
function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** Chart geometry in SVG units; narrower on phones so the axis text stays readable when scaled. */
const CHART = { width: 640, height: 180, left: 44, right: 8, top: 8, bottom: 22 };

/**
 * @param {number[]} buckets
 * @param {string} label
 */
function chartFrame(buckets, label) {
  CHART.width = window.innerWidth < 700 ? 360 : 640;
  const root = s("svg", {
    class: "chart",
    viewBox: `0 0 ${CHART.width} ${CHART.height}`,
    role: "img",
    "aria-label": label,
  });
  root.append(s("title", {}, label));
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const step = plotWidth / Math.max(1, buckets.length);
  const bottom = CHART.top + plotHeight;
  root.append(
    s("line", {
      class: "axis",
      x1: CHART.left,
      y1: bottom,
      x2: CHART.width - CHART.right,
      y2: bottom,
    }),
    s("line", { class: "axis", x1: CHART.left, y1: CHART.top, x2: CHART.left, y2: bottom }),
  );
  if (buckets.length > 0) {
    root.append(
      s("text", { x: CHART.left, y: CHART.height - 6 }, clock(/** @type {number} */ (buckets[0]))),
      s(
        "text",
        { x: CHART.width - CHART.right, y: CHART.height - 6, "text-anchor": "end" },
        clock(/** @type {number} */ (buckets[buckets.length - 1])),
      ),
    );
  }
  return { root, plotWidth, plotHeight, step, bottom };
}

/**
 * Share of a route's traffic per model in each time bucket, as stacked columns (an empty
 * column is a bucket without traffic).
 * @param {number[]} buckets
 * @param {{model: string, counts: number[]}[]} models
 * @param {string} label
 */
function shareChart(buckets, models, label) {
  const frame = chartFrame(buckets, label);
  const { root, plotHeight, step, bottom } = frame;
  root.append(
    s("text", { x: CHART.left - 4, y: CHART.top + 10, "text-anchor": "end" }, "100%"),
    s("text", { x: CHART.left - 4, y: bottom, "text-anchor": "end" }, "0%"),
  );
  buckets.forEach((at, position) => {
    const total = models.reduce((sum, model) => sum + (model.counts[position] ?? 0), 0);
    if (total === 0) return;
    let y = bottom;
    models.forEach((model, index) => {
      const count = model.counts[position] ?? 0;
      if (count === 0) return;
      const height = (count / total) * plotHeight;
      y -= height;
      root.append(
        s(
          "rect",
          {
            x: (CHART.left + position * step + step * 0.1).toFixed(2),
            y: y.toFixed(2),
            width: Math.max(1, step * 0.8).toFixed(2),
            height: height.toFixed(2),
            fill: color(index),
          },
          s(
            "title",
            {},
            `${clock(at)} ${model.model}: ${count} of ${total} (${percent(count / total)})`,
          ),
        ),
      );
    });
  });
  return root;
}

/**
 * Lines over time buckets; null values leave gaps, and every point gets a dot so a single
 * bucket of data is visible. A line's colour is that of its place in `series`, or of its
 * `colorIndex`, so that a model keeps one colour over several charts of a card.
 * @param {number[]} buckets
 * @param {{name: string, values: (number | null)[], colorIndex?: number}[]} series
 * @param {{label: string, max?: number, unit: string, digits: number}} options
 */
function lineChart(buckets, series, options) {
  const frame = chartFrame(buckets, options.label);
  const { root, plotHeight, step, bottom } = frame;
  const values = series.flatMap((line) => line.values.filter((value) => value !== null));
  const max = options.max ?? Math.max(1e-9, ...values.map(Number)) * 1.1;
  root.append(
    s(
      "text",
      { x: CHART.left - 4, y: CHART.top + 10, "text-anchor": "end" },
      `${max.toFixed(options.digits)}${options.unit}`,
    ),
    s("text", { x: CHART.left - 4, y: bottom, "text-anchor": "end" }, `0${options.unit}`),
  );
  series.forEach((line, place) => {
    const index = line.colorIndex ?? place;
    /** @type {string[]} */
    let run = [];
    const flush = () => {
      if (run.length > 1) {
        root.append(
          s("polyline", {
            points: run.join(" "),
            fill: "none",
            stroke: color(index),
            "stroke-width": 2,
          }),
        );
      }
      run = [];
    };
    line.values.forEach((value, position) => {
      if (value === null) {
        flush();
        return;
      }
      const x = CHART.left + position * step + step / 2;
      const y = bottom - (Math.min(value, max) / max) * plotHeight;
      run.push(`${x.toFixed(2)},${y.toFixed(2)}`);
      root.append(
        s(
          "circle",
          { cx: x.toFixed(2), cy: y.toFixed(2), r: 2.5, fill: color(index) },
          s(
            "title",
            {},
            `${clock(/** @type {number} */ (buckets[position]))} ${line.name}: ${value.toFixed(options.digits)}${options.unit}`,
          ),
        ),
      );
    });
    flush();
  });
  return root;
}

/** @param {{name: string, detail: string, colorIndex?: number}[]} entries */
function legend(entries) {
  return h(
    "div",
    { class: "legend" },
    ...entries.map((entry, place) => {
      const swatch = h("span", { class: "swatch" });
      swatch.style.background = color(entry.colorIndex ?? place);
      return h("span", {}, swatch, entry.name, " ", h("span", { class: "muted" }, entry.detail));
    }),
  );
}

function windowForm() {
  const select = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      {
        name: "window",
        onchange: (event) => {
          const [minutes, bucket] = /** @type {HTMLSelectElement} */ (event.target).value.split(
            "/",
          );
          state.minutes = Number(minutes);
          state.bucketSeconds = Number(bucket);
          refresh();
        },
      },
      ...[
        ["15/60", "last 15 minutes"],
        ["60/60", "last hour"],
        ["360/300", "last 6 hours"],
        ["1440/3600", "last 24 hours"],
        ["10080/10800", "last 7 days"],
      ].map(([value, text]) =>
        h("option", { value, selected: value === `${state.minutes}/${state.bucketSeconds}` }, text),
      ),
    )
  );
  return h(
    "form",
    { class: "inline window", onsubmit: (event) => event.preventDefault() },
    h("label", {}, "Window", select),
  );
}

function windowQuery() {
  return `minutes=${state.minutes}&bucketSeconds=${state.bucketSeconds}`;
}

// ------------------------------------------------------------------ sections

/** @param {Element} container */
async function renderDecisions(container) {
  const { data } = await api("/decisions?limit=100");
  if (state.decisionId === null && data.length > 0) state.decisionId = data[0].id;
  const rows = data.map((/** @type {Json} */ decision) =>
    h(
      "tr",
      {
        class: "selectable",
        "data-decision": decision.id,
        "aria-selected": decision.id === state.decisionId ? "true" : "false",
        tabindex: 0,
        onclick: () => {
          state.decisionId = decision.id;
          refresh();
        },
      },
      h("td", {}, time(decision.createdAt)),
      h("td", {}, decision.task),
      h("td", {}, badge(decision.status)),
      h("td", { class: "id" }, decision.winnerId ?? "–"),
      h("td", { class: "id" }, decision.id),
    ),
  );
  const selected = data.find((/** @type {Json} */ decision) => decision.id === state.decisionId);
  fill(
    container,
    data.length === 0
      ? h(
          "p",
          { class: "muted" },
          "No selection decisions yet. Run ",
          h("code", {}, "modelscout select <spec>"),
          " and it appears here.",
        )
      : h("div", { class: "card" }, table(["Time", "Task", "Status", "Winner", "Id"], rows)),
    selected &&
      h(
        "div",
        {},
        h(
          "h3",
          {},
          "Report ",
          h(
            "a",
            { href: selected.reportUrl, target: "_blank", rel: "noopener" },
            "(open in a new tab)",
          ),
        ),
        h("iframe", {
          class: "report",
          src: selected.reportUrl,
          title: `Decision report ${selected.id}`,
        }),
      ),
  );
}

/** @param {Element} container */
async function renderRoutes(container) {
  const body = await api(`/routes?${windowQuery()}`);
  const traffic = new Map(
    body.traffic.routes.map((/** @type {Json} */ route) => [route.route, route]),
  );
  const cards = body.routes.map((/** @type {Json} */ route) => {
    const seen = /** @type {Json | undefined} */ (traffic.get(route.name));
    const models = seen?.models ?? [];
    return h(
      "div",
      { class: "card", "data-route": route.name },
      h("h3", {}, route.name, " ", h("span", { class: "muted small" }, route.description ?? "")),
      h(
        "p",
        { class: "small" },
        ...route.targets.flatMap((/** @type {Json} */ target) => [
          h("strong", {}, target.task),
          ` (${target.policy}${targetTerms(target)}): `,
          target.candidates
            .map((/** @type {Json} */ candidate) =>
              candidate.languages == null
                ? candidate.model
                : `${candidate.model} [${candidate.languages.join(", ")}]`,
            )
            .join(", "),
          h("br"),
        ]),
      ),
      ...(models.length === 0
        ? [h("p", { class: "muted small" }, "No traffic in this window.")]
        : trafficByTarget(route, models).map((group, _, groups) =>
            h(
              "div",
              {
                "data-chart": "share",
                "data-requests": group.total,
                ...(group.task !== null && { "data-task": group.task }),
              },
              groups.length === 1
                ? null
                : h(
                    "p",
                    { class: "small" },
                    h("strong", {}, group.task ?? "not in the config now"),
                  ),
              shareChart(
                body.traffic.buckets,
                group.models,
                `Traffic share per model on ${route.name}${group.task === null || groups.length === 1 ? "" : ` (${group.task})`}`,
              ),
              legend(
                group.models.map((/** @type {Json} */ model) => ({
                  name: model.model,
                  detail: `${percent(model.share)} · ${model.total} req${model.errors > 0 ? ` · ${model.errors} errors` : ""}${model.tokens > 0 ? ` · ${model.tokens} tokens` : ""}${model.costUsd === null ? "" : ` · ${usd(model.costUsd)}`}`,
                })),
              ),
            ),
          )),
      classificationLine(seen),
    );
  });
  fill(container, windowForm(), configLine(body), h("div", { class: "grid" }, ...cards));
}

/**
 * A route's models by the target (task) they serve on it, each with its share of that
 * target's requests: a chat model and a classifier on one route never compete for the same
 * requests, so one share across both would show a split that never happened. Each model's
 * `task` is the server's (the first target listing it in the config in service, as the
 * models section's series have it); models no target lists now (the config was reloaded
 * since) make a group of their own, with task null. Groups come in the order of the route's
 * targets.
 * @param {Json} route the route as the config in service has it
 * @param {Json[]} models the route's traffic per model in the window, each with its `task`
 * @returns {{task: string | null, total: number, models: any[]}[]}
 */
function trafficByTarget(route, models) {
  /** @type {{task: string | null, models: any[]}[]} */
  const groups = [];
  const tasks = new Set(route.targets.map((/** @type {Json} */ target) => target.task));
  for (const task of tasks) {
    const members = models.filter((model) => model.task === task);
    if (members.length > 0) groups.push({ task, models: members });
  }
  const rest = models.filter((model) => model.task == null || !tasks.has(model.task));
  if (rest.length > 0) groups.push({ task: null, models: rest });
  return groups.map((group) => {
    const total = group.models.reduce((sum, model) => sum + model.total, 0);
    return {
      task: group.task,
      total,
      models: group.models.map((model) => ({
        ...model,
        share: total > 0 ? model.total / total : 0,
      })),
    };
  });
}

/**
 * What classifying the route's requests cost apart from their answers (ADR 0091): the tokens
 * and cost of its classification steps' model calls (an LLM classifier, an embedding server);
 * nothing where no step reported tokens (rules, a local encoder).
 * @param {Json | undefined} seen the route's traffic
 */
function classificationLine(seen) {
  if (seen === undefined || !(seen.classificationTokens > 0)) return null;
  return h(
    "p",
    { class: "small", "data-classification": "" },
    `Classifying these requests: ${seen.classificationTokens} tokens${seen.classificationCostUsd === null ? "" : ` · ${usd(seen.classificationCostUsd)}`}`,
  );
}

/**
 * What a target does besides its policy: a bandit's answer value (ADR 0053) and latency SLO
 * (ADR 0055), a cascade's threshold (ADR 0057), the language detector (ADR 0058), as
 * ", a good answer $0.002, SLO 8000 ms"; empty for none.
 * @param {Json} target
 */
function targetTerms(target) {
  const terms = [];
  if (target.answerValueUsd != null) terms.push(`a good answer ${usd(target.answerValueUsd)}`);
  if (target.latencySloMs != null) terms.push(`SLO ${target.latencySloMs} ms`);
  if (target.minConfidence != null) terms.push(`cascade below ${target.minConfidence}`);
  if (target.languageDetector != null) terms.push(`language by ${target.languageDetector}`);
  return terms.length === 0 ? "" : `, ${terms.join(", ")}`;
}

/**
 * US dollars as people read them: cents to two places, smaller sums to what shows.
 * @param {number} value
 */
function usd(value) {
  if (value === 0 || value >= 0.01) return `$${value.toFixed(2)}`;
  return `$${value.toPrecision(2)}`;
}

/**
 * The routes config's last reload (SIGHUP, or a new decision it follows) and what asked for it,
 * and the request log's retention. A refused reload
 * is an alert: the server runs an older config than its file.
 * @param {Json} body `GET /admin/api/routes`
 */
function configLine(body) {
  const kept =
    body.logRetentionDays === 0
      ? "The request log keeps every request."
      : `The request log keeps ${body.logRetentionDays} days.`;
  const reload = /** @type {Json | null} */ (body.lastReload);
  if (reload === null) return h("p", { class: "muted small", "data-config": "" }, kept);
  if (reload.applied) {
    return h(
      "p",
      { class: "muted small", "data-config": "reloaded" },
      `Routes config reloaded ${time(reload.at)}${reload.cause === null ? "" : ` (${reload.cause})`}: ${reload.message}. ${kept}`,
    );
  }
  return h(
    "p",
    { class: "error", role: "alert", "data-config": "refused" },
    `The last reload of the routes config was refused (${time(reload.at)}${reload.cause === null ? "" : `, ${reload.cause}`}), so the server runs the config it had: ${reload.message}`,
  );
}

/**
 * A route's models grouped by the task they serve on it (the server's `task`, from the routes
 * config), in the order the series gives them, those no target lists last: a chat model's
 * latency in seconds and a classifier's in milliseconds on one chart would flatten the
 * classifier's line to the axis.
 * @param {Json[]} models
 * @returns {[string | null, Json[]][]}
 */
function byTask(models) {
  /** @type {Map<string | null, Json[]>} */
  const groups = new Map();
  for (const model of models) {
    const task = model.task ?? null;
    const group = groups.get(task) ?? [];
    group.push(model);
    groups.set(task, group);
  }
  const listed = [...groups.entries()].filter(([task]) => task !== null);
  const unlisted = groups.get(null);
  return unlisted === undefined ? listed : [...listed, [null, unlisted]];
}

/** @param {Element} container */
async function renderModels(container) {
  const [body, learnerDecisions] = await Promise.all([
    api(`/models?${windowQuery()}`),
    api("/learner/decisions?limit=20"),
  ]);
  const buckets = body.series.buckets;
  /** @type {Map<string, Json[]>} */
  const byRoute = new Map();
  for (const model of body.series.models) {
    const list = byRoute.get(model.route) ?? [];
    list.push(model);
    byRoute.set(model.route, list);
  }
  const cards = [...byRoute.entries()].map(([route, models]) => {
    const feedback = models.reduce((sum, model) => sum + model.feedback, 0);
    return h(
      "div",
      { class: "card", "data-route": route },
      h("h3", {}, route),
      h(
        "div",
        { "data-chart": "quality", "data-feedback": feedback },
        h("p", { class: "small muted" }, "Quality: mean feedback reward (0-1) per bucket"),
        lineChart(
          buckets,
          models.map((model) => ({
            name: model.model,
            values: model.points.map((/** @type {Json} */ point) => point.meanReward),
          })),
          { label: `Mean feedback reward per model on ${route}`, max: 1, unit: "", digits: 2 },
        ),
        legend(
          models.map((model) => ({
            name: model.model,
            detail: `${fixed(model.meanReward, 2)} mean · ${model.feedback} feedback`,
          })),
        ),
      ),
      ...byTask(models).map(([task, group], _, groups) =>
        h(
          "div",
          { "data-chart": "latency", "data-task": task ?? "" },
          h(
            "p",
            { class: "small muted" },
            `Latency: p95 per bucket (successful requests)${groups.length === 1 ? "" : `, ${task ?? "not in the config now"}`}`,
          ),
          lineChart(
            buckets,
            group.map((model) => ({
              name: model.model,
              values: model.points.map((/** @type {Json} */ point) => point.latencyP95Ms),
              colorIndex: models.indexOf(model),
            })),
            {
              label: `p95 latency per model on ${route}${task === null ? "" : `, ${task}`}`,
              unit: " ms",
              digits: 0,
            },
          ),
          legend(
            group.map((model) => ({
              name: model.model,
              detail: `${model.requests} ok requests`,
              colorIndex: models.indexOf(model),
            })),
          ),
        ),
      ),
    );
  });
  const standings = body.standings;
  fill(
    container,
    windowForm(),
    cards.length === 0
      ? h("p", { class: "muted" }, "No routed requests in this window.")
      : h("div", { class: "grid" }, ...cards),
    h("h3", {}, "Availability"),
    availabilityTable(body.availability),
    h("h3", {}, "Learner standings"),
    standings === null
      ? h("p", { class: "muted" }, "This server runs without a routing learner (no bandit routes).")
      : standings.length === 0
        ? h("p", { class: "muted" }, "No feedback has reached the learner yet.")
        : h(
            "div",
            { class: "card" },
            proposalForm(),
            table(
              [
                "Route",
                "Model",
                "Domain",
                { text: "Mean quality", numeric: true },
                { text: "Evidence", numeric: true },
                { text: "Mean cost", numeric: true },
                "State",
                "Propose",
              ],
              standings.map((/** @type {Json} */ standing) =>
                h(
                  "tr",
                  { "data-standing": `${standing.route}|${standing.modelId}` },
                  h("td", {}, standing.route),
                  h("td", { class: "id" }, standing.modelId),
                  h("td", {}, standing.domain ?? "all"),
                  h("td", { class: "num" }, fixed(standing.mean)),
                  h("td", { class: "num" }, fixed(standing.effectiveCount, 1)),
                  // Per rewarded request, where the requests had a cost (ADR 0053).
                  h(
                    "td",
                    { class: "num" },
                    standing.meanCostUsd == null ? "–" : usd(standing.meanCostUsd),
                  ),
                  h(
                    "td",
                    {},
                    standing.demoted ? badge("demoted") : "active",
                    // A route a reload removed: its learning is kept, but it routes nothing now.
                    standing.inConfig === false &&
                      h(
                        "span",
                        {
                          class: "muted",
                          "data-not-in-config": "",
                          title:
                            "The routes config in service has no target with this model here. What was learned is kept: a reload that brings the route back starts from it.",
                        },
                        " · not in the config",
                      ),
                  ),
                  h(
                    "td",
                    {},
                    // Only a bandit target in service follows the learner: a demotion on a
                    // removed route or another policy would change nothing (it is refused).
                    standing.domain === null &&
                      standing.policy === "bandit" &&
                      h(
                        "button",
                        {
                          type: "button",
                          "data-propose": standing.demoted ? "reinstate" : "demote",
                          onclick: () =>
                            propose(
                              standing.demoted ? "reinstate" : "demote",
                              standing.route,
                              standing.modelId,
                            ),
                        },
                        standing.demoted ? "Reinstate…" : "Demote…",
                      ),
                  ),
                ),
              ),
            ),
          ),
    h("h3", {}, "Learner decisions"),
    learnerDecisionsTable(learnerDecisions.data),
  );
}

/**
 * The learner's demotions and reinstatements, most recent first, each with the rule or the
 * operator's note that decided it and its evidence (ADR 0012).
 * @param {Json[]} decisions
 */
function learnerDecisionsTable(decisions) {
  if (decisions.length === 0) {
    return h("p", { class: "muted" }, "No model has been demoted or reinstated.");
  }
  return h(
    "div",
    { class: "card" },
    table(
      ["When", "Decision", "Route", "Domain", "Model", "Baseline", "By", "Why"],
      decisions.map((/** @type {Json} */ decision) =>
        h(
          "tr",
          { "data-learner-decision": decision.id },
          h("td", {}, time(decision.at)),
          h("td", {}, decision.kind === "demote" ? badge("demoted") : "reinstated"),
          h("td", {}, decision.route),
          h("td", {}, decision.domain ?? "all"),
          h("td", { class: "id" }, decision.modelId),
          h("td", { class: "id" }, decision.baselineModelId ?? ""),
          h("td", {}, decision.actor),
          h(
            "td",
            {},
            h(
              "details",
              {},
              h("summary", {}, decision.evidence?.rule ?? decision.note ?? "evidence"),
              h("pre", {}, JSON.stringify(decision.evidence, null, 2)),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * Loaded; idle, unloaded at a time and loading again on its next request (ADR 0099); or not
 * loaded (its load failed, or has not run).
 * @param {Record<string, Json>} model
 */
function loadCell(model) {
  if (model.loaded) return "loaded";
  if (typeof model.idleSince === "string") {
    return h("span", {}, badge("idle"), ` since ${time(model.idleSince)}`);
  }
  return badge("not-loaded");
}

/**
 * Each model as the router sees it now: loaded, its circuit breaker, its calls in flight
 * against its `max_in_flight` (ADR 0033), and the active health checks' verdict (ADR 0028),
 * with the last error either gave.
 * @param {Record<string, Json> | null} availability
 */
function availabilityTable(availability) {
  if (availability === null) return h("p", { class: "muted" }, "Not reported by this server.");
  const rows = Object.entries(availability).map(([id, model]) => {
    const health = model.health;
    const breaker = model.breaker;
    const load = model.load;
    const error = health?.error ?? breaker.lastError ?? model.error;
    return h(
      "tr",
      {
        "data-availability": id,
        "data-breaker": breaker.state,
        "data-health": health?.state ?? "not-checked",
      },
      h("td", { class: "id" }, id),
      h("td", {}, model.provider),
      h("td", {}, loadCell(model)),
      h(
        "td",
        {},
        badge(breaker.state),
        breaker.retryAtMs === null
          ? ""
          : ` · trial ${time(new Date(breaker.retryAtMs).toISOString())}`,
      ),
      h(
        "td",
        { "data-in-flight": load === undefined ? "" : String(load.inFlight) },
        load === undefined
          ? ""
          : `${load.inFlight}${load.maxInFlight === null ? "" : ` / ${load.maxInFlight}`}${
              load.refused > 0 ? ` · ${load.refused} refused` : ""
            }`,
      ),
      h(
        "td",
        {},
        health === undefined
          ? h("span", { class: "muted" }, "not checked")
          : h(
              "span",
              {},
              badge(health.state),
              health.checkedAt ? ` · ${time(health.checkedAt)}` : "",
            ),
      ),
      h("td", { class: "small" }, error ?? ""),
    );
  });
  return h(
    "div",
    { class: "card" },
    table(
      ["Model", "Provider", "Loaded", "Breaker", "In flight", "Health check", "Last error"],
      rows,
    ),
  );
}

/** Who proposes, and where the outcome of a proposal is shown. */
function proposalForm() {
  const actor = /** @type {HTMLInputElement} */ (
    h("input", {
      name: "proposer",
      value: state.actor,
      autocomplete: "name",
      placeholder: "your name",
      oninput: (event) => {
        state.actor = /** @type {HTMLInputElement} */ (event.target).value.trim();
        localStorage.setItem("modelscout.actor", state.actor);
      },
    })
  );
  return h(
    "form",
    { class: "inline", onsubmit: (event) => event.preventDefault() },
    h("label", {}, "Your name (for proposals)", actor),
    h(
      "p",
      { class: "small muted", "data-proposal-status": true, role: "status" },
      state.proposalMessage,
    ),
  );
}

/**
 * Opens a review item proposing to demote or reinstate a model; approving it does the change.
 * @param {"demote" | "reinstate"} kind @param {string} route @param {string} modelId
 */
async function propose(kind, route, modelId) {
  const show = (/** @type {string} */ message) => {
    state.proposalMessage = message;
    const status = document.querySelector("[data-proposal-status]");
    if (status) status.textContent = message;
  };
  if (state.actor === "") {
    show("Enter your name first: the audit trail records who proposed.");
    return;
  }
  try {
    const item = await post("/reviews", { kind, route, modelId, actor: state.actor });
    show(`Review item ${item.id} opened: approve it in Alerts & reviews.`);
  } catch (failure) {
    show(failure instanceof Error ? failure.message : String(failure));
  }
}

/** @param {Json} entry */
function auditLine(entry) {
  return h(
    "li",
    { "data-audit": entry.action },
    `${time(entry.at)} · `,
    h("strong", {}, entry.actor),
    ` ${entry.action}`,
    entry.comment ? `: “${entry.comment}”` : "",
    entry.action === "action_failed" && entry.details?.error
      ? h("span", { class: "error" }, ` (${entry.details.error})`)
      : "",
  );
}

/** @param {Json} action */
function describeAction(action) {
  if (action.kind === "demote") return `demote ${action.modelId} on ${action.route}`;
  if (action.kind === "reinstate") return `reinstate ${action.modelId} on ${action.route}`;
  if (action.kind === "change_route")
    return `switch ${action.route} from ${action.fromModelId} to ${action.toModelId ?? "(choose)"}`;
  return "acknowledge (no routing change)";
}

/** @param {Json} item */
function reviewCard(item) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const actor = /** @type {HTMLInputElement} */ (
    h("input", {
      name: "actor",
      value: state.actor,
      required: true,
      autocomplete: "name",
      placeholder: "your name",
      // Kept as typed, so a redraw of the section (and every other card) shows it.
      oninput: (event) => {
        state.actor = /** @type {HTMLInputElement} */ (event.target).value.trim();
      },
    })
  );
  const comment = /** @type {HTMLTextAreaElement} */ (
    h("textarea", { name: "comment", placeholder: "why (kept in the audit trail)" })
  );
  comment.value = state.drafts.get(item.id) ?? "";
  // A route switch proposed without a target model needs one to be approved.
  const needsTarget =
    item.proposedAction?.kind === "change_route" && item.proposedAction.toModelId == null;
  const target = /** @type {HTMLInputElement} */ (
    h("input", { name: "toModelId", placeholder: "model to switch to (as in the routes config)" })
  );
  comment.addEventListener("input", () => state.drafts.set(item.id, comment.value));
  /** @param {"approve" | "reject"} verb */
  const decide = async (verb) => {
    if (actor.value.trim() === "") {
      error.textContent = "Enter your name: the audit trail records who decided.";
      error.hidden = false;
      actor.focus();
      return;
    }
    state.actor = actor.value.trim();
    localStorage.setItem("modelscout.actor", state.actor);
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    try {
      await post(`/reviews/${encodeURIComponent(item.id)}/${verb}`, {
        actor: state.actor,
        ...(comment.value.trim() !== "" && { comment: comment.value.trim() }),
        ...(verb === "approve" && needsTarget && target.value.trim() !== ""
          ? { toModelId: target.value.trim() }
          : {}),
      });
      state.drafts.delete(item.id);
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
      await refresh();
    } catch (failure) {
      error.textContent = failure instanceof Error ? failure.message : String(failure);
      error.hidden = false;
      for (const button of form.querySelectorAll("button")) button.disabled = false;
      await refreshAudit(item.id, auditList);
    }
  };
  const form = h(
    "form",
    { onsubmit: (event) => event.preventDefault(), "data-review-form": item.id },
    h("div", { class: "actions" }, h("label", {}, "Your name", actor)),
    ...(needsTarget ? [h("label", {}, "Switch to", target)] : []),
    h("label", {}, "Comment", comment),
    h(
      "div",
      { class: "actions" },
      h(
        "button",
        { type: "button", class: "primary", onclick: () => decide("approve") },
        "Approve",
      ),
      h("button", { type: "button", class: "danger", onclick: () => decide("reject") }, "Reject"),
    ),
    error,
  );
  const auditList = h("ol", { class: "audit" }, ...item.audit.map(auditLine));
  return h(
    "article",
    { class: "card", "data-review": item.id, "data-status": item.status },
    h("div", {}, badge(item.status), " ", h("strong", {}, item.summary)),
    h(
      "p",
      { class: "small muted" },
      `${item.route} · ${item.modelId} · rule ${item.ruleId ?? "(by hand)"} · proposes: ${describeAction(item.proposedAction)} · ${item.occurrences} firing(s) · opened ${time(item.createdAt)}`,
      // Opened before a reload removed its route or model: an approval could change nothing.
      item.status === "open" &&
        item.inConfig === false &&
        h(
          "span",
          {
            "data-not-in-config": "",
            title:
              "No route of the routes config in service lists this model here any more: approving a demotion, reinstatement or switch is refused. Reject it, or reload a config that brings the route back.",
          },
          " · not in the config",
        ),
    ),
    item.status === "open"
      ? form
      : h(
          "p",
          { class: "small" },
          `${item.status} by `,
          h("strong", {}, item.decidedBy ?? "?"),
          ` ${time(item.decidedAt)}`,
          item.decisionComment ? `: “${item.decisionComment}”` : "",
        ),
    h(
      "details",
      {},
      h("summary", {}, "Evidence"),
      h("pre", {}, JSON.stringify(item.evidence, null, 2)),
    ),
    h("details", { open: item.status !== "open" }, h("summary", {}, "Audit trail"), auditList),
  );
}

/** @param {string} id @param {Element} list */
async function refreshAudit(id, list) {
  try {
    const body = await api(`/reviews/${encodeURIComponent(id)}`);
    fill(list, ...body.audit.map(auditLine));
  } catch {
    // The error above already says what went wrong.
  }
}

/** @param {Element} container */
async function renderAlerts(container) {
  const status = state.reviewFilter === "open" ? "open" : "approved,rejected";
  const [reviews, alerts] = await Promise.all([
    api(`/reviews?status=${status}&limit=50`),
    api("/alerts?limit=50"),
  ]);
  const filter = h(
    "div",
    { class: "actions", role: "group", "aria-label": "Review items" },
    ...[
      ["open", "Open"],
      ["decided", "Decided"],
    ].map(([value, text]) =>
      h(
        "button",
        {
          type: "button",
          "data-filter": value,
          "aria-pressed": state.reviewFilter === value ? "true" : "false",
          class: state.reviewFilter === value ? "primary" : undefined,
          onclick: () => {
            state.reviewFilter = value;
            refresh();
          },
        },
        text,
      ),
    ),
  );
  fill(
    container,
    h("h3", {}, `Review queue (${reviews.total} ${state.reviewFilter})`),
    filter,
    reviews.items.length === 0
      ? h(
          "p",
          { class: "muted" },
          state.reviewFilter === "open" ? "Nothing waits for review." : "No decided items yet.",
        )
      : h("div", {}, ...reviews.items.map(reviewCard)),
    h("h3", {}, "Alerts"),
    alerts.alerts.length === 0
      ? h("p", { class: "muted" }, "No alert has fired.")
      : h(
          "div",
          { class: "card" },
          table(
            ["Fired", "Rule", "Route", "Model", "Summary"],
            alerts.alerts.map((/** @type {Json} */ alert) =>
              h(
                "tr",
                { "data-alert": alert.id },
                h("td", {}, time(alert.firedAt)),
                h("td", {}, alert.ruleId),
                h("td", {}, alert.route),
                h("td", { class: "id" }, alert.modelId),
                h("td", { class: "small" }, alert.summary),
              ),
            ),
          ),
        ),
    h("h3", {}, "Rules"),
    ...alerts.rules.map((/** @type {Json} */ rule) =>
      h(
        "details",
        { class: "card" },
        h("summary", {}, h("strong", {}, rule.id), " ", rule.description ?? ""),
        h(
          "pre",
          {},
          JSON.stringify(
            { conditions: rule.conditions, actions: rule.actions, match: rule.match },
            null,
            2,
          ),
        ),
      ),
    ),
  );
}

/** @param {Element} container */
async function renderCatalog(container) {
  const results = h("div", { "data-catalog-results": true });
  /** @param {Json} query */
  const search = async (query) => {
    state.catalogQuery = query;
    const parameters = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== "") parameters.set(key, String(value));
    fill(results, h("p", { class: "muted" }, "Searching..."));
    try {
      const body = await api(`/catalog/search?${parameters}`);
      fill(
        results,
        body.models.length === 0
          ? h("p", { class: "muted" }, "No model matches.")
          : h(
              "div",
              { class: "card" },
              table(
                [
                  "Model",
                  "Task",
                  { text: "Params", numeric: true },
                  { text: "Downloads", numeric: true },
                  "Licence",
                  "Languages",
                  { text: "Latency", numeric: true },
                ],
                body.models.map((/** @type {Json} */ model) =>
                  h(
                    "tr",
                    { "data-model": model.id },
                    h("td", { class: "id" }, model.id),
                    h("td", {}, model.task ?? ""),
                    h("td", {}, parameterCount(model.params)),
                    h("td", { class: "num" }, model.downloads.toLocaleString()),
                    h("td", {}, model.license ?? ""),
                    h(
                      "td",
                      { class: "small" },
                      model.languages.slice(0, 6).join(", ") +
                        (model.languages.length > 6 ? "…" : ""),
                    ),
                    h(
                      "td",
                      { class: "num" },
                      model.latencyMs === null
                        ? "–"
                        : `${model.latencyMs.toFixed(1)} ms ${model.latencyKind === "estimated" ? "(est.)" : ""}`,
                    ),
                  ),
                ),
              ),
              body.hasMore
                ? h(
                    "p",
                    { class: "small muted" },
                    "More models match; narrow the search or raise the limit.",
                  )
                : null,
            ),
      );
    } catch (failure) {
      fill(
        results,
        h(
          "p",
          { class: "error", role: "alert" },
          failure instanceof Error ? failure.message : String(failure),
        ),
      );
    }
  };
  const query = state.catalogQuery ?? {
    task: "text-classification",
    language: "",
    library: "",
    hardware: "",
    sort: "downloads",
    limit: 20,
  };
  /** @param {string} name @param {string} label @param {string} placeholder */
  const field = (name, label, placeholder) =>
    h("label", {}, label, h("input", { name, value: query[name] ?? "", placeholder }));
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "inline",
        "data-catalog-form": true,
        onsubmit: (event) => {
          event.preventDefault();
          const data = new FormData(/** @type {HTMLFormElement} */ (event.target));
          search(
            Object.fromEntries(
              [...data.entries()].map(([key, value]) => [key, String(value).trim()]),
            ),
          );
        },
      },
      field("task", "Task", "text-classification"),
      field("language", "Language", "en, zh, chinese"),
      field("library", "Library", "transformers.js,onnx"),
      h(
        "label",
        { title: "Conversions, and repositories of any library the Hub tags onnx" },
        h("input", {
          type: "checkbox",
          name: "onnx",
          value: "true",
          checked: query.onnx === "true",
        }),
        "ONNX weights (run here)",
      ),
      field("hardware", "Hardware", "cpu-laptop, t4"),
      h(
        "label",
        {},
        "Sort",
        h(
          "select",
          { name: "sort" },
          ...["downloads", "likes", "score", "latency", "lastModified"].map((sort) =>
            h("option", { value: sort, selected: sort === query.sort }, sort),
          ),
        ),
      ),
      h(
        "label",
        {},
        "Limit",
        h("input", { name: "limit", type: "number", min: 1, max: 200, value: query.limit ?? 20 }),
      ),
      h("button", { type: "submit", class: "primary" }, "Search"),
    )
  );
  fill(container, form, results);
  await search(query);
}

const RENDERERS = /** @type {Record<string, (container: Element) => Promise<void>>} */ ({
  decisions: renderDecisions,
  routes: renderRoutes,
  models: renderModels,
  alerts: renderAlerts,
  catalog: renderCatalog,
});

// ------------------------------------------------------------------ navigation and refresh

/** @param {string} id */
function sectionElement(id) {
  return /** @type {HTMLElement} */ (document.getElementById(`section-${id}`));
}

/** True while the operator is typing in the visible section (a refresh would lose it). */
function editing() {
  const active = document.activeElement;
  return (
    active instanceof HTMLElement &&
    active.closest("form") !== null &&
    sectionElement(state.section).contains(active)
  );
}

let running = Promise.resolve();
/** When the last refresh began and how long it took (`performance.now()` ms). */
const lastRefresh = { startedAt: Number.NEGATIVE_INFINITY, tookMs: 0 };
/** @type {ReturnType<typeof setTimeout> | undefined} */
let pacedRefresh;

/**
 * Re-renders the visible section (one render at a time). The section is drawn off the page
 * and swapped in once its data has come: if the operator started typing in one of its forms
 * while the data was on its way, the new drawing is dropped and the section is drawn again
 * when they leave the form, so a name or comment being typed is never wiped.
 */
function refresh() {
  running = running.then(async () => {
    const section = sectionElement(state.section);
    const content = /** @type {Element} */ (section.querySelector(".content"));
    const next = /** @type {Element} */ (content.cloneNode(false));
    const startedAt = performance.now();
    try {
      await /** @type {(container: Element) => Promise<void>} */ (RENDERERS[state.section])(next);
      lastRefresh.startedAt = startedAt;
      lastRefresh.tookMs = performance.now() - startedAt;
      if (editing()) {
        holdRedraw();
        return;
      }
      content.replaceWith(next);
      state.refreshes += 1;
      document.body.dataset.refreshes = String(state.refreshes);
      // Time from navigation start to the first rendered section (bench/dashboard-load.ts).
      document.body.dataset.firstRenderMs ??= String(Math.round(performance.now()));
      delete document.body.dataset.error;
      setStatus(`updated ${new Date().toLocaleTimeString()}`);
    } catch (failure) {
      document.body.dataset.error = failure instanceof Error ? failure.message : String(failure);
      fill(
        content,
        h(
          "p",
          { class: "error", role: "alert" },
          failure instanceof Error ? failure.message : String(failure),
        ),
      );
    }
  });
  return running;
}

/** @param {string} text */
function setStatus(text) {
  const status = /** @type {HTMLElement} */ (document.getElementById("status"));
  status.dataset.live = String(state.live);
  status.textContent = `${state.live ? "live · " : ""}${text}`;
}

function show() {
  const wanted = location.hash.replace(/^#/, "");
  state.section = SECTIONS.includes(wanted) ? wanted : "decisions";
  for (const id of SECTIONS) {
    sectionElement(id).hidden = id !== state.section;
    const link = document.querySelector(`nav a[data-section="${id}"]`);
    if (id === state.section) link?.setAttribute("aria-current", "page");
    else link?.removeAttribute("aria-current");
  }
  document.body.dataset.section = state.section;
  refresh();
}

/** @param {string[]} kinds */
function changed(kinds) {
  const shown = SECTION_CHANGES[state.section] ?? [];
  if (!kinds.some((kind) => shown.includes(kind))) return;
  if (pacedRefresh !== undefined) return;
  const wait = lastRefresh.startedAt + lastRefresh.tookMs * REFRESH_PACE - performance.now();
  if (wait <= 0) {
    refreshUnlessEditing();
    return;
  }
  document.body.dataset.pacedMs = String(Math.round(wait));
  pacedRefresh = setTimeout(() => {
    pacedRefresh = undefined;
    delete document.body.dataset.pacedMs;
    refreshUnlessEditing();
  }, wait);
}

function refreshUnlessEditing() {
  if (editing()) {
    holdRedraw();
    return;
  }
  refresh();
}

/** New data while the operator types in a form: drawn when they leave it (`focusout`). */
function holdRedraw() {
  state.pending = true;
  setStatus("new data: shown when you leave the form");
}

function listen() {
  const events = new EventSource(`${API}/events`);
  events.addEventListener("open", () => {
    state.live = true;
    setStatus("connected");
  });
  events.addEventListener("change", (event) => {
    changed(JSON.parse(/** @type {MessageEvent} */ (event).data).kinds);
  });
  events.addEventListener("error", () => {
    state.live = false;
    setStatus("reconnecting (refreshing every 30 s)");
  });
}

document.addEventListener("focusout", () => {
  // After the focus has moved: refresh once the operator has left the form.
  setTimeout(() => {
    if (state.pending && !editing()) {
      state.pending = false;
      refresh();
    }
  }, 0);
});
window.addEventListener("hashchange", show);
setInterval(() => {
  if (!state.live && !editing()) refresh();
}, POLL_MS);
show();
listen();
