/**
 * A Thompson learner on a real SQLite state database (a file or `:memory:`), with a seeded
 * random source and a clock the test moves; the databases opened are closed after each test.
 */
import { afterEach } from "vitest";
import type { ThompsonLearnerConfigInput } from "../../../src/route/learning/thompson-learner-config.js";
import { ThompsonRouteLearner } from "../../../src/route/learning/thompson-route-learner.js";
import { seededRandom } from "../../../src/select/strategies/seeded-random.js";
import { openStateDatabase, type StateDatabase } from "../../../src/state/state-database.js";

/** Where the tests' clocks start. */
export const START_MS = Date.parse("2025-03-01T00:00:00Z");

const opened: StateDatabase[] = [];

afterEach(() => {
  for (const database of opened.splice(0)) if (database.open) database.close();
});

/** Closes `database` after the test, as the learners' own. */
export function closeAfterTest(database: StateDatabase): StateDatabase {
  opened.push(database);
  return database;
}

export function makeLearner(
  config: ThompsonLearnerConfigInput = {},
  seed = 1,
  path = ":memory:",
): { learner: ThompsonRouteLearner; clock: { ms: number }; database: StateDatabase } {
  const database = openStateDatabase({ path });
  opened.push(database);
  const clock = { ms: START_MS };
  const learner = new ThompsonRouteLearner({
    database,
    config,
    random: seededRandom(seed).next,
    now: () => clock.ms,
  });
  return { learner, clock, database };
}
