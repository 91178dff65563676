/**
 * For tests of how `modelscout serve` runs catalog models (`--edge`, `--unload-idle`): a routes
 * config whose one route, `mood`, classifies sentiment with npm:sentiment and falls back to
 * npm:vader-sentiment; a classification through it; and the model processes a server started,
 * as the operating system sees them.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";

/** Writes `routes.json` in `folder` with `models` declared; returns its path. */
export function writeMoodRoutes(folder: string, models: readonly object[]): string {
  const config = join(folder, "routes.json");
  writeFileSync(
    config,
    JSON.stringify({
      models,
      routes: [
        {
          name: "mood",
          targets: {
            "text-classification": {
              policy: "fallback",
              candidates: ["npm:sentiment", "npm:vader-sentiment"],
            },
          },
        },
      ],
    }),
  );
  return config;
}

/** The model processes whose parent is `pid` (from source, tsx's esbuild is a child too). */
export function modelProcesses(pid: number): string[] {
  let children: string;
  try {
    children = execFileSync("pgrep", ["-a", "-P", String(pid)], { encoding: "utf8" });
  } catch {
    return []; // pgrep exits 1 when it finds none
  }
  return children.split("\n").filter((line) => line.includes("isolated-child"));
}

/** A glad sentence through the `mood` route: which model answered, and its top label. */
export async function classifyMood(url: string): Promise<{ model: string; label: string }> {
  const response = await fetch(`${url}/v1/tasks/text-classification`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "mood", inputs: "I love this, it is wonderful" }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    modelscout: { model: string };
    data: { labels: { label: string }[] }[];
  };
  return { model: body.modelscout.model, label: body.data[0]?.labels[0]?.label as string };
}
