/**
 * @module
 * Open LLM Leaderboard v2 (and its finance/legal/medical domain boards) to catalog records.
 * The only place that knows these CSVs' columns.
 *
 * The leaderboard lists some models more than once (different precisions, revisions or chat
 * templates were evaluated separately). The catalog keeps one record per id: the
 * best-ranked row, because that is the figure a user who looks the model up sees first.
 * Domain rows are matched to that same evaluation by their BBH and MMLU-PRO values, so a
 * model's domain scores never mix two different runs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { EvalResult, ModelRecordInput } from "../model-record.js";
import { csvNumber, parseCsvRecords } from "./parse-csv.js";
import type { SnapshotSourceMapping } from "./snapshot-manifest.js";

const MAIN_FILE = "open_llm_leaderboard_v2_from_index_html.csv";
const DOMAINS = ["finance", "legal", "medical"] as const;
const EVAL_SOURCE = "open-llm-leaderboard-v2";
/** The leaderboard shows scores normalised between the random baseline (0) and 100. */
const METRIC = "normalized_score";

/** Column in the main CSV -> benchmark name as the leaderboard displays it. */
const MAIN_BENCHMARKS = {
  IFEval: "IFEval",
  BBH: "BBH",
  MATH_Lvl5: "MATH Lvl 5",
  GPQA: "GPQA",
  MUSR: "MUSR",
  MMLU_PRO: "MMLU-PRO",
} as const;

/** Columns of the domain CSVs that are not per-benchmark scores. */
const DOMAIN_NON_BENCHMARK_COLUMNS = new Set([
  "Rank",
  "fullname",
  "Model",
  "#Params (B)",
  "domain_average",
]);

function leaderboardResult(benchmark: string, value: number, domain?: string): EvalResult {
  return {
    benchmark,
    metric: METRIC,
    value,
    scale: "percent",
    source: EVAL_SOURCE,
    verified: true,
    ...(domain !== undefined && { domain }),
  };
}

/** Key that identifies one evaluation run across the main and domain boards. */
function runKey(model: string, bbh: number | null, mmluPro: number | null): string {
  return `${model}\u0000${bbh?.toFixed(2)}\u0000${mmluPro?.toFixed(2)}`;
}

export function mapOpenLlmLeaderboard(directory: string): SnapshotSourceMapping {
  const mainRows = parseCsvRecords(readFileSync(join(directory, MAIN_FILE), "utf8"));
  const chosen = new Map<string, Record<string, string>>();
  let duplicateRows = 0;
  for (const row of mainRows) {
    const id = row.model?.trim() ?? "";
    if (id === "") continue;
    // Rows are in rank order, so the first row for an id is its best evaluation.
    if (chosen.has(id)) duplicateRows += 1;
    else chosen.set(id, row);
  }
  const chosenRunKeys = new Set(
    [...chosen.entries()].map(([id, row]) =>
      runKey(id, csvNumber(row.BBH), csvNumber(row.MMLU_PRO)),
    ),
  );

  interface DomainFacts {
    average: number;
    paramsBillions: number | null;
    results: EvalResult[];
    sameRun: boolean;
  }
  const domainFacts = new Map<string, Map<string, DomainFacts>>();
  const notes: Record<string, number | string> = {};
  for (const domain of DOMAINS) {
    const rows = parseCsvRecords(
      readFileSync(join(directory, `${domain}_leaderboard.csv`), "utf8"),
    );
    let matchedByRun = 0;
    for (const row of rows) {
      const id = row.fullname?.trim() ?? "";
      const average = csvNumber(row.domain_average);
      if (!chosen.has(id) || average === null) continue;
      const key = runKey(id, csvNumber(row.BBH), csvNumber(row["MMLU-PRO"]));
      const perModel = domainFacts.get(id) ?? new Map<string, DomainFacts>();
      const sameRun = chosenRunKeys.has(key);
      // Prefer the row from the same run as the main board; else the best-ranked one.
      const existing = perModel.get(domain);
      if (existing !== undefined && (existing.sameRun || !sameRun)) continue;
      if (sameRun) matchedByRun += 1;
      const results = [leaderboardResult("Domain average", average, domain)];
      for (const [column, value] of Object.entries(row)) {
        if (DOMAIN_NON_BENCHMARK_COLUMNS.has(column)) continue;
        const score = csvNumber(value);
        if (score !== null) results.push(leaderboardResult(column, score, domain));
      }
      perModel.set(domain, {
        average,
        paramsBillions: csvNumber(row["#Params (B)"]),
        results,
        sameRun,
      });
      domainFacts.set(id, perModel);
    }
    notes[`${domain}RowsMatchedToMainRun`] = matchedByRun;
  }

  const records: ModelRecordInput[] = [];
  for (const [id, row] of chosen) {
    const evalResults: EvalResult[] = [];
    const average = csvNumber(row.average);
    if (average !== null) evalResults.push(leaderboardResult("Average", average));
    for (const [column, benchmark] of Object.entries(MAIN_BENCHMARKS)) {
      const value = csvNumber(row[column]);
      if (value !== null) evalResults.push(leaderboardResult(benchmark, value));
    }
    const domains = domainFacts.get(id) ?? new Map<string, DomainFacts>();
    const domainAverage: Record<string, number> = {};
    let preciseParamsBillions: number | null = null;
    for (const domain of DOMAINS) {
      const facts = domains.get(domain);
      if (facts === undefined) continue;
      domainAverage[domain] = facts.average;
      evalResults.push(...facts.results);
      preciseParamsBillions ??= facts.paramsBillions;
    }
    // The domain boards give params to three decimals (32.764) where the main board rounds
    // (32.8); both come from the same Hub metadata, so the precise one is preferred. Zero
    // means "unknown" on both boards (the leaderboard could not read the weights' size).
    const paramsBillions =
      preciseParamsBillions !== null && preciseParamsBillions > 0
        ? preciseParamsBillions
        : csvNumber(row.params_b);
    records.push({
      id,
      source: "hub",
      task: "text-generation",
      library: "transformers",
      params:
        paramsBillions !== null && paramsBillions > 0 ? Math.round(paramsBillions * 1e9) : null,
      evalResults,
      score: average,
      extra: {
        leaderboardRank: csvNumber(row.rank),
        ...(Object.keys(domainAverage).length > 0 && { domainAverage }),
      },
    });
  }
  return {
    origin: "open-llm-leaderboard",
    records,
    files: [MAIN_FILE, ...DOMAINS.map((domain) => `${domain}_leaderboard.csv`)],
    notes: {
      rows: mainRows.length,
      models: records.length,
      duplicateRowsDropped: duplicateRows,
      modelsWithDomainScores: domainFacts.size,
      ...notes,
    },
  };
}
