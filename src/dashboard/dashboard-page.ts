/**
 * @module
 * The dashboard's HTML: one page with five sections (decisions, routes, models, alerts and
 * reviews, catalog) that `assets/dashboard.js` fills from the admin API, and the login page
 * shown when the server has an admin token and the browser has no session.
 *
 * Everything is served by the ModelScout server itself: no CDN, no web fonts, no framework.
 * The style sheet is inline and allowed by its hash in the Content-Security-Policy, which
 * otherwise allows only the server's own script and JSON (`dashboardSecurityHeaders`). The
 * layout is a single column that works from 375 px wide up: the section tabs scroll
 * sideways, tables scroll inside their own box, charts scale with their container.
 */
import { createHash } from "node:crypto";
import { escapeHtml } from "../select/report/escape-html.js";

export const DASHBOARD_SCRIPT_PATH = "/admin/assets/dashboard.js";

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6472; --bg: #ffffff; --panel: #f4f6f8;
  --line: #d5dae0; --accent: #1f6feb; --bad: #c62828; --good: #2e7d32; --warn: #a15c00; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ee; --muted: #9aa4b2; --bg: #0f1317;
  --panel: #181d23; --line: #2c333c; --accent: #58a6ff; --bad: #ff7b72; --good: #7ee787; --warn: #e3b341; } }
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
header { position: sticky; top: 0; z-index: 2; background: var(--bg); border-bottom: 1px solid var(--line); }
.bar { display: flex; align-items: center; gap: 0.75rem; padding: 0.5rem 1rem; flex-wrap: wrap; }
.bar h1 { font-size: 1.05rem; margin: 0; }
#status { color: var(--muted); font-size: 0.85rem; margin-left: auto; }
#status[data-live="true"]::before { content: "\\25CF "; color: var(--good); }
nav { display: flex; gap: 0.25rem; overflow-x: auto; padding: 0 0.5rem; scrollbar-width: thin; }
nav a { flex: none; padding: 0.5rem 0.75rem; color: var(--muted); text-decoration: none;
  border-bottom: 3px solid transparent; white-space: nowrap; }
nav a[aria-current="page"] { color: var(--fg); border-bottom-color: var(--accent); font-weight: 600; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
section[hidden] { display: none; }
h2 { font-size: 1.2rem; margin: 0.25rem 0 0.75rem; }
h3 { font-size: 1rem; margin: 1.25rem 0 0.5rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 0.75rem;
  margin: 0 0 0.75rem; min-width: 0; }
.grid { display: grid; gap: 0.75rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr)); }
.muted { color: var(--muted); }
.small { font-size: 0.85rem; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.selectable { cursor: pointer; }
tr.selectable:hover, tr[aria-selected="true"] { background: color-mix(in srgb, var(--accent) 12%, transparent); }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85em; word-break: break-all; }
.badge { display: inline-block; padding: 0 0.45rem; border-radius: 999px; font-size: 0.8rem;
  border: 1px solid var(--line); white-space: nowrap; }
.badge.open, .badge.failed, .badge.demoted, .badge.unhealthy, .badge.not-loaded { color: var(--bad); border-color: var(--bad); }
.badge.approved, .badge.completed, .badge.healthy { color: var(--good); border-color: var(--good); }
.badge.rejected, .badge.aborted, .badge.half-open { color: var(--warn); border-color: var(--warn); }
form.inline { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: end; }
form.window { margin-bottom: 0.75rem; }
label { display: flex; flex-direction: column; font-size: 0.85rem; color: var(--muted); gap: 0.15rem; }
input, select, textarea, button { font: inherit; color: var(--fg); background: var(--bg);
  border: 1px solid var(--line); border-radius: 6px; padding: 0.35rem 0.5rem; max-width: 100%; }
