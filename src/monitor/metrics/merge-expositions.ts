/**
 * @module
 * Merges several processes' Prometheus text expositions (format 0.0.4, as
 * `metrics-registry.ts` renders them) into one, each sample labelled with the process it came
 * from (`worker="2"`): what `serve --workers` answers on `/metrics`, so a scrape that reaches
 * any worker sees every worker's series. The format wants each family's samples together
 * under one `# HELP` and `# TYPE`, so samples are grouped by family (in the order families
 * first appear), not concatenated. A family is named by its `# HELP` or `# TYPE` line; the
 * samples after it (a histogram's `_bucket`, `_sum` and `_count` too) belong to it. Other
 * comment lines are kept at the end.
 */
import { escapeLabelValue } from "./metrics-registry.js";

interface MergedFamily {
  header: string[];
  samples: string[];
}

/** `name{a="b"} 1` with `worker="k"` as its first label. */
function withWorkerLabel(line: string, worker: string): string {
  const brace = line.indexOf("{");
  const space = line.indexOf(" ");
  const label = `worker="${escapeLabelValue(worker)}"`;
  if (brace !== -1 && (space === -1 || brace < space)) {
    const rest = line.slice(brace + 1);
    return `${line.slice(0, brace)}{${label}${rest.startsWith("}") ? "" : ","}${rest}`;
  }
  if (space === -1) return line;
  return `${line.slice(0, space)}{${label}}${line.slice(space)}`;
}

export function mergeExpositions(parts: readonly { worker: string; text: string }[]): string {
  const families = new Map<string, MergedFamily>();
  const comments: string[] = [];
  for (const { worker, text } of parts) {
    let current: MergedFamily | undefined;
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (meta !== null) {
        const name = meta[2] as string;
        let family = families.get(name);
        if (family === undefined) {
          family = { header: [], samples: [] };
          families.set(name, family);
        }
        // The first process's HELP and TYPE lines stand for all.
        if (!family.header.some((kept) => kept.startsWith(`# ${meta[1]} `))) {
          family.header.push(line);
        }
        current = family;
      } else if (line.startsWith("#")) {
        comments.push(line);
      } else if (current !== undefined) {
        current.samples.push(withWorkerLabel(line, worker));
      } else {
        comments.push(`# a sample outside any family was left out: ${line}`);
      }
    }
  }
  const lines: string[] = [];
  for (const family of families.values()) lines.push(...family.header, ...family.samples);
  lines.push(...comments);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
