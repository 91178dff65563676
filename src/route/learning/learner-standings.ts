/**
 * @module
 * What the routing learner holds of each model per route, read from a state database beside a
 * running server: posterior mean quality, evidence, mean cost, demoted, and whether the routes
 * config a server last put into service still has it (ADR 0083). `modelscout learner
 * standings` prints it; the agent tools' `route_standings` answers with it. Nothing is written
 * but the learning component's migrations, and the standings are decayed with the half-life
 * the database was written with.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { StateDatabase } from "../../state/state-database.js";
import {
  formatTable,
  formatUsd,
  formatUtcSeconds,
  type TableColumn,
} from "../../text/format-table.js";
import type { ModelStanding } from "../route-learner.js";
import { LearningStore } from "./learning-store.js";
import type { ConfigStanding, RoutesInService } from "./routes-in-service.js";
import { ThompsonRouteLearner } from "./thompson-route-learner.js";

/** A standing with where it stands against the config in service; null when that is unknown. */
export type StandingRow = ModelStanding & {
  inConfig: boolean | null;
  config: ConfigStanding | null;
};

export interface LearnerStandings {
  /** The standings asked for (without those on removed routes and models, if so asked). */
  rows: StandingRow[];
  /** How many standings are on routes or models the config in service no longer has. */
  removed: number;
  /** The routes config a server last recorded on this state; undefined when none did. */
  inService: RoutesInService | undefined;
  route: string | undefined;
  hideRemoved: boolean;
}

/** A learner over the stored state, decaying with the stored half-life so that nothing is rebuilt. */
function storedLearner(database: StateDatabase): ThompsonRouteLearner {
  const stored = new LearningStore(database).readMeta("half_life_ms");
  const halfLifeMs = stored === undefined ? undefined : Number(stored);
  return new ThompsonRouteLearner({
    database,
    config:
      halfLifeMs === undefined
        ? {}
        : { halfLifeMs: Number.isFinite(halfLifeMs) ? halfLifeMs : null },
  });
}

/**
 * The standings of `route` (`<route>/<task>`; every route without it). `hideRemoved` leaves
 * out those the config in service no longer has, and is refused (`NOT_FOUND`, naming the
 * option as `optionName`) when no server has recorded a config on this state.
 */
export function learnerStandings(
  database: StateDatabase,
  options: { route?: string; hideRemoved?: boolean; optionName?: string } = {},
): LearnerStandings {
  const inService = new LearningStore(database).readRoutesInService();
  const hideRemoved = options.hideRemoved === true;
  if (hideRemoved && inService === undefined) {
    throw new ModelScoutError(
      "NOT_FOUND",
      `${options.optionName ?? "--hide-removed"}: no routing server has recorded its routes config in this state database (a server records it at each start and reload), so which routes were removed is not known. Start \`modelscout serve\` on it once, or leave ${options.optionName ?? "--hide-removed"} out.`,
    );
  }
  const all: StandingRow[] = storedLearner(database)
    .standings(options.route)
    .map((standing) => {
      const config = inService?.standingOf(standing.route, standing.modelId) ?? null;
      // biome-ignore lint/plugin/no-spread-then-field: once per standing of a read, not per request
      return { ...standing, inConfig: config === null ? null : config === "in service", config };
    });
  return {
    rows: hideRemoved ? all.filter((row) => row.inConfig === true) : all,
    removed: all.filter((row) => row.inConfig === false).length,
    inService,
    route: options.route,
    hideRemoved,
  };
}

/** The standings as `modelscout learner standings` prints them: a table and what it means. */
export function renderLearnerStandings(standings: LearnerStandings): string {
  const { rows, removed, inService, route, hideRemoved } = standings;
  if (rows.length === 0) {
    return `No feedback has reached the learner${route === undefined ? "" : ` on ${route}`} in this state database${hideRemoved && removed > 0 ? ` on a route the config in service has (${removed} standing${removed === 1 ? "" : "s"} on removed routes or models left out)` : ""}.\n`;
  }
  const columns: TableColumn<StandingRow>[] = [
    { header: "route", value: (row) => row.route, maxWidth: 36 },
    { header: "domain", value: (row) => row.domain ?? "all", maxWidth: 20 },
    { header: "model", value: (row) => row.modelId, maxWidth: 48 },
    { header: "quality", value: (row) => row.mean.toFixed(3), align: "right" },
    { header: "evidence", value: (row) => row.effectiveCount.toFixed(1), align: "right" },
    { header: "mean cost", value: (row) => formatUsd(row.meanCostUsd), align: "right" },
    { header: "state", value: (row) => (row.demoted ? "demoted" : "active") },
  ];
  if (inService !== undefined) {
    columns.push({ header: "config", value: (row) => row.config ?? "" });
  }
  const notes = [
    "Quality is the posterior mean (0-1) after decay; evidence the decayed number of rated answers; mean cost per rated answer that had one.",
    inService === undefined
      ? "No routing server has recorded its routes config in this state database, so routes a reload removed are not marked."
      : `Config: the routes config a server put into service on this state at ${formatUtcSeconds(inService.recordedAt ?? "")} UTC (its start or last reload). ${
          hideRemoved
            ? `${removed} standing${removed === 1 ? "" : "s"} on routes or models it no longer has ${removed === 1 ? "is" : "are"} left out; their learning is kept.`
            : removed === 0
              ? "It has every route and model listed."
              : `"route removed" and "model removed" route nothing now; what was learned there is kept, for a config that brings them back (--hide-removed leaves them out).`
        }`,
  ];
  return `${formatTable(rows, columns)}\n${notes.join("\n")}\n`;
}
