/**
 * What the benchmarks that run `modelscout serve` in child processes share: their
 * `--state file|postgres` and `--url` options, starting one and waiting for the URL it
 * prints, dropping the PostgreSQL schema they used, and the percentile they read times with.
 */
import { type ChildProcess, spawn } from "node:child_process";
import pg from "pg";

/** `parseArgs` options: where the servers keep their state (`--state`), and which PostgreSQL. */
export const STATE_OPTIONS = {
  state: { type: "string", default: "file" },
  url: {
    type: "string",
    default: process.env.MODELSCOUT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  },
} as const;

/** True for `--state postgres`; throws naming the option for anything but file or postgres. */
export function statesOnPostgres(state: string): boolean {
  if (state !== "file" && state !== "postgres") {
    throw new Error(`--state must be file or postgres (got ${state})`);
  }
  return state === "postgres";
}

/** Drops the schema the servers shared on the PostgreSQL at `url`. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Starts `node <nodeArgs> serve <serveArgs>` (the CLI's entry in `nodeArgs`, from source with
 * tsx or built) and resolves with the URL it listens at.
 */
export function startServeChild(
  nodeArgs: readonly string[],
  serveArgs: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...nodeArgs, "serve", ...serveArgs], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const url = /Routing server at (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url !== undefined) resolve({ url, child });
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

/** The value at fraction `p` of `sorted` (ascending), NaN when it is empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}
