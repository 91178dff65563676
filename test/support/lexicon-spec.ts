/**
 * A task spec that races the two npm sentiment lexicons (`npm:sentiment`, AFINN-165, and
 * `npm:vader-sentiment`) with a budget for every item of a 200-item file, written as
 * `task.json` in `folder`; `data` is the spec's data block.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export function writeLexiconSpec(folder: string, data: Record<string, unknown>): string {
  const spec = join(folder, "task.json");
  writeFileSync(
    spec,
    JSON.stringify({
      task_type: "text-classification",
      hardware: "local",
      candidates: { ids: ["npm:sentiment", "npm:vader-sentiment"] },
      data,
      metric: "accuracy",
      budget: { max_probes: 400 },
      privacy: "local-only",
    }),
  );
  return spec;
}
