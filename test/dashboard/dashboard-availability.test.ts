/**
 * Model availability on the dashboard, in real headless Chromium: the server routes to two
 * fake OpenAI-compatible servers with active health checks (ADR 0028) every 40 ms. The admin
 * API's models answer carries each model's breaker and health check, and the Models section
 * shows them; when one server goes down, the page redraws on the checks' verdict alone (a
 * server-sent change event, no traffic) and shows it unhealthy, its breaker held open and
 * the error the check got. A model unloaded for being idle (ADR 0099) shows as idle, not as a
 * model that failed to load, and as loaded again once a request has used it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import {
  type AdminExtension,
  createAdminExtension,
} from "../../src/server/admin/admin-extension.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import {
  fallbackPairWithHealthChecks,
  getJson,
  type Json,
} from "../server/routing-test-support.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";
import { type Chromium, launchChromium } from "./chromium.js";

const INTERVAL_MS = 40;

let chromium: Chromium;
let primary: FakeOpenAIServer;
let spare: FakeOpenAIServer;
let server: RoutingServer;
let admin: AdminExtension;

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), "ms-availability-"));
  const env = { ...process.env, MODELSCOUT_HOME: home };
  admin = createAdminExtension({ token: null, env, log: () => {} });
  [primary, spare] = await Promise.all([startFakeOpenAIServer(), startFakeOpenAIServer()]);
  [chromium, server] = await Promise.all([
    launchChromium(),
    startRoutingServer({
      config: parseRoutesConfig(
        fallbackPairWithHealthChecks(primary.url, spare.url, INTERVAL_MS, [
          { id: "echo:local", kind: "echo", max_in_flight: 3 },
          // In the server's process, unloaded a second after its last call.
          { id: "npm:vader-sentiment", kind: "catalog", isolated: false, unload_idle_seconds: 1 },
        ]),
      ),
      port: 0,
      env,
      extend: (parts) => admin.extend(parts),
    }),
  ]);
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await primary?.close();
  await spare?.close();
});

/** The admin API's availability entry for `model` once its health check reads `state`. */
async function availabilityOnce(model: string, state: string): Promise<Json> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const models = await getJson(`${server.url}/admin/api/models`);
    const entry = models.json.availability?.[model];
    if (entry?.health?.state === state) return models.json.availability;
    if (Date.now() > deadline) {
      throw new Error(`${model} never became ${state}: ${JSON.stringify(entry)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS / 2));
  }
}

describe("model availability", () => {
  it("is in the admin API: provider, loaded, breaker and health check per model", async () => {
    const availability = await availabilityOnce("primary", "healthy");
    expect(availability.primary).toMatchObject({
      provider: "openai-compatible",
      loaded: true,
      breaker: { state: "closed", consecutiveFailures: 0 },
      health: { state: "healthy", error: null },
    });
    expect(availability.spare.health.state).toBe("healthy");
    // In-process models have nothing to check.
    expect(availability["echo:local"]).not.toHaveProperty("health");
    // Calls in flight against max_in_flight (ADR 0033); a model without one only counts.
    expect(availability["echo:local"].load).toEqual({ inFlight: 0, maxInFlight: 3, refused: 0 });
    expect(availability.primary.load).toEqual({ inFlight: 0, maxInFlight: null, refused: 0 });
  });

  it("shows on the Models section, and a server that went down shows as unhealthy", async () => {
    await availabilityOnce("primary", "healthy");
    const page = await chromium.context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}/#models`);
    await page.locator("body[data-refreshes]").waitFor();
    const primaryRow = page.locator('tr[data-availability="primary"]');
    await primaryRow.waitFor();
    expect(await primaryRow.getAttribute("data-health")).toBe("healthy");
    expect(await primaryRow.getAttribute("data-breaker")).toBe("closed");
    expect(await page.locator('tr[data-availability="echo:local"]').textContent()).toContain(
      "not checked",
    );
    expect(
      await page.locator('tr[data-availability="echo:local"] td[data-in-flight]').textContent(),
    ).toBe("0 / 3");

    // No request needed: the checks' verdict is a change the Models section redraws on.
    primary.down = true;
    const down = page.locator(
      'tr[data-availability="primary"][data-health="unhealthy"][data-breaker="open"]',
    );
    await down.waitFor();
    expect(await down.textContent()).toContain("503");
    expect(errors).toEqual([]);

    primary.down = false;
    await availabilityOnce("primary", "healthy");
    await page.close();
  });

  it("shows a model unloaded for being idle as idle, loaded once a request used it, then idle again", async () => {
    const page = await chromium.context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}/#models`);
    // Loaded at start-up, used by nothing since: unloaded after a second, no request needed.
    const row = page.locator('tr[data-availability="npm:vader-sentiment"]');
    await row.locator(".badge.idle").waitFor();
    expect(await row.textContent()).toMatch(/idle since \d/);
    expect(await row.locator(".badge.not-loaded").count()).toBe(0);
    const idle = (await getJson(`${server.url}/admin/api/models`)).json.availability[
      "npm:vader-sentiment"
    ];
    expect(idle).toMatchObject({ loaded: false, error: null });
    expect(typeof idle.idleSince).toBe("string");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('modelscout_model_loaded{model="npm:vader-sentiment"} 0');
    expect(metrics).toContain('modelscout_model_loaded{model="echo:local"} 1');

    const answer = await fetch(`${server.url}/v1/tasks/text-classification`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "npm:vader-sentiment", inputs: "What a lovely day" }),
    });
    expect(answer.status).toBe(200);
    await page
      .locator('tr[data-availability="npm:vader-sentiment"] td', { hasText: /^loaded$/ })
      .waitFor();
    // With no traffic after it, only the unload's own change event redraws the section within
    // the wait (the page's fallback timer is 30 s).
    await row.locator(".badge.idle").waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });
});
