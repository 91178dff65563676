/**
 * Child process for the crash test: opens a Thompson learner on the state file at argv[2] and
 * records outcomes for ever (choose, then record with a reward and, for some, a domain and a
 * replacement feedback), printing "ack <requestId>" after each `record` returns, i.e. at the
 * moment the server would acknowledge the feedback. The parent kills it with SIGKILL.
 */
import { ThompsonRouteLearner } from "../../../src/route/learning/thompson-route-learner.js";
import { seededRandom } from "../../../src/select/strategies/seeded-random.js";

const [path] = process.argv.slice(2);
if (!path) throw new Error("usage: record-worker <state.db>");
const random = seededRandom(17).next;
const learner = ThompsonRouteLearner.open({
  path,
  random,
  config: { halfLifeMs: 60_000, demotion: { probability: 0.95 } },
});
const truth: Record<string, number> = { base: 0.7, weak: 0.3, other: 0.6 };
const candidates = Object.keys(truth);
const startMs = Date.parse("2025-03-01T00:00:00Z");
process.stdout.write("ready\n");
for (let index = 0; ; index++) {
  const domain = index % 3 === 0 ? "zh" : undefined;
  const choice = learner.choose("r", candidates, domain ? { domain } : undefined);
  const requestId = `w${index}`;
  const outcome = {
    requestId,
    route: "r",
    modelId: choice.modelId,
    ...(domain ? { domain } : {}),
    at: new Date(startMs + index * 250).toISOString(),
  };
  learner.record({ ...outcome, reward: random() < (truth[choice.modelId] as number) ? 1 : 0 });
  // Every 7th request gets a corrected rating: the replacement path runs under the kill too.
  if (index % 7 === 0) learner.record({ ...outcome, reward: 0.5 });
  process.stdout.write(`ack ${requestId}\n`);
}
