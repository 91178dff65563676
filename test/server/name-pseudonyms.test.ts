/**
 * A session or domain name that holds personal data (a client naming its sessions by the
 * user's email) is stored and learned under a keyed pseudonym, not as written: the README
 * promises personal data is redacted from everything stored, and a placeholder such as
 * `[EMAIL]` would merge every such session into one. Names without personal data, and every
 * name when redaction is off, are kept as written.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { RoutingStore, storedNames } from "../../src/route/routing-store.js";
import { keepText } from "../../src/server/create-routing-app.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { openStateDatabase } from "../../src/state/state-database.js";
import { type Json, loggedRow, postJson } from "./routing-test-support.js";

const config = () =>
  parseRoutesConfig({
    models: [{ id: "echo:desk", kind: "echo" }],
    routes: [{ name: "desk", targets: { "text-generation": { candidates: ["echo:desk"] } } }],
  });

let directory: string;
let redacting: RoutingServer;
let keeping: RoutingServer;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "ms-name-pseudonyms-"));
  redacting = await startRoutingServer({
    config: config(),
    port: 0,
    databasePath: join(directory, "state.db"),
  });
  keeping = await startRoutingServer({
    config: config(),
    port: 0,
    databasePath: join(directory, "kept.db"),
    redactText: keepText,
  });
});

afterAll(async () => {
  await redacting?.close();
  await keeping?.close();
});

async function chat(server: RoutingServer, headers: Record<string, string>): Promise<Json> {
  const answer = await postJson(
    `${server.url}/v1/chat/completions`,
    { model: "desk", messages: [{ role: "user", content: "where is my parcel" }] },
    headers,
  );
  expect(answer.status).toBe(200);
  return loggedRow(server.url, answer.json.modelscout.request_id);
}

describe("session and domain names holding personal data", () => {
  it("are logged under a stable pseudonym, other names as written", async () => {
    const alice = { "x-modelscout-session": "alice@example.com", "x-modelscout-domain": "vip" };
    const first = await chat(redacting, alice);
    const again = await chat(redacting, alice);
    const bob = await chat(redacting, {
      "x-modelscout-session": "bob@example.com",
      "x-modelscout-domain": "customer 13812345678",
    });
    const plain = await chat(redacting, { "x-modelscout-session": "conv-7f3a" });

    expect(first.session).toMatch(/^pd_[A-Za-z0-9_-]{22}$/);
    expect(again.session).toBe(first.session);
    expect(bob.session).toMatch(/^pd_/);
    expect(bob.session).not.toBe(first.session);
    // The domain is the learner's key as well as the log's.
    expect(first.domain).toBe("vip");
    expect(bob.domain).toMatch(/^pd_/);
    expect(JSON.stringify(bob)).not.toContain("13812345678");
    expect(JSON.stringify(first)).not.toContain("alice");
    expect(plain.session).toBe("conv-7f3a");
  });

  it("are found by the name as written, and keep one key per state database", async () => {
    await chat(redacting, { "x-modelscout-session": "carol@example.com" });
    await chat(redacting, {
      "x-modelscout-session": "carol@example.com",
      "x-modelscout-domain": "carol@example.com",
    });
    redacting.store.flush();
    const database = openStateDatabase({ path: join(directory, "state.db") });
    try {
      const store = new RoutingStore(database, { writer: "main-thread" });
      const rows = store.sessionRequests("carol@example.com");
      expect(rows).toHaveLength(2);
      expect(rows[0]?.session).toMatch(/^pd_/);
      // Another store on the same database has the same key, so the same pseudonym.
      expect(store.pseudonymKey().equals(redacting.store.pseudonymKey())).toBe(true);
      store.close();
      // What `requests export --domain` filters on: the pseudonym, then the name as written.
      expect(storedNames(database, "carol@example.com")).toEqual([
        rows[1]?.domain,
        "carol@example.com",
      ]);
      expect(storedNames(database, "vip")).toEqual(["vip", "vip"]);
    } finally {
      database.close();
    }
  });

  it("are logged as written when redaction is off", async () => {
    const row = await chat(keeping, { "x-modelscout-session": "alice@example.com" });
    expect(row.session).toBe("alice@example.com");
  });
});
