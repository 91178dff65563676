/**
 * The dashboard end to end in real headless Chromium: the real `modelscout serve` server
 * (port 0, a temporary MODELSCOUT_HOME, the bundled customer-service routes with complaint
 * sentiment on the bandit policy and the Thompson learner), requests and feedback sent
 * through the OpenAI-compatible API until an alert rule opens a review item, which is then
 * approved on the page; a chart that updates after new feedback; and a phone-sized screen.
 * One browser and one server for the file, to keep the wall time small.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAlertRules } from "../../src/monitor/alert-rules.js";
import { CUSTOMER_SERVICE_ROUTES } from "../../src/route/bundled/customer-service-routes.js";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import { parseRoutesConfig, type RoutesConfigInput } from "../../src/route/routes-config.js";
import { DecisionStore } from "../../src/select/decision-store.js";
import {
  type AdminExtension,
  createAdminExtension,
} from "../../src/server/admin/admin-extension.js";
import type { ServerMonitoring } from "../../src/server/admin/server-monitoring.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { selectionDecision } from "../monitor/selection-decision.js";
import { type Json, postJson } from "../server/routing-test-support.js";
import { requestLogRow } from "../support/request-log-row.js";
import { type Chromium, launchChromium } from "./chromium.js";

/** The bundled routes, with complaint sentiment (VADER vs AFINN) learned by the bandit. */
function bundledRoutesWithBandit(): RoutesConfigInput {
  const routes = structuredClone(CUSTOMER_SERVICE_ROUTES);
  const complaint = routes.routes.find((route) => route.name === "complaint");
  const target = complaint?.targets["text-classification"];
  if (target === undefined) throw new Error("the bundled routes changed: no complaint sentiment");
  target.policy = "bandit";
  // Far above what the lexicon models take: it changes no answer's reward here.
  target.latency_slo_ms = 5000;
  // English lexicons: a request the client says is English goes to them (ADR 0058).
  target.candidates = target.candidates.map((candidate) =>
    typeof candidate === "string" ? { model: candidate, languages: ["en"] } : candidate,
  );
  return routes;
}

/** Three wrong answers in a row from one sentiment model on the complaint route go to review. */
const RULES = parseAlertRules(
  {
    rules: [
      {
        id: "complaint-sentiment-drop",
        description:
          "mean correctness of a model's last 3 judged answers below 0.72 (20% under 0.9)",
        match: { routes: ["complaint"] },
        conditions: [
          {
            type: "accuracy_drop",
            source: "feedback",
            reference: "baseline",
            baseline_value: 0.9,
            current_window: 3,
            min_drop_percent: 20,
          },
        ],
        actions: [{ type: "review", proposed_action: "demote" }],
      },
    ],
  },
  "browser test rules",
);

let chromium: Chromium;
let server: RoutingServer;
let admin: AdminExtension;
let monitoring: ServerMonitoring;
let learner: ThompsonRouteLearner | undefined;

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), "ms-dashboard-"));
  const env = { ...process.env, MODELSCOUT_HOME: home };
  admin = createAdminExtension({ token: null, rules: RULES, env, log: () => {} });
  [chromium, server] = await Promise.all([
    launchChromium(),
    startRoutingServer({
      config: parseRoutesConfig(bundledRoutesWithBandit(), "bundled routes, complaint on bandit"),
      port: 0,
      env,
      createLearner: (database) => {
        learner = new ThompsonRouteLearner({ database });
        return learner;
      },
      extend: (parts) => admin.extend(parts),
    }),
  ]);
  monitoring = admin.monitoring as ServerMonitoring;
  // One selection decision in the shared state database, as `modelscout select` leaves it.
  DecisionStore.open({ database: server.database }).save(
    selectionDecision({
      at: new Date().toISOString(),
      winner: "npm:vader-sentiment",
      qualities: { "npm:vader-sentiment": 0.81, "npm:sentiment": 0.74 },
      task: "text-classification",
    }),
  );
  monitoring.pollDecisions();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
});

const url = (path: string) => `${server.url}${path}`;

