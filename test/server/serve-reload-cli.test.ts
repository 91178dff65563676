/**
 * `modelscout serve --config FILE` reads the file again on SIGHUP and serves it without a
 * restart; a file that cannot be served is reported on stderr and the previous config goes
 * on. The real CLI in a child process, with echo models (nothing to download).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { postJson } from "./routing-test-support.js";
import { killHard, type ServeProcess, spawnServe, startServeProcess } from "./serve-process.js";

const home = mkdtempSync(join(tmpdir(), "ms-serve-reload-"));
const configPath = join(home, "routes.json");

function routesTo(model: "echo:a" | "echo:b", extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    default_route: "desk",
    models: [
      { id: "echo:a", kind: "echo", template: "a answers: {{input}}" },
      { id: "echo:b", kind: "echo", template: "b answers: {{input}}" },
    ],
    routes: [
      { name: "desk", targets: { "text-generation": { policy: "fixed", candidates: [model] } } },
    ],
    ...extra,
  });
}

let serve: ServeProcess | undefined;
afterAll(async () => {
  if (serve !== undefined) await killHard(serve);
});

async function answer(url: string): Promise<string> {
  const reply = await postJson(`${url}/v1/chat/completions`, {
    model: "auto",
    messages: [{ role: "user", content: "hello" }],
  });
  return reply.json.choices[0].message.content as string;
}

describe("modelscout serve on SIGHUP", () => {
  it("serves the config file as it now is, and keeps the old one when the new cannot be served", async () => {
    writeFileSync(configPath, routesTo("echo:a"));
    serve = await startServeProcess(["--config", configPath], { MODELSCOUT_HOME: home });
    const { url, child } = serve;
    expect(await answer(url)).toBe("a answers: hello");

    writeFileSync(configPath, routesTo("echo:b"));
    child.kill("SIGHUP");
    await expect
      .poll(() => answer(url), { timeout: 20_000, interval: 100 })
      .toBe("b answers: hello");

    // Not JSON: reported, and the server goes on with echo:b.
    writeFileSync(configPath, "{ not json");
    child.kill("SIGHUP");
    await expect
      .poll(() => serve?.stderr() ?? "", { timeout: 20_000, interval: 100 })
      .toMatch(/routes\.json was not reloaded; the server goes on with the config it had: /);
    expect(await answer(url)).toBe("b answers: hello");
    // Refused for /metrics too, though the file never became a config to reload.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^modelscout_config_last_reload_successful 0$/m);
    expect(metrics).toMatch(/^modelscout_config_reloads_total\{result="refused"\} 1$/m);

    // A setting that takes a restart: refused, naming it.
    writeFileSync(configPath, routesTo("echo:a", { server: { max_body_bytes: 1024 } }));
    child.kill("SIGHUP");
    await expect
      .poll(() => serve?.stderr() ?? "", { timeout: 20_000, interval: 100 })
      .toMatch(/server\.max_body_bytes changed, and it takes a restart/);
    expect(await answer(url)).toBe("b answers: hello");
    expect(child.exitCode).toBeNull();
  }, 90_000);

  it("warns after a reload that removes a route an alert rule matches", async () => {
    const path = join(home, "care-routes.json");
    const route = (name: string) => ({
      name,
      targets: { "text-generation": { policy: "fixed", candidates: ["echo:a"] } },
    });
    const routes = (...names: string[]) =>
      JSON.stringify({
        default_route: "desk",
        models: [{ id: "echo:a", kind: "echo", template: "a answers: {{input}}" }],
        routes: names.map(route),
      });
    writeFileSync(path, routes("desk", "care"));
    const alerts = join(home, "care-alerts.json");
    writeFileSync(
      alerts,
      JSON.stringify({
        rules: [
          {
            id: "care-errors",
            match: { routes: ["care"] },
            conditions: [{ type: "error_rate", max_error_percent: 50 }],
            actions: [{ type: "log" }],
          },
        ],
      }),
    );
    const care = await startServeProcess(["--config", path, "--alerts", alerts], {
      MODELSCOUT_HOME: home,
    });
    try {
      expect(care.stderr()).not.toContain("alert rule care-errors");
      writeFileSync(path, routes("desk"));
      care.child.kill("SIGHUP");
      // The rule could never fire again, and nothing else would say so (ADR 0083).
      await expect
        .poll(care.stderr, { timeout: 20_000, interval: 100 })
        .toContain(
          'warning: alert rule care-errors: match.routes names "care", which the routes config does not have',
        );
    } finally {
      await killHard(care);
    }
  }, 90_000);

  it("keeps a SIGHUP sent while the models load, and reloads once serving", async () => {
    // A model server whose reachability check (GET /models, the model's load) takes 1.5 s.
    const slow = createServer((request, response) => {
      setTimeout(
        () => {
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify({ object: "list", data: [] }));
        },
        request.method === "GET" ? 1500 : 0,
      );
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const upstream = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/v1`;
    const path = join(home, "slow-routes.json");
    writeFileSync(
      path,
      JSON.stringify({
        models: [
          { id: "remote", kind: "openai", base_url: upstream, api_model: "m", health_check: false },
        ],
        routes: [{ name: "desk", targets: { chat: { policy: "fixed", candidates: ["remote"] } } }],
      }),
    );
    const { child, stdout, stderr } = spawnServe(["--config", path], { MODELSCOUT_HOME: home });
    try {
      await expect.poll(stderr, { timeout: 30_000, interval: 20 }).toContain("Loading models");
      child.kill("SIGHUP"); // while the model's check waits on the slow server
      await expect
        .poll(stdout, { timeout: 30_000, interval: 50 })
        .toContain(`Reloaded ${path}: routes desk; models kept remote;`);
      expect(stdout().indexOf("Routing server at")).toBeLessThan(stdout().indexOf("Reloaded"));
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill("SIGKILL");
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  }, 90_000);
});
