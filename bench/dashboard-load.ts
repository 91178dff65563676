/**
 * The dashboard's first load in headless Chromium, and the bytes it costs.
 *
 *   npx tsx bench/dashboard-load.ts [--repeats 5] [--requests 3000]
 *
 * A routing server with monitoring and the admin side (two routes of `echo` models, one on the
 * bandit with the Thompson learner; state in a temporary MODELSCOUT_HOME) is given
 * `--requests` chat requests through the HTTP API over two routes, feedback on a third of
 * them, and 20 stored selection decisions, so the charts and tables have data. Then, per
 * repeat, a new browser context (cold cache) opens `/` and the time is taken, by the page's
 * own clock, from navigation start to: DOMContentLoaded, load, and the first section rendered
 * (the page records it in `data-first-render-ms`); bytes are the encoded bodies plus headers of every response the page
 * received (gzip where the server sends it), by kind (the event stream never ends: its
 * headers only). A second navigation in the same context
 * shows the warm-cache cost (the script answers 304). Each section's render time after a tab
 * click is measured too. Chromium is Debian's /usr/bin/chromium, as in the tests.
 * Writes bench/results/dashboard-load.json.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { ThompsonRouteLearner } from "../src/route/learning/thompson-route-learner.js";
import { parseRoutesConfig } from "../src/route/routes-config.js";
import { DecisionStore } from "../src/select/decision-store.js";
import { createAdminExtension } from "../src/server/admin/admin-extension.js";
import type { ServerMonitoring } from "../src/server/admin/server-monitoring.js";
import { startRoutingServer } from "../src/server/start-routing-server.js";
import { selectionDecision } from "../test/monitor/selection-decision.js";

const { values } = parseArgs({
  options: {
    repeats: { type: "string", default: "5" },
    requests: { type: "string", default: "3000" },
  },
});
const repeats = Number(values.repeats);
const requestCount = Number(values.requests);

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const home = mkdtempSync(join(tmpdir(), "ms-bench-dashboard-"));
const env = { ...process.env, MODELSCOUT_HOME: home };
const admin = createAdminExtension({ token: null, env, log: () => {} });
const server = await startRoutingServer({
  config: parseRoutesConfig(
    {
      version: 1,
      models: [
        { id: "echo:alpha", kind: "echo", template: "alpha: {{input}}" },
        { id: "echo:beta", kind: "echo", template: "beta: {{input}}" },
      ],
      routes: [
        {
          name: "support",
          targets: {
            "text-generation": { policy: "bandit", candidates: ["echo:alpha", "echo:beta"] },
          },
        },
        {
          name: "sales",
          targets: {
            "text-generation": {
              policy: "weighted",
              candidates: [
                { model: "echo:alpha", weight: 3 },
                { model: "echo:beta", weight: 1 },
              ],
            },
          },
        },
      ],
    },
    "bench routes",
  ),
  port: 0,
  env,
  createLearner: (database) => new ThompsonRouteLearner({ database }),
  extend: (parts) => admin.extend(parts),
});
const monitoring = admin.monitoring as ServerMonitoring;
const url = (path: string) => `${server.url}${path}`;

// ---------------------------------------------------------------- data
const seedStarted = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    for (let index = next++; index < requestCount; index = next++) {
      const response = await fetch(url("/v1/chat/completions"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: index % 2 === 0 ? "support" : "sales",
          messages: [{ role: "user", content: `question ${index}` }],
        }),
      });
      const body = (await response.json()) as { modelscout: { request_id: string; model: string } };
      if (index % 3 === 0) {
        await fetch(url("/v1/feedback"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            request_id: body.modelscout.request_id,
            rating: body.modelscout.model === "echo:alpha" ? 4 : 2,
          }),
        });
      }
    }
  }),
);
const decisions = DecisionStore.open({ database: server.database });
for (let index = 0; index < 20; index++) {
  decisions.save(
    selectionDecision({
      at: new Date(Date.now() - (20 - index) * 60_000).toISOString(),
      winner: index % 4 === 0 ? "acme/model-b" : "acme/model-a",
      qualities: { "acme/model-a": 0.8 - index * 0.002, "acme/model-b": 0.78 },
    }),
  );
}
monitoring.pollDecisions();
monitoring.flush();
const seedMs = performance.now() - seedStarted;

// ---------------------------------------------------------------- browser
interface LoadSample {
  domContentLoadedMs: number;
  loadMs: number;
  firstRenderMs: number;
  responses: number;
  bytes: number;
  bytesByKind: Record<string, number>;
}

async function measureLoad(context: BrowserContext, page: Page): Promise<LoadSample> {
  const sizes: Promise<{ kind: string; bytes: number }>[] = [];
  const onResponse = (response: import("playwright-core").Response) => {
    const request = response.request();
    if (request.resourceType() === "eventsource") {
      // The event stream never ends, so its size never settles: count its headers only.
      sizes.push(
        response.headersArray().then((headers) => ({
          kind: "eventsource",
          bytes: headers.reduce(
            (sum, header) => sum + header.name.length + header.value.length + 4,
            0,
          ),
        })),
      );
      return;
    }
    sizes.push(
      request.sizes().then((size) => ({
        kind: request.resourceType(),
        bytes: size.responseBodySize + size.responseHeadersSize,
      })),
    );
  };
  page.on("response", onResponse);
  await page.evaluate("delete document.body?.dataset.refreshes").catch(() => {});
  await page.goto(url("/"), { waitUntil: "domcontentloaded" });
  await page.locator("body[data-refreshes]").waitFor();
  const firstRenderMs = Number(await page.locator("body").getAttribute("data-first-render-ms"));
  await page.waitForLoadState("load");
  const timing = (await page.evaluate(
    "(() => { const n = performance.getEntriesByType('navigation')[0]; return { dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd }; })()",
  )) as { dcl: number; load: number };
  // Let the event stream's first bytes and late responses be counted.
  await page.waitForTimeout(200);
  page.off("response", onResponse);
  const measured = await Promise.all(sizes);
  const bytesByKind: Record<string, number> = {};
  for (const { kind, bytes } of measured) bytesByKind[kind] = (bytesByKind[kind] ?? 0) + bytes;
  void context;
  return {
    domContentLoadedMs: timing.dcl,
    loadMs: timing.load,
    firstRenderMs,
    responses: measured.length,
    bytes: measured.reduce((sum, entry) => sum + entry.bytes, 0),
    bytesByKind,
  };
}

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: CHROMIUM_ARGS,
});
const cold: LoadSample[] = [];
const warm: LoadSample[] = [];
const sectionMs: Record<string, number[]> = {};
try {
  for (let repeat = 0; repeat < repeats; repeat++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    cold.push(await measureLoad(context, page));
    warm.push(await measureLoad(context, page));
    for (const section of ["routes", "models", "alerts", "catalog", "decisions"]) {
      const before = await page.locator("body").getAttribute("data-refreshes");
      const started = performance.now();
      await page.click(`nav a[data-section="${section}"]`);
      await page
        .locator(`body[data-section="${section}"]:not([data-refreshes="${before}"])`)
        .waitFor();
      if (section === "catalog") {
        await page.locator("[data-catalog-results] tr[data-model]").first().waitFor();
      }
      const runs = sectionMs[section] ?? [];
      runs.push(performance.now() - started);
      sectionMs[section] = runs;
    }
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}

const summary = (samples: LoadSample[]) => ({
  medianFirstRenderMs: median(samples.map((sample) => sample.firstRenderMs)),
  medianDomContentLoadedMs: median(samples.map((sample) => sample.domContentLoadedMs)),
  medianLoadMs: median(samples.map((sample) => sample.loadMs)),
  medianBytes: median(samples.map((sample) => sample.bytes)),
  responses: samples[0]?.responses ?? 0,
  bytesByKind: samples[0]?.bytesByKind ?? {},
  firstRenderRunsMs: samples.map((sample) => sample.firstRenderMs),
});
const result = {
  command: process.argv.slice(2),
  node: process.version,
  chromium: browser.version(),
  repeats,
  requests: requestCount,
  seedMs: Math.round(seedMs),
  cold: summary(cold),
  warm: summary(warm),
  sectionRenderMedianMs: Object.fromEntries(
    Object.entries(sectionMs).map(([section, runs]) => [section, Math.round(median(runs))]),
  ),
};
writeFileSync(
  new URL("./results/dashboard-load.json", import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);

const row = (name: string, value: string) => `| ${name.padEnd(38)} | ${value.padStart(12)} |`;
console.log(
  `Dashboard load, ${repeats} repeats, ${requestCount} requests logged (seeded in ${result.seedMs} ms)`,
);
console.log(row("measure", "median"));
console.log(row("-".repeat(38), "-".repeat(12)));
console.log(row("cold: first section rendered (ms)", result.cold.medianFirstRenderMs.toFixed(0)));
console.log(row("cold: DOMContentLoaded (ms)", result.cold.medianDomContentLoadedMs.toFixed(0)));
console.log(row("cold: load event (ms)", result.cold.medianLoadMs.toFixed(0)));
console.log(row("cold: bytes received", String(result.cold.medianBytes)));
console.log(row("cold: responses", String(result.cold.responses)));
console.log(row("warm: first section rendered (ms)", result.warm.medianFirstRenderMs.toFixed(0)));
console.log(row("warm: bytes received", String(result.warm.medianBytes)));
for (const [section, ms] of Object.entries(result.sectionRenderMedianMs)) {
  console.log(row(`tab ${section} rendered (ms)`, String(ms)));
}
console.log("cold bytes by kind:", JSON.stringify(result.cold.bytesByKind));
