/**
 * `modelscout serve` with `MODELSCOUT_ADMIN_TOKEN_FILE` (ADR 0052): the real CLI in a child
 * process. Rewriting the file and sending SIGHUP puts the new token in force without a
 * restart and ends the old token's dashboard sessions; a file left empty, or holding a token
 * too short, changes nothing, and says so.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../support/run-cli.js";
import { echoDeskServe } from "../serve-process.js";

const { home, config, spawn } = echoDeskServe("ms-serve-admin-token-");
const OLD_TOKEN = "admin-old-0123456789abcdef";
const NEW_TOKEN = "admin-new-fedcba9876543210";

const metrics = (url: string, headers: Record<string, string>) =>
  fetch(`${url}/metrics`, { headers }).then((response) => response.status);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The dashboard's session cookie for `token`, from its login form. */
async function login(url: string, token: string): Promise<string> {
  const response = await fetch(`${url}/admin/login`, {
    method: "POST",
    body: new URLSearchParams({ token }),
    redirect: "manual",
  });
  expect(response.status).toBe(303);
  const cookie = response.headers.get("set-cookie") ?? "";
  return cookie.split(";")[0] as string;
}

describe("modelscout serve with MODELSCOUT_ADMIN_TOKEN_FILE", () => {
  it("rotates the admin token on SIGHUP, ending the old sessions, and keeps it when the file is bad", async () => {
    const file = join(home, "admin-token");
    writeFileSync(file, `${OLD_TOKEN}\n`);
    const serve = spawn(["--config", config], {
      MODELSCOUT_HOME: home,
      MODELSCOUT_ADMIN_TOKEN_FILE: file,
    });
    await expect
      .poll(serve.stdout, { timeout: 60_000, interval: 100 })
      .toContain(
        `log in with the admin token in ${file}, read again by kill -HUP ${serve.child.pid}`,
      );
    const url = /Routing server at (http:\/\/\S+)/.exec(serve.stdout())?.[1] as string;
    expect(await metrics(url, bearer(OLD_TOKEN))).toBe(200);
    expect(await metrics(url, bearer(NEW_TOKEN))).toBe(401);
    const oldSession = await login(url, OLD_TOKEN);
    expect(await metrics(url, { cookie: oldSession })).toBe(200);

    writeFileSync(file, `${NEW_TOKEN}\n`);
    serve.child.kill("SIGHUP");
    await expect
      .poll(serve.stdout, { timeout: 30_000, interval: 100 })
      .toContain(
        `Reloaded the admin token from ${file}: the dashboard's sessions must log in again`,
      );
    expect(await metrics(url, bearer(NEW_TOKEN))).toBe(200);
    expect(await metrics(url, bearer(OLD_TOKEN))).toBe(401);
    expect(await metrics(url, { cookie: oldSession })).toBe(401);
    expect(await metrics(url, { cookie: await login(url, NEW_TOKEN) })).toBe(200);

    // An emptied file, or a token too short to be safe, is refused: the token in force stays.
    writeFileSync(file, "\n");
    serve.child.kill("SIGHUP");
    await expect
      .poll(serve.stderr, { timeout: 30_000, interval: 100 })
      .toContain(
        `warning: the admin token in ${file} was not reloaded; the server keeps the token it had: MODELSCOUT_ADMIN_TOKEN_FILE: ${file} must hold the token alone, on one line (it is empty)`,
      );
    writeFileSync(file, "short\n");
    serve.child.kill("SIGHUP");
    await expect
      .poll(serve.stderr, { timeout: 30_000, interval: 100 })
      .toContain("The admin token is 5 characters; use at least 16");
    rmSync(file);
    serve.child.kill("SIGHUP");
    await expect
      .poll(serve.stderr, { timeout: 30_000, interval: 100 })
      .toContain(`${file} cannot be read (ENOENT`);
    expect(await metrics(url, bearer(NEW_TOKEN))).toBe(200);
    expect(await metrics(url, bearer("short"))).toBe(401);
  }, 120_000);

  it("refuses to start with an empty token file, or with both settings", async () => {
    const empty = join(home, "empty-token");
    writeFileSync(empty, "\n");
    const started = await runCli(["serve", "--config", config], {
      MODELSCOUT_HOME: home,
      MODELSCOUT_ADMIN_TOKEN_FILE: empty,
    });
    expect(started.code).toBe(2);
    expect(started.stderr).toContain(
      `MODELSCOUT_ADMIN_TOKEN_FILE: ${empty} must hold the token alone`,
    );
    writeFileSync(empty, `${OLD_TOKEN}\n`);
    const both = await runCli(["serve", "--config", config], {
      MODELSCOUT_HOME: home,
      MODELSCOUT_ADMIN_TOKEN_FILE: empty,
      MODELSCOUT_ADMIN_TOKEN: NEW_TOKEN,
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      "Both MODELSCOUT_ADMIN_TOKEN and MODELSCOUT_ADMIN_TOKEN_FILE are set",
    );
  }, 60_000);
});