textarea { width: 100%; min-height: 3.5rem; }
button { cursor: pointer; background: var(--panel); }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { color: var(--bad); border-color: var(--bad); }
button:disabled { opacity: 0.6; cursor: progress; }
.actions { display: flex; gap: 0.5rem; flex-wrap: wrap; margin-top: 0.5rem; }
.error { color: var(--bad); }
ol.audit { margin: 0.5rem 0 0; padding-left: 1.25rem; font-size: 0.85rem; }
details > summary { cursor: pointer; color: var(--muted); }
pre { white-space: pre-wrap; word-break: break-word; font-size: 0.8rem; margin: 0.25rem 0 0; }
svg.chart { width: 100%; height: auto; display: block; overflow: visible; }
svg.chart text { fill: var(--muted); font-size: 11px; }
svg.chart .axis { stroke: var(--line); stroke-width: 1; }
.legend { display: flex; flex-wrap: wrap; gap: 0.25rem 0.9rem; font-size: 0.85rem; margin-top: 0.35rem; }
.swatch { display: inline-block; width: 0.7rem; height: 0.7rem; border-radius: 2px; margin-right: 0.3rem; vertical-align: -1px; }
iframe.report { width: 100%; height: 70vh; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
.login { max-width: 24rem; margin: 15vh auto; padding: 1rem; }
.login input { width: 100%; }
@media (max-width: 40rem) {
  main { padding: 0.75rem; }
  nav { flex-wrap: wrap; overflow-x: visible; }
  nav a { padding: 0.4rem 0.6rem; }
  table.stack thead { display: none; }
  table.stack tr { display: block; padding: 0.4rem 0; border-bottom: 1px solid var(--line); }
  table.stack td { display: flex; gap: 0.75rem; border: 0; padding: 0.1rem 0.25rem; text-align: left; }
  table.stack td::before { content: attr(data-label); flex: 0 0 6.5rem; color: var(--muted); font: 0.8rem system-ui, sans-serif; }
  table.stack td:empty { display: none; }
}
`;

const STYLE_HASH = `sha256-${createHash("sha256").update(STYLE).digest("base64")}`;

/** Security headers for the dashboard's HTML: only its own script, style and API. */
export function dashboardSecurityHeaders(): Record<string, string> {
  return {
    "content-security-policy": [
      "default-src 'none'",
      "script-src 'self'",
      `style-src '${STYLE_HASH}'`,
      "connect-src 'self'",
      "img-src 'self' data:",
      "frame-src 'self'",
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
  };
}

function shell(title: string, body: string): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    // No favicon request: an empty icon from a data URL.
    '<link rel="icon" href="data:,">',
    `<style>${STYLE}</style>`,
    "</head>",
    body,
    "</html>",
    "",
  ].join("\n");
}

export const DASHBOARD_SECTIONS = [
  { id: "decisions", title: "Decisions" },
  { id: "routes", title: "Routes" },
  { id: "models", title: "Models" },
  { id: "alerts", title: "Alerts & reviews" },
  { id: "catalog", title: "Catalog" },
] as const;

export function renderDashboardPage(options: { version: string; authRequired: boolean }): string {
  const nav = DASHBOARD_SECTIONS.map(
    (section) => `<a href="#${section.id}" data-section="${section.id}">${section.title}</a>`,
  ).join("");
  const sections = DASHBOARD_SECTIONS.map(
    (section) =>
      `<section id="section-${section.id}" data-section="${section.id}" aria-labelledby="heading-${section.id}" hidden><h2 id="heading-${section.id}">${section.title}</h2><div class="content"><p class="muted">Loading...</p></div></section>`,
  ).join("\n");
  const logout = options.authRequired
    ? '<form method="post" action="/admin/logout" id="logout"><button type="submit">Log out</button></form>'
    : "";
  return shell(
    "ModelScout dashboard",
    [
      `<body data-version="${escapeHtml(options.version)}">`,
      '<header><div class="bar"><h1>ModelScout</h1>',
      `<span class="muted small">v${escapeHtml(options.version)}</span>`,
      '<span id="status" role="status" aria-live="polite">connecting...</span>',
      logout,
      "</div>",
      `<nav aria-label="Sections">${nav}</nav></header>`,
      `<main>\n${sections}\n</main>`,
      `<script type="module" src="${DASHBOARD_SCRIPT_PATH}"></script>`,
      "</body>",
    ].join("\n"),
  );
}

export function renderLoginPage(options: { error?: string } = {}): string {
  const error =
    options.error === undefined
      ? ""
      : `<p class="error" role="alert">${escapeHtml(options.error)}</p>`;
  return shell(
    "ModelScout: log in",
    [
      "<body>",
      '<main class="login card">',
      "<h1>ModelScout dashboard</h1>",
      '<p class="muted">Enter the admin token the server was started with (<code>--admin-token</code> or <code>MODELSCOUT_ADMIN_TOKEN</code>).</p>',
      error,
      '<form method="post" action="/admin/login">',
      '<label for="token">Admin token</label>',
      '<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>',
      '<p><button class="primary" type="submit">Log in</button></p>',
      "</form>",
      "</main>",
      "</body>",
    ].join("\n"),
  );
}
