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
import {
  learnerStandings,
  renderLearnerStandings,
} from "../../route/learning/learner-standings.js";
import { LearningStore } from "../../route/learning/learning-store.js";
import { openStateDatabase, type StateDatabase } from "../../state/state-database.js";
import { formatTable, formatUtcSeconds } from "../../text/format-table.js";
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
      const found = learnerStandings(database, {
        ...(args.route !== undefined && { route: args.route }),
        hideRemoved: args["hide-removed"] === true,
      });
      if (args.json === true) printJson(found.rows);
      else process.stdout.write(renderLearnerStandings(found));
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
