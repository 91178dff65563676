/**
 * @module
 * `modelscout learner standings [--route R] [--hide-removed] [--json]`: what the routing learner
 * holds of each model per route (posterior mean quality, evidence, mean cost, demoted), and
 * whether the routes config a server last put into service on this state still has it: the
 * learner keeps what it learned on a route or model a reload removed, and says so (ADR 0083);
 * `modelscout learner decisions [--route R] [--limit N] [--json]`: its demotions and
 * reinstatements, most recent first, with the rule or note that decided each and its
 * evidence. Reads the state database, beside a running server too: nothing is written but the
 * learning component's migrations, and the standings are decayed with the half-life the
 * database was written with.
 */
import { defineCommand } from "citty";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { LearningStore } from "../../route/learning/learning-store.js";
import type { ConfigStanding } from "../../route/learning/routes-in-service.js";
import { ThompsonRouteLearner } from "../../route/learning/thompson-route-learner.js";
import type { ModelStanding } from "../../route/route-learner.js";
import { openStateDatabase, type StateDatabase } from "../../state/state-database.js";
import {
  formatTable,
  formatUsd,
  formatUtcSeconds,
  type TableColumn,
} from "../../text/format-table.js";
import { integerOption, printJson, STATE_ARG } from "../cli-options.js";

const routeArg = {
  type: "string",
  description:
    "Only this route, as the learner names it: <route>/<task>, e.g. complaint/text-generation",
} as const;

function withState<T>(state: string | undefined, work: (database: StateDatabase) => T): T {
  const database = openStateDatabase({ path: state, mustExist: true });
  try {
    return work(database);
  } finally {
    database.close();
  }
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

/** A standing with where it stands against the config in service; null when that is unknown. */
type StandingRow = ModelStanding & { inConfig: boolean | null; config: ConfigStanding | null };

const standings = defineCommand({
  meta: {
    name: "standings",
    description:
      "Each model's standing per route: quality, evidence, mean cost, demoted, and whether the config in service still has it",
  },
  args: {
    route: routeArg,
    "hide-removed": {
      type: "boolean",
      description:
        "Leave out the routes and models the routes config in service no longer has (their learning is kept, and shown without this flag)",
    },
    json: { type: "boolean", description: "Print JSON" },
    state: STATE_ARG,
  },
  run({ args }) {
    withState(args.state, (database) => {
      const inService = new LearningStore(database).readRoutesInService();
      const hideRemoved = args["hide-removed"] === true;
      if (hideRemoved && inService === undefined) {
        throw new ModelScoutError(
          "NOT_FOUND",
          "--hide-removed: no routing server has recorded its routes config in this state database (a server records it at each start and reload), so which routes were removed is not known. Start `modelscout serve` on it once, or leave --hide-removed out.",
        );
      }
      const all: StandingRow[] = storedLearner(database)
        .standings(args.route)
        .map((standing) => {
          const config = inService?.standingOf(standing.route, standing.modelId) ?? null;
          return {
            ...standing,
            inConfig: config === null ? null : config === "in service",
            config,
          };
        });
      const rows = hideRemoved ? all.filter((row) => row.inConfig === true) : all;
      if (args.json === true) {
        printJson(rows);
        return;
      }
      const removed = all.filter((row) => row.inConfig === false).length;
      if (rows.length === 0) {
        process.stdout.write(
          `No feedback has reached the learner${args.route === undefined ? "" : ` on ${args.route}`} in this state database${hideRemoved && removed > 0 ? ` on a route the config in service has (${removed} standing${removed === 1 ? "" : "s"} on removed routes or models left out)` : ""}.\n`,
        );
        return;
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
      process.stdout.write(`${formatTable(rows, columns)}\n${notes.join("\n")}\n`);
    });
  },
});

const decisions = defineCommand({
  meta: {
    name: "decisions",
    description:
      "The learner's demotions and reinstatements, most recent first, with their evidence",
  },
  args: {
    route: routeArg,
    limit: { type: "string", description: "At most this many (default 20)" },
    json: { type: "boolean", description: "Print JSON, evidence included" },
    state: STATE_ARG,
  },
  run({ args }) {
    const limit = integerOption("limit", args.limit) ?? 20;
    withState(args.state, (database) => {
      const list = new LearningStore(database).decisions({
        limit,
        ...(args.route !== undefined && { route: args.route }),
      });
      if (args.json === true) {
        printJson(list);
        return;
      }
      if (list.length === 0) {
        process.stdout.write(
          `No model has been demoted or reinstated${args.route === undefined ? "" : ` on ${args.route}`}.\n`,
        );
        return;
      }
      process.stdout.write(
        `${formatTable(list, [
          { header: "at", value: (row) => formatUtcSeconds(row.at) },
          { header: "decision", value: (row) => row.kind },
          { header: "route", value: (row) => row.route, maxWidth: 36 },
          { header: "domain", value: (row) => row.domain ?? "all", maxWidth: 20 },
          { header: "model", value: (row) => row.modelId, maxWidth: 40 },
          { header: "baseline", value: (row) => row.baselineModelId ?? "", maxWidth: 40 },
          { header: "by", value: (row) => row.actor, maxWidth: 20 },
          {
            header: "why",
            value: (row) =>
              (row.evidence !== null && "rule" in row.evidence ? row.evidence.rule : null) ??
              row.note ??
              "",
          },
        ])}\nTimes are UTC; --json gives each decision's evidence (both posteriors, costs, thresholds).\n`,
      );
    });
  },
});

export default defineCommand({
  meta: {
    name: "learner",
    description: "What the routing learner holds: standings per route and model, and its decisions",
  },
  subCommands: { standings, decisions },
});
