/**
 * The router benchmarks' router: `startRoutingServer` from the built package (`dist/`, what
 * `modelscout serve` runs; `bench/router-roles.ts` builds it first), with its defaults and
 * three routes:
 * - `local` (`model: "auto"`, keyword rules send the benchmark's message there): the
 *   in-process `echo` backend, no second hop;
 * - `proxy` (`model: "proxy"`): the echo server given as `--upstream`, as an OpenAI-compatible
 *   endpoint, so the router's own outbound HTTP call is included.
 * `--keep-text` turns off the default personal-data redaction of logged text; `--database`
 * names the state database (default: a new one in a temporary folder);
 * `--no-health-checks` turns off the active health checks (ADR 0028); `--young-gc parallel`
 * leaves V8's parallel scavenges on (`server.young_gc`, ADR 0041; default `serial`);
 * `--monitoring` adds what `modelscout serve` adds to the server (monitoring, `/metrics`, the
 * admin API and the dashboard: `server/admin/admin-extension.ts`, its defaults, no token on
 * loopback), whose work per request runs after the answer is written. Prints
 * `LISTENING <url>`. Exits on SIGTERM and SIGINT through `process.exit`, which writes a
 * `--cpu-prof` profile.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseRoutesConfig } from "../../dist/route/routes-config.js";
import { createAdminExtension } from "../../dist/server/admin/admin-extension.js";
import { keepText } from "../../dist/server/create-routing-app.js";
import { startRoutingServer } from "../../dist/server/start-routing-server.js";

const { values } = parseArgs({
  options: {
    upstream: { type: "string" },
    "keep-text": { type: "boolean", default: false },
    database: { type: "string" },
    "no-health-checks": { type: "boolean", default: false },
    "young-gc": { type: "string", default: "serial" },
    monitoring: { type: "boolean", default: false },
  },
});
const config = parseRoutesConfig({
  server: {
    young_gc: values["young-gc"],
    ...(values["no-health-checks"] && { health_checks: { interval_ms: 0 } }),
  },
  classification: [{ kind: "rules", rules: [{ route: "local", keywords: ["parcel"] }] }],
  models: [
    { id: "echo:local", kind: "echo" },
    { id: "echo-server", kind: "openai", base_url: `${values.upstream}/v1`, api_model: "echo" },
  ],
  routes: [
    { name: "local", targets: { chat: { policy: "fixed", candidates: ["echo:local"] } } },
    { name: "proxy", targets: { chat: { policy: "fixed", candidates: ["echo-server"] } } },
  ],
});
// A state folder of its own unless --database names one; removed when the process exits.
const stateFolder =
  values.database === undefined ? mkdtempSync(join(tmpdir(), "ms-bench-router-")) : null;
if (stateFolder !== null) {
  process.on("exit", () => rmSync(stateFolder, { recursive: true, force: true }));
}
const server = await startRoutingServer({
  config,
  port: 0,
  databasePath: values.database ?? join(stateFolder, "state.db"),
  ...(values["keep-text"] && { redactText: keepText }),
  ...(values.monitoring && {
    extend: (parts) => createAdminExtension({ token: null }).extend(parts),
  }),
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
process.stdout.write(`LISTENING ${server.url}\n`);
