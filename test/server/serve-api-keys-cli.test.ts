/**
 * `modelscout serve` with `MODELSCOUT_API_KEYS_FILE` (ADR 0049): the real CLI in a child
 * process. Rewriting the file and sending SIGHUP rotates the keys without a restart; a file
 * left empty or unreadable changes nothing, and says so.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { echoDeskServe } from "./serve-process.js";

const { home, config, spawn } = echoDeskServe("ms-serve-keys-");
const OLD_KEY = "sk-modelscout-old-0123456789abcdef";
const NEW_KEY = "sk-modelscout-new-fedcba9876543210";

function chat(url: string, key: string): Promise<number> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "desk", messages: [{ role: "user", content: "hi" }] }),
  }).then((response) => response.status);
}

describe("modelscout serve with MODELSCOUT_API_KEYS_FILE", () => {
  it("rotates the keys on SIGHUP, and keeps them when the file is left without one", async () => {
    const keys = join(home, "keys");
    writeFileSync(keys, `# the API's keys\n${OLD_KEY}\n`);
    const serve = spawn(["--config", config], {
      MODELSCOUT_HOME: home,
      MODELSCOUT_API_KEYS_FILE: keys,
    });
    await expect
      .poll(serve.stdout, { timeout: 60_000, interval: 100 })
      .toContain(`API key required: 1 in ${keys}, read again by kill -HUP ${serve.child.pid}`);
    const url = /Routing server at (http:\/\/\S+)/.exec(serve.stdout())?.[1] as string;
    expect(await chat(url, OLD_KEY)).toBe(200);
    expect(await chat(url, NEW_KEY)).toBe(401);

    // Rotation: the new key is added, then the old one dropped.
    writeFileSync(keys, `${OLD_KEY}\n${NEW_KEY}\n`);
    serve.child.kill("SIGHUP");
    await expect
      .poll(serve.stdout, { timeout: 30_000, interval: 100 })
      .toContain(`Reloaded API keys from ${keys}: 2 in force`);
    expect(await chat(url, NEW_KEY)).toBe(200);
    writeFileSync(keys, `${NEW_KEY}\n`);
    serve.child.kill("SIGHUP");
    await expect
      .poll(serve.stdout, { timeout: 30_000, interval: 100 })
      .toContain(`Reloaded API keys from ${keys}: 1 in force`);
    expect(await chat(url, OLD_KEY)).toBe(401);
    expect(await chat(url, NEW_KEY)).toBe(200);

    // A file with no key, or none at all, is refused: the server keeps the key it has.
    writeFileSync(keys, "# emptied by mistake\n");
    serve.child.kill("SIGHUP");
    await expect
      .poll(serve.stderr, { timeout: 30_000, interval: 100 })
      .toContain(
        `warning: the API keys in ${keys} were not reloaded; the server keeps the keys it had: MODELSCOUT_API_KEYS_FILE: ${keys} holds no key`,
      );
    rmSync(keys);
    serve.child.kill("SIGHUP");
    await expect
      .poll(serve.stderr, { timeout: 30_000, interval: 100 })
      .toContain(`${keys} cannot be read (ENOENT`);
    expect(await chat(url, NEW_KEY)).toBe(200);
    expect(await chat(url, OLD_KEY)).toBe(401);
  }, 120_000);

  it("refuses to start with an empty keys file, or with both settings", async () => {
    const empty = join(home, "empty-keys");
    writeFileSync(empty, "\n");
    const started = await runCli(["serve", "--config", config], {
      MODELSCOUT_HOME: home,
      MODELSCOUT_API_KEYS_FILE: empty,
    });
    expect(started.code).toBe(2);
    expect(started.stderr).toContain(`MODELSCOUT_API_KEYS_FILE: ${empty} holds no key`);
    const both = await runCli(["serve", "--config", config], {
      MODELSCOUT_HOME: home,
      MODELSCOUT_API_KEYS_FILE: empty,
      MODELSCOUT_API_KEYS: OLD_KEY,
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("Both MODELSCOUT_API_KEYS and MODELSCOUT_API_KEYS_FILE are set");
  }, 60_000);
});