async function classify(text: string): Promise<Json> {
  const response = await postJson(url("/v1/tasks/text-classification"), {
    model: "complaint",
    input: text,
  });
  expect(response.status).toBe(200);
  return response.json.modelscout;
}

async function openPage(section: string, width = 1200): Promise<Page> {
  const page = await chromium.context.newPage();
  // Each step waits 10 s at most, so a step that sticks is named in the failure (the test's
  // own 30 s timeout would name none).
  page.setDefaultTimeout(10_000);
  await page.setViewportSize({ width, height: width < 500 ? 740 : 900 });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(url(`/#${section}`));
  await page.locator("body[data-refreshes], body[data-error]").waitFor({ timeout: 10_000 });
  const error = await page.locator("body").getAttribute("data-error");
  if (error !== null) throw new Error(`the dashboard failed to load ${section}: ${error}`);
  return page;
}

function pageErrors(page: Page): string[] {
  return (page as Page & { errors: string[] }).errors;
}

describe("dashboard in Chromium", () => {
  it("navigates the sections, opens a review item from API traffic and approves it on the page", async () => {
    const page = await openPage("decisions");
    // Decisions and their report.
    const row = page.locator("tr[data-decision]");
    await row.first().waitFor();
    expect(await row.first().textContent()).toContain("npm:vader-sentiment");
    const report = page.frameLocator("iframe.report");
    await report.locator("text=npm:vader-sentiment").first().waitFor();

    // Requests and wrong-answer feedback through the API until the rule opens an item.
    let open: Json[] = [];
    for (let attempt = 0; attempt < 20 && open.length === 0; attempt++) {
      const decision = await classify(`the parcel arrived broken, attempt ${attempt}`);
      const feedback = await postJson(url("/v1/feedback"), {
        request_id: decision.request_id,
        correct: false,
      });
      expect(feedback.status).toBe(200);
      monitoring.flush();
      const reviews = (await (await fetch(url("/admin/api/reviews?status=open"))).json()) as Json;
      open = reviews.items;
    }
    expect(open).toHaveLength(1);
    const item = open[0];
    expect(item).toMatchObject({ route: "complaint", ruleId: "complaint-sentiment-drop" });

    // Routes: the complaint route's traffic share chart.
    await page.click('nav a[data-section="routes"]');
    const share = page.locator('[data-route="complaint"] [data-chart="share"]');
    await share.waitFor();
    expect(Number(await share.getAttribute("data-requests"))).toBeGreaterThanOrEqual(3);
    expect(await share.locator("rect").count()).toBeGreaterThanOrEqual(1);

    // Alerts and reviews: approve with a name and a comment.
    await page.click('nav a[data-section="alerts"]');
    const card = page.locator(`article[data-review="${item.id}"][data-status="open"]`);
    await card.waitFor();
    await card.locator('input[name="actor"]').fill("alice");
    await card.locator('textarea[name="comment"]').fill("three wrong answers on complaints");
    await card.locator("button", { hasText: "Approve" }).click();
    await card.waitFor({ state: "detached" });
    await page.click('button[data-filter="decided"]');
    const decided = page.locator(`article[data-review="${item.id}"][data-status="approved"]`);
    await decided.waitFor();
    const audit = await decided.locator("ol.audit li").allTextContents();
    expect(audit).toHaveLength(2);
    expect(audit[0]).toContain("rule:complaint-sentiment-drop opened");
    expect(audit[1]).toContain("alice approved");
    expect(audit[1]).toContain("three wrong answers on complaints");

    // The learner demoted the model; the standings say so.
    expect(learner?.demotions().map((demotion) => demotion.modelId)).toEqual([item.modelId]);
    await page.click('nav a[data-section="models"]');
    const standing = page.locator(
      `tr[data-standing="complaint/text-classification|${item.modelId}"]`,
    );
    await standing.waitFor();
    expect(await standing.textContent()).toContain("demoted");
    // A local model has no token bill: its mean cost is unknown, shown as a dash.
    const cells = await standing.locator("td").allTextContents();
    const headers = await page.locator("table:has(tr[data-standing]) th").allTextContents();
    expect(cells[headers.indexOf("Mean cost")]).toBe("–");
    // The demotion is listed with who decided it.
    const learnerDecision = page.locator(`tr[data-learner-decision]:has-text("${item.modelId}")`);
    await learnerDecision.waitFor();
    expect(await learnerDecision.textContent()).toContain("alice");

    // Catalog search.
    await page.click('nav a[data-section="catalog"]');
    await page.locator("[data-catalog-results] tr[data-model]").first().waitFor();
    await page.fill('[data-catalog-form] input[name="task"]', "language-identification");
    await page.click('[data-catalog-form] button[type="submit"]');
    await page.locator('[data-catalog-results] tr[data-model="npm:eld"]').waitFor();
    expect(await page.locator("[data-catalog-results] tr[data-model]").count()).toBeGreaterThan(1);
    // One library of the task's several (npm models are listed under their runtime package).
    await page.fill('[data-catalog-form] input[name="library"]', "eld");
    await page.click('[data-catalog-form] button[type="submit"]');
    // Polled from here: the page's Content Security Policy forbids evaluating a string in it.
    await expect
      .poll(() => page.locator("[data-catalog-results] tr[data-model]").count(), {
        timeout: 10_000,
      })
      .toBe(1);
    expect(
      await page
        .locator("[data-catalog-results] tr[data-model]")
        .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-model"))),
    ).toEqual(["npm:eld"]);
    // Models with ONNX weights only: the task's language identifiers are all npm packages.
    await page.fill('[data-catalog-form] input[name="library"]', "");
    await page.check('[data-catalog-form] input[name="onnx"]');
    await page.click('[data-catalog-form] button[type="submit"]');
    await page.locator('[data-catalog-results]:has-text("No model matches.")').waitFor();
    expect(await page.isChecked('[data-catalog-form] input[name="onnx"]')).toBe(true);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it("updates the quality chart after new feedback", async () => {
    const page = await openPage("models");
    const chart = page.locator('[data-route="complaint"] [data-chart="quality"]');
    await chart.waitFor();
    const before = Number(await chart.getAttribute("data-feedback"));
    const decision = await classify("I love it, thank you");
    await postJson(url("/v1/feedback"), { request_id: decision.request_id, correct: true });
    // The server pushes a change event; the page refetches and redraws the chart.
    await page
      .locator(`[data-route="complaint"] [data-chart="quality"][data-feedback="${before + 1}"]`)
      .waitFor({ timeout: 5000 });
    const legend = await chart.locator(".legend").textContent();
    expect(legend).toMatch(/feedback/);
    expect(await chart.locator("circle").count()).toBeGreaterThanOrEqual(1);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it("shows a standing on a route the config serves without a bandit as in the config, with no demotion to offer", async () => {
    // The learner learns from feedback on the delivery route too, though it is a fallback chain.
    const answer = await postJson(url("/v1/chat/completions"), {
      model: "delivery",
      messages: [{ role: "user", content: "where is my package?" }],
    });
    expect(answer.status).toBe(200);
    await postJson(url("/v1/feedback"), {
      request_id: answer.json.modelscout.request_id,
      correct: true,
    });
    const decision = await classify("the parcel arrived broken");
    await postJson(url("/v1/feedback"), { request_id: decision.request_id, correct: true });
    const page = await openPage("models");
    const delivery = page.locator(
      `tr[data-standing="delivery/text-generation|${answer.json.model}"]`,
    );
    await delivery.waitFor();
    expect(await delivery.locator("[data-not-in-config]").count()).toBe(0);
    // A demotion there would change nothing (only a bandit follows the learner): none offered.
    expect(await delivery.locator("button[data-propose]").count()).toBe(0);
    const complaint = page.locator(
      `tr[data-standing="complaint/text-classification|${decision.model}"]`,
    );
    expect(await complaint.locator("button[data-propose]").count()).toBe(1);
    expect(await complaint.locator("[data-not-in-config]").count()).toBe(0);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it("paces the refreshes that changes ask for by what the last refresh took", async () => {
    // The models series made slow: each read of it takes 600 ms more.
    const page = await chromium.context.newPage();
    page.setDefaultTimeout(10_000);
    let seriesReads = 0;
    await page.route(/\/admin\/api\/models\?/, async (route) => {
      seriesReads += 1;
      await new Promise((resolve) => setTimeout(resolve, 600));
      await route.continue();
    });
    await page.goto(url("/#models"));
    await page.locator("body[data-refreshes]").waitFor();
    const chart = page.locator('[data-route="complaint"] [data-chart="quality"]');
    const before = Number(await chart.getAttribute("data-feedback"));
    const readsAfterLoad = seriesReads;

    // Changes come; the next refresh waits about ten times the last one's 600 ms or more.
    for (const text of ["first change", "second change", "third change"]) {
      const decision = await classify(text);
      await postJson(url("/v1/feedback"), { request_id: decision.request_id, correct: true });
    }
    const paced = await page.locator("body[data-paced-ms]").getAttribute("data-paced-ms");
    expect(Number(paced)).toBeGreaterThan(1000);
    expect(seriesReads).toBe(readsAfterLoad);

    // Then one refresh shows all three.
    await page
      .locator(`[data-route="complaint"] [data-chart="quality"][data-feedback="${before + 3}"]`)
      .waitFor({ timeout: 15_000 });
    expect(seriesReads).toBe(readsAfterLoad + 1);
    await page.close();
  });

  it("charts every window the page offers, in both charted sections", async () => {
    for (const section of ["routes", "models"]) {
      const page = await openPage(section);
      const select = page.locator('select[name="window"]');
      const options = await select
        .locator("option")
        .evaluateAll((nodes) => nodes.map((node) => (node as unknown as { value: string }).value));
      expect(options.length, section).toBeGreaterThanOrEqual(5);
      for (const value of options) {
        const refreshes = await page.locator("body").getAttribute("data-refreshes");
        await select.selectOption(value);
        // Either the section redrew (a new refresh count) or the refresh failed (data-error).
        await page.locator(`body:not([data-refreshes="${refreshes}"]), body[data-error]`).waitFor();
        expect(await page.locator("body").getAttribute("data-error"), `${section} ${value}`).toBe(
          null,
        );
        const chart = section === "routes" ? "share" : "quality";
        await page.locator(`[data-route="complaint"] [data-chart="${chart}"]`).waitFor();
      }
      expect(pageErrors(page)).toEqual([]);
      await page.close();
    }
  });

  it("fits a 375 px wide screen in every section", async () => {
    // No section in the URL: the first click (decisions) is a navigation too.
    const page = await openPage("", 375);
    for (const section of ["decisions", "routes", "models", "alerts", "catalog"]) {
      const refreshes = await page.locator("body").getAttribute("data-refreshes");
      await page.click(`nav a[data-section="${section}"]`);
      // Rendered: the section is shown and the page has refreshed since the click.
      await page
        .locator(`body[data-section="${section}"]:not([data-refreshes="${refreshes}"])`)
        .waitFor();
      if (section === "catalog") {
        await page.locator("[data-catalog-results] tr[data-model]").first().waitFor();
      }
      const widths = await page.evaluate(
        "({ page: document.documentElement.scrollWidth, viewport: window.innerWidth })",
      );
      expect(widths, section).toEqual({ page: 375, viewport: 375 });
      for (const link of await page.locator("nav a").all()) {
        const box = await link.boundingBox();
        expect(box === null ? null : box.x + box.width <= 375, section).toBe(true);
      }
    }
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it("keeps a name and comment typed into a review card while the section redraws", async () => {
    const propose = (kind: string) =>
      postJson(url("/admin/api/reviews"), {
        kind,
        route: "complaint",
        modelId: "npm:sentiment",
        actor: "carol",
      });
    const first = await propose("demote");
    expect(first.status).toBe(201);
    const page = await openPage("alerts");
    const card = page.locator(`article[data-review="${first.json.id}"][data-status="open"]`);
    await card.waitFor();

    // Hold the section's next fetch of the open items, so its redraw is in flight while the
    // operator types (the race that once wiped the name between typing and clicking).
    let held: Route | undefined;
    let arrived!: () => void;
    const fetched = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const reviews = /\/admin\/api\/reviews\?status=open/;
    await page.route(reviews, (route) => {
      held = route;
      arrived();
    });
    // Another proposal: the server's change event makes the page redraw the section.
    const second = await propose("reinstate");
    expect(second.status).toBe(201);
    await fetched;
    await card.locator('input[name="actor"]').fill("bob");
    await card.locator('textarea[name="comment"]').fill("typed while the page redrew");
    await held?.continue();
    await page.unroute(reviews);

    // The redraw is held back while the operator is in the form, and the page says so.
    await page.locator("#status", { hasText: "shown when you leave the form" }).waitFor();
    expect(await card.locator('input[name="actor"]').inputValue()).toBe("bob");
    expect(await card.locator('textarea[name="comment"]').inputValue()).toBe(
      "typed while the page redrew",
    );
    await card.locator("button", { hasText: "Reject" }).click();
    await card.waitFor({ state: "detached" });
    const body = (await (await fetch(url(`/admin/api/reviews/${first.json.id}`))).json()) as Json;
    expect(body).toMatchObject({
      status: "rejected",
      decidedBy: "bob",
      decisionComment: "typed while the page redrew",
    });
    // The redraw after the decision shows the other proposal, still open.
    await page.locator(`article[data-review="${second.json.id}"][data-status="open"]`).waitFor();
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it("shows each model's tokens and cost in the routes' traffic, and the classification's apart", async () => {
    for (const [id, costUsd, classificationCostUsd] of [
      ["req_dash_cost_1", 0.0004, 0.00002],
      ["req_dash_cost_2", 0.0006, null],
    ] as const) {
      server.store.logRequest(
        requestLogRow(id, {
          createdAt: new Date().toISOString(),
          requested: "product",
          route: "product",
          model: "priced-chat",
          reason: "fixed",
          promptTokens: 40,
          completionTokens: 60,
          costUsd,
          // An LLM classifier named the route of the first (ADR 0091); the second, no call.
          classificationTokens: classificationCostUsd === null ? null : 31,
          classificationCostUsd,
        }),
      );
    }
    server.store.flush();
    const page = await openPage("routes");
    const legend = page.locator('[data-route="product"] [data-chart="share"] .legend');
    await legend.waitFor();
    expect(await legend.textContent()).toMatch(/priced-chat.*2 req · 200 tokens · \$0\.0010/);
    expect(await page.locator('[data-route="product"] [data-classification]').textContent()).toBe(
      "Classifying these requests: 31 tokens · $0.000020",
    );
    // A route whose requests no model classified has no such line.
    expect(await page.locator('[data-route="complaint"] [data-classification]').count()).toBe(0);
    // What the complaint route's bandit weighs besides quality.
    expect(await page.locator('[data-route="complaint"]').textContent()).toContain(
      "text-classification (bandit, SLO 5000 ms): npm:vader-sentiment [en], npm:sentiment [en]",
    );
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it("shows a route's traffic share per target, each target's own 100 %", async () => {
    // The complaint route answers chats and classifies: two targets whose models never
    // compete for the same requests.
    const chat = await postJson(url("/v1/chat/completions"), {
      model: "complaint",
      messages: [{ role: "user", content: "the blender arrived broken" }],
    });
    expect(chat.status).toBe(200);
    await classify("the kettle leaks");
    server.store.flush();
    const page = await openPage("routes");
    const card = page.locator('[data-route="complaint"]');
    const chats = card.locator('[data-chart="share"][data-task="text-generation"]');
    const labels = card.locator('[data-chart="share"][data-task="text-classification"]');
    await chats.waitFor();
    expect(Number(await chats.getAttribute("data-requests"))).toBeGreaterThanOrEqual(1);
    expect(await chats.locator(".legend").textContent()).toMatch(/^echo:aftersales-desk 100% · /);
    const shares = (await labels.locator(".legend .muted").allTextContents()).map((text) =>
      Number(/^([\d.]+)%/.exec(text)?.[1]),
    );
    expect(shares.length).toBeGreaterThanOrEqual(1);
    expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(100, 0);
    expect(await card.locator('[data-chart="share"]').count()).toBe(2);
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it("charts a route's latency per task it serves, so a chat model's seconds do not flatten a classifier's milliseconds", async () => {
    const chat = await postJson(url("/v1/chat/completions"), {
      model: "complaint",
      messages: [{ role: "user", content: "the toaster burnt my bread" }],
    });
    expect(chat.status).toBe(200);
    await classify("the fridge is noisy");
    server.store.flush();
    const page = await openPage("models");
    const card = page.locator('[data-route="complaint"]');
    const chats = card.locator('[data-chart="latency"][data-task="text-generation"]');
    const labels = card.locator('[data-chart="latency"][data-task="text-classification"]');
    await chats.waitFor();
    expect(await chats.locator(".legend").textContent()).toMatch(/^echo:aftersales-desk \d+ ok/);
    expect(await labels.locator(".legend").textContent()).not.toContain("echo:aftersales-desk");
    expect(await labels.locator("p").first().textContent()).toMatch(/, text-classification$/);
    expect(await card.locator('[data-chart="latency"]').count()).toBe(2);
    // Quality is on one 0-1 scale for every task: one chart.
    expect(await card.locator('[data-chart="quality"]').count()).toBe(1);
    // A model has one colour in every chart of the card.
    const swatches = await card.evaluate((element) =>
      [...element.querySelectorAll("[data-chart] .legend > span")].map((entry) => [
        entry.closest("[data-chart]")?.getAttribute("data-chart"),
        entry.childNodes[1]?.textContent,
        entry.querySelector(".swatch")?.getAttribute("style"),
      ]),
    );
    const qualityColour = new Map(
      swatches.filter(([chart]) => chart === "quality").map(([, name, colour]) => [name, colour]),
    );
    const latencySwatches = swatches.filter(([chart]) => chart === "latency");
    expect(latencySwatches.length).toBeGreaterThanOrEqual(2);
    for (const [, name, colour] of latencySwatches) {
      expect(colour, String(name)).toBe(qualityColour.get(name));
    }
    expect(pageErrors(page)).toEqual([]);
    await page.close();
  });

  it("shows the routes config's last reload, and a refused one as an alert", async () => {
    const page = await openPage("routes");
    const line = page.locator("[data-config]");
    expect(await line.textContent()).toBe("The request log keeps 30 days.");
    await page.close();

    // A reload that changes a setting taking a restart is refused; the page says so.
    const changed = bundledRoutesWithBandit();
    changed.server = { young_gc: "parallel" };
    await expect(
      server.reload(parseRoutesConfig(changed, "young_gc changed"), { cause: "SIGHUP" }),
    ).rejects.toThrow(/server\.young_gc changed/);
    const refused = await openPage("routes");
    const alert = refused.locator('[data-config="refused"][role="alert"]');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /^The last reload of the routes config was refused \(.*, SIGHUP\), so the server runs the config it had: .*server\.young_gc changed/,
    );
    await refused.close();

    // The same config as before is applied: every model is kept. The page says what asked.
    await server.reload(parseRoutesConfig(bundledRoutesWithBandit(), "the same routes"), {
      cause: "new decision: decision:latest -> npm:vader-sentiment (dec_1)",
    });
    const reloaded = await openPage("routes");
    const done = reloaded.locator('[data-config="reloaded"]');
    await done.waitFor();
    expect(await done.textContent()).toMatch(
      /^Routes config reloaded .* \(new decision: decision:latest -> npm:vader-sentiment \(dec_1\)\): routes delivery, complaint, product; models kept .*npm:vader-sentiment.*; loaded none; removed none\. The request log keeps 30 days\.$/,
    );
    expect(pageErrors(reloaded)).toEqual([]);
    await reloaded.close();
  });
});
