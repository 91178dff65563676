/**
 * `modelscout catalog search` on a PostgreSQL catalog (`MODELSCOUT_CATALOG_URL`, ADR 0051),
 * the real CLI in child processes: the bundled offline snapshot loads into PostgreSQL on first
 * use, and searches give the same models in the same order as on the SQLite catalog.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { dropTestSchemas, newTestSchema, TEST_POSTGRES_URL } from "../support/test-postgres.js";

afterAll(dropTestSchemas);

const SEARCHES = [
  ["--task", "text-classification", "--limit", "8"],
  ["--task", "text-generation", "--sort", "score", "--limit", "8", "--offset", "3"],
  ["--task", "feature-extraction", "--lang", "zh", "--license", "mit", "--limit", "8"],
  ["--task", "image-classification", "--hardware", "t4", "--sort", "latency", "--limit", "8"],
  ["--hardware", "rpi5", "--max-memory-gb", "1", "--max-latency-ms", "200", "--limit", "8"],
  // The walks over a language's rows, and a latency bound with measured figures (ImageNet's).
  [
    "--task",
    "sentence-similarity",
    "--lang",
    "en",
    "--hardware",
    "cpu-laptop",
    "--sort",
    "latency",
  ],
  ["--task", "image-classification", "--hardware", "t4", "--max-latency-ms", "5", "--limit", "8"],
  // Memory bounds over sizes that are unknown (npm lexicons at int8) or recorded beyond the
  // parameter count (npm files at fp32, MTEB's measured memory).
  ["--task", "sentiment", "--lang", "zh", "--hardware", "rpi5"],
  ["--task", "text-classification", "--max-memory-gb", "1", "--limit", "30"],
  ["--task", "feature-extraction", "--max-memory-gb", "0.5", "--sort", "score", "--limit", "30"],
];

describe("a PostgreSQL catalog", () => {
  it("loads the offline snapshot and searches as the SQLite catalog does", async () => {
    const sqliteEnv = { MODELSCOUT_HOME: mkdtempSync(join(tmpdir(), "ms-pg-cli-sqlite-")) };
    const postgresEnv = {
      MODELSCOUT_HOME: mkdtempSync(join(tmpdir(), "ms-pg-cli-home-")),
      MODELSCOUT_CATALOG_URL: TEST_POSTGRES_URL,
      MODELSCOUT_CATALOG_SCHEMA: newTestSchema(),
    };
    for (const [index, search] of SEARCHES.entries()) {
      const args = ["catalog", "search", ...search, "--json"];
      const [sqlite, postgres] = [await runCli(args, sqliteEnv), await runCli(args, postgresEnv)];
      expect(sqlite.code, sqlite.stderr).toBe(0);
      expect(postgres.code, postgres.stderr).toBe(0);
      if (index === 0) {
        expect(postgres.stderr).toMatch(/Loaded \d{4,} models into the offline catalog/);
      } else {
        expect(postgres.stderr).not.toContain("Loading the bundled offline catalog");
      }
      const ids = (output: string) =>
        (JSON.parse(output) as { models: { id: string }[] }).models.map((hit) => hit.id);
      expect(ids(postgres.stdout).length, search.join(" ")).toBeGreaterThan(0);
      expect(ids(postgres.stdout), search.join(" ")).toEqual(ids(sqlite.stdout));
    }
    // Which catalog is in use, its password masked (trust authentication ignores it).
    const withPassword = new URL(TEST_POSTGRES_URL);
    withPassword.password = "s3cret";
    const status = await runCli(["catalog", "status"], {
      ...postgresEnv,
      MODELSCOUT_CATALOG_URL: withPassword.toString(),
    });
    expect(status.code, status.stderr).toBe(0);
    withPassword.password = "***";
    expect(status.stdout).toContain(
      `Catalog: PostgreSQL, ${withPassword.toString()}, schema ${postgresEnv.MODELSCOUT_CATALOG_SCHEMA}\n`,
    );
    expect(status.stdout).not.toContain("s3cret");
    const sqliteStatus = await runCli(["catalog", "status"], sqliteEnv);
    const models = (output: string) =>
      output.split("\n").find((line) => line.startsWith("Models:"));
    expect(models(status.stdout)).toEqual(models(sqliteStatus.stdout));
  }, 180_000);

  it("refuses a URL that is not PostgreSQL's, and names an unreachable server", async () => {
    const home = mkdtempSync(join(tmpdir(), "ms-pg-cli-bad-"));
    const wrong = await runCli(["catalog", "search", "--limit", "1"], {
      MODELSCOUT_HOME: home,
      MODELSCOUT_CATALOG_URL: "mysql://root:pw@127.0.0.1/catalog",
    });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(
      "MODELSCOUT_CATALOG_URL must be a postgres:// or postgresql:// URL",
    );
    expect(wrong.stderr).not.toContain(":pw@");
    const down = await runCli(["catalog", "search", "--limit", "1"], {
      MODELSCOUT_HOME: home,
      MODELSCOUT_CATALOG_URL: "postgres://postgres@127.0.0.1:1/test",
    });
    expect(down.code).not.toBe(0);
    expect(down.stderr).toContain(
      "Cannot use the PostgreSQL catalog at postgres://postgres@127.0.0.1:1/test",
    );
  }, 60_000);
});
