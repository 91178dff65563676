/**
 * The dashboard's page and script as files: the Content-Security-Policy allows exactly the
 * inline style it ships (by hash) and nothing inline besides; the page names every section;
 * the login page escapes what it echoes; the plain-JS script type-checks against the DOM
 * types with its JSDoc (`src/dashboard/assets/tsconfig.json`), so the no-build-step script is
 * still checked.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  assetResponse,
  gzipWhenAccepted,
  loadDashboardScript,
} from "../../src/dashboard/dashboard-assets.js";
import {
  DASHBOARD_SECTIONS,
  dashboardSecurityHeaders,
  renderDashboardPage,
  renderLoginPage,
} from "../../src/dashboard/dashboard-page.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("dashboard page", () => {
  it("allows its one inline style by hash and no inline script", () => {
    const page = renderDashboardPage({ version: "1.2.3", authRequired: true });
    const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1]);
    expect(styles).toHaveLength(1);
    const hash = createHash("sha256")
      .update(styles[0] as string)
      .digest("base64");
    const policy = dashboardSecurityHeaders()["content-security-policy"];
    expect(policy).toContain(`style-src 'sha256-${hash}'`);
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain("unsafe-inline");
    expect(page).not.toMatch(/<script>(?!<\/script>)/);
    expect(page).toContain('<script type="module" src="/admin/assets/dashboard.js"></script>');
    for (const section of DASHBOARD_SECTIONS) {
      expect(page).toContain(`<a href="#${section.id}" data-section="${section.id}">`);
      expect(page).toContain(`<section id="section-${section.id}"`);
    }
    expect(page).toContain('action="/admin/logout"');
    expect(renderDashboardPage({ version: "1", authRequired: false })).not.toContain("logout");
  });

  it("escapes the login page's message", () => {
    const page = renderLoginPage({ error: '<img src=x onerror="alert(1)">' });
    expect(page).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(page).not.toContain("<img");
  });

  it("serves the script gzipped with an ETag, and 304 when it has not changed", async () => {
    const script = loadDashboardScript();
    expect(script.gzip.byteLength).toBeLessThan(script.body.byteLength / 2);
    const gzipped = assetResponse(
      script,
      new Request("http://x/", { headers: { "accept-encoding": "gzip, br" } }),
    );
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    expect(Number(gzipped.headers.get("content-length"))).toBe(script.gzip.byteLength);
    const plain = assetResponse(script, new Request("http://x/"));
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(await plain.text()).toContain("function renderAlerts");
    const cached = assetResponse(
      script,
      new Request("http://x/", { headers: { "if-none-match": script.etag } }),
    );
    expect(cached.status).toBe(304);
  });

  it("gzips large HTML and JSON answers in one piece, and leaves event streams alone", async () => {
    const app = new Hono();
    app.use("*", gzipWhenAccepted());
    const big = JSON.stringify({ rows: Array.from({ length: 200 }, (_, index) => ({ index })) });
    app.get("/big", (context) => context.json(JSON.parse(big)));
    app.get("/small", (context) => context.json({ ok: true }));
    app.get(
      "/events",
      () =>
        new Response("data: 1\n\n".repeat(500), {
          headers: { "content-type": "text/event-stream" },
        }),
    );
    const gzip = { "accept-encoding": "gzip" };
    const compressed = await app.request("/big", { headers: gzip });
    expect(compressed.headers.get("content-encoding")).toBe("gzip");
    const bytes = new Uint8Array(await compressed.arrayBuffer());
    expect(Number(compressed.headers.get("content-length"))).toBe(bytes.byteLength);
    expect(gunzipSync(bytes).toString("utf8")).toBe(big);
    expect((await app.request("/big")).headers.get("content-encoding")).toBeNull();
    const small = await app.request("/small", { headers: gzip });
    expect(small.headers.get("content-encoding")).toBeNull();
    expect(await small.json()).toEqual({ ok: true });
    const events = await app.request("/events", { headers: gzip });
    expect(events.headers.get("content-encoding")).toBeNull();
  });

  it("type-checks the plain-JS script against the DOM types", async () => {
    const tsc = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
    const result = await promisify(execFile)(
      process.execPath,
      [tsc, "-p", "src/dashboard/assets/tsconfig.json"],
      { cwd: ROOT },
    ).then(
      () => ({ code: 0, output: "" }),
      (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
    );
    expect(result).toEqual({ code: 0, output: "" });
  });
});
