/**
 * Child process for the shared-state test (ADR 0060): opens a Thompson learner on the state
 * file at argv[2], waits for "go" on stdin (so that its sibling writes at the same time), then
 * chooses and records `count` outcomes, a millisecond apart, with request ids `<prefix><i>` (every 5th gets a
 * replacement reward, as a client retrying feedback would), syncing every 10 requests as the
 * server's timer does and waiting there for its sibling to have recorded as many, and prints
 * "finished"; at the next line on stdin it syncs and prints
 * "done" with its standings as JSON.
 */
import { ThompsonRouteLearner } from "../../../src/route/learning/thompson-route-learner.js";
import { seededRandom } from "../../../src/select/strategies/seeded-random.js";
import { openStateDatabase } from "../../../src/state/state-database.js";

const [path, prefix, countText, seedText] = process.argv.slice(2);
if (!path || !prefix || !countText || !seedText) {
  throw new Error("usage: shared-record-worker <state.db> <prefix> <count> <seed>");
}
const random = seededRandom(Number(seedText)).next;
const startMs = Date.parse("2025-03-01T00:00:00Z");
// A clock past every outcome's time (the test reads its standings at the same time).
const learner = ThompsonRouteLearner.open({
  path,
  random,
  now: () => startMs + Number(countText) * 100,
  config: {
    demotion: { probability: 0.95, minEffectiveObservations: 20 },
    baseline: { policy: "first-candidate" },
  },
});
// The sibling's requests recorded so far (a read connection of its own).
const siblingRequests = openStateDatabase({ path })
  .prepare(
    "SELECT COUNT(DISTINCT request_id) FROM learning_outcomes WHERE substr(request_id, 1, 1) <> ?",
  )
  .pluck();
const truth: Record<string, number> = { base: 0.8, weak: 0.2, other: 0.7 };
const candidates = Object.keys(truth);
process.stdout.write("ready\n");
process.stdin.once("data", async () => {
  const count = Number(countText);
  for (let index = 0; index < count; index++) {
    // Feedback arrives over time, as at a server: the other process gets its turns at the lock.
    await new Promise((resolve) => setTimeout(resolve, 1));
    // Every 10 requests, wait until the sibling has recorded as many: however the machine
    // schedules the two, their writes interleave (a run where one finished before the other
    // started would test nothing).
    if (index > 0 && index % 10 === 0) {
      while ((siblingRequests.get(prefix) as number) < index) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    // A quarter each: `weak` and `base` named in "zh" (evidence enough to demote `weak` there
    // whatever the other process does), the learner's pick in "en".
    const domain = index % 4 < 2 ? "zh" : "en";
    const modelId =
      index % 4 === 0
        ? "weak"
        : index % 4 === 1
          ? "base"
          : learner.choose("r", candidates, { domain }).modelId;
    const outcome = {
      requestId: `${prefix}${index}`,
      route: "r",
      modelId,
      domain,
      at: new Date(startMs + index * 100).toISOString(),
    };
    learner.record({ ...outcome, reward: random() < (truth[modelId] as number) ? 1 : 0 });
    if (index % 5 === 0) learner.record({ ...outcome, reward: 0.5 });
    if (index % 10 === 0) learner.sync();
  }
  process.stdout.write("finished\n");
  // Once its sibling has finished too: what this process's memory holds after a sync.
  process.stdin.once("data", () => {
    learner.sync();
    process.stdout.write(`done ${JSON.stringify(learner.standings("r"))}\n`);
    learner.close();
  });
});
