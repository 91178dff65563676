/**
 * `modelscout serve`'s operator flags in the real CLI: `--alerts`, `--admin-token`,
 * `--redaction`, the refusal to start with an open admin side on a public address, the rules
 * file read again on SIGHUP, and `modelscout schema alerts`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../support/run-cli.js";
import { killHard, type ServeProcess, startServeProcess } from "../serve-process.js";
import { ECHO_ROUTES } from "./admin-server.js";

const directory = mkdtempSync(join(tmpdir(), "ms-serve-admin-"));
const env = { MODELSCOUT_HOME: join(directory, "home"), MODELSCOUT_ADMIN_TOKEN: "" };
const TOKEN = "cli-admin-token-0123456789";
let serve: ServeProcess | undefined;

afterAll(async () => {
  if (serve !== undefined) await killHard(serve);
});

describe("modelscout serve: operator flags", () => {
  it("refuses to listen on a public address without an admin token, before loading models", async () => {
    const result = await runCli(["serve", "--host", "0.0.0.0", "--port", "0"], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      "Set an admin token (--admin-token, MODELSCOUT_ADMIN_TOKEN or MODELSCOUT_ADMIN_TOKEN_FILE)",
    );
    expect(result.stderr).not.toContain("Loading models");
  });

  it("names what is wrong with --alerts and --redaction", async () => {
    const missing = await runCli(["serve", "--alerts", join(directory, "none.json")], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("none.json does not exist");
    const badRules = join(directory, "bad-rules.json");
    writeFileSync(badRules, JSON.stringify({ rules: [{ id: "x", conditions: [], actions: [] }] }));
    const invalid = await runCli(["serve", "--alerts", badRules], env);
    expect(invalid.stderr).toContain("rules[0].conditions: must not be empty");
    const redaction = await runCli(["serve", "--redaction", "email,fax"], env);
    expect(redaction.code).not.toBe(0);
    expect(redaction.stderr).toContain(
      "redaction.types.1: must be one of email, phone, card, id, iban, ip",
    );
  });

  it("serves the admin side with the rules file, the token and the redaction setting", async () => {
    const config = join(directory, "routes.json");
    writeFileSync(config, JSON.stringify(ECHO_ROUTES));
    const rules = join(directory, "rules.json");
    writeFileSync(
      rules,
      JSON.stringify({
        rules: [
          {
            id: "slow-support",
            match: { routes: ["support"] },
            conditions: [{ type: "latency_p95", slo_ms: 500 }],
            actions: [{ type: "log" }],
          },
        ],
      }),
    );
    serve = await startServeProcess(
      ["--config", config, "--alerts", rules, "--admin-token", TOKEN, "--redaction", "email,phone"],
      env,
    );
    const refused = await fetch(`${serve.url}/admin/api/overview`);
    expect(refused.status).toBe(401);
    const overview = await fetch(`${serve.url}/admin/api/overview`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await overview.json()).toMatchObject({
      rules: ["slow-support"],
      redaction: { enabled: true, types: ["email", "phone"] },
      auth: { required: true },
    });
    const metrics = await fetch(`${serve.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await metrics.text()).toContain("# TYPE modelscout_requests_total counter");

    // SIGHUP reads the rules file again; a file that fails validation keeps the rules in force.
    const overviewRules = async () => {
      const response = await fetch(`${serve?.url}/admin/api/overview`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return ((await response.json()) as { rules: string[] }).rules;
    };
    writeFileSync(
      rules,
      JSON.stringify({
        rules: [
          {
            id: "slow-sales",
            match: { routes: ["sales"] },
            conditions: [{ type: "latency_p95", slo_ms: 800 }],
            actions: [{ type: "log" }],
          },
        ],
      }),
    );
    serve.child.kill("SIGHUP");
    await expect.poll(overviewRules, { timeout: 30_000, interval: 100 }).toEqual(["slow-sales"]);
    writeFileSync(rules, JSON.stringify({ rules: [{ id: "x", conditions: [], actions: [] }] }));
    serve.child.kill("SIGHUP");
    await expect
      .poll(() => serve?.stderr() ?? "", { timeout: 30_000, interval: 100 })
      .toContain(
        `warning: the alert rules in ${rules} were not reloaded; the server keeps the rules it had:`,
      );
    expect(serve.stderr()).toContain("rules[0].conditions: must not be empty");
    expect(await overviewRules()).toEqual(["slow-sales"]);
  }, 60_000);

  it("prints the alert rules' JSON Schema", async () => {
    const result = await runCli(["schema", "alerts"], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      $id: "https://modelscout.dev/schemas/alert-rules.json",
      title: "ModelScout alert rules",
    });
  });
});
