/**
 * The PostgreSQL server tests use: the machine's own (`MODELSCOUT_TEST_POSTGRES_URL`, by
 * default the local server's `test` database with trust authentication), and schemas of
 * their own, dropped by `dropTestSchemas`.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const TEST_POSTGRES_URL =
  process.env.MODELSCOUT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const created: string[] = [];

/** A schema name no other test uses; dropped by `dropTestSchemas`. */
export function newTestSchema(): string {
  const schema = `ms_test_${randomBytes(6).toString("hex")}`;
  created.push(schema);
  return schema;
}

export async function dropTestSchemas(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    for (const schema of created.splice(0)) {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  } finally {
    await client.end();
  }
}
