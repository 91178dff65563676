/** `modelscout mirror serve` in a child process: prints its URL and HF_ENDPOINT, serves, stops on SIGTERM. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { prepareOfflineModels } from "../support/offline-models.js";
import { runCli } from "../support/run-cli.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

it("serves until SIGTERM and prints the HF_ENDPOINT line", async () => {
  const { directory, models } = await prepareOfflineModels();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", MAIN, "mirror", "serve", directory, "--port", "0", "--quiet"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  let stdout = "";
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const match = /^export HF_ENDPOINT=(\S+)$/m.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on("close", () => reject(new Error(`mirror exited early: ${stdout}`)));
  });
  try {
    expect(stdout).toContain(`Mirror serving ${directory} at ${endpoint}`);
    const listing = (await (await fetch(`${endpoint}/api/models`)).json()) as { id: string }[];
    expect(listing.map((model) => model.id).sort()).toEqual(Object.values(models).sort());
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
}, 60_000);

it("exits with an error that says what to do for a missing folder", async () => {
  const result = await runCli(["mirror", "serve", "/nonexistent/modelscout-mirror", "--port", "0"]);
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain("does not exist");
  expect(result.stderr).toContain("build-onnx-models");
});
