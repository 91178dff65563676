/**
 * @module
 * The Thompson learner's settings as user-facing configuration (a route config's bandit
 * policy can carry them): validated with zod, every field defaulted, units in the names.
 * Cross-field rules (the floor must fit among the candidates, the cap must leave room for the
 * floor) depend on a route's candidate count and are applied per request by the learner.
 */
import { z } from "zod";
import { ModelScoutError } from "../../errors/modelscout-error.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export const thompsonLearnerConfigSchema = z
  .strictObject({
    halfLifeMs: z
      .number()
      .positive()
      .nullable()
      .default(7 * DAY_MS)
      .describe(
        "Half-life of evidence in milliseconds; null keeps all evidence at full weight. Default 7 days (604800000).",
      ),
    prior: z
      .strictObject({
        alpha: z.number().positive().describe("The prior's alpha: pseudo-successes. Default 1."),
        beta: z.number().positive().describe("The prior's beta: pseudo-failures. Default 1."),
      })
      .default({ alpha: 1, beta: 1 })
      .describe(
        "Beta prior of every (route, model, domain) before evidence. Default Beta(1, 1), uniform.",
      ),
    floor: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe(
        "Minimum share of a route's traffic each candidate receives (uniform floor draws). Default 0.01.",
      ),
    cap: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe(
        "Maximum long-run share of a route's traffic sent to a model other than the current best mean. Default 0.2.",
      ),
    explorationBurst: z
      .number()
      .min(1)
      .default(10)
      .describe(
        "Exploration picks that may be spent in a burst before the cap binds (token-bucket depth). Default 10.",
      ),
    domainPriorStrength: z
      .number()
      .min(0)
      .default(10)
      .describe(
        "Pseudo-observations of the route-wide evidence used as the prior of a domain's posterior when a request names a domain (shrinkage: a new domain starts from the route's standing, not from ignorance). 0 treats domains as unrelated. Default 10.",
      ),
    maxDomainsPerRoute: z
      .number()
      .int()
      .min(0)
      .default(1000)
      .describe(
        "Domains the learner keeps apart per route, in the order they first brought a reward; a further domain's outcomes count route-wide only (stored without their domain), so a client that names a new domain on every request cannot grow the learner's state without bound. Default 1000.",
      ),
    baseline: z
      .strictObject({
        policy: z
          .enum(["first-candidate", "best-standing"])
          .default("first-candidate")
          .describe(
            "`first-candidate`: the route's first candidate (its preferred model) is the baseline; `best-standing`: the model with the best posterior mean among those with enough evidence. Default `first-candidate`.",
          ),
        models: z
          .record(z.string().min(1), z.string().min(1))
          .default({})
          .describe(
            "A fixed baseline model per route (route name to model id), overriding the policy for that route.",
          ),
      })
      .default({ policy: "first-candidate", models: {} })
      .describe("The model each route's other models are compared with for demotion."),
    // The 0.99 default is argued in docs/decisions/0012-routing-bandit.md.
    demotion: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "Demote a model that is confidently worse than the baseline. Default true; false never demotes.",
          ),
        probability: z
          .number()
          .min(0.5)
          .max(1)
          .default(0.99)
          .describe(
            "Posterior probability that the model is below the baseline by `minGap` needed to demote. Default 0.99: the check runs after every outcome, and at 0.95 that repeated looking demoted one of two equal models in 15-25% of synthetic runs (0.99: 2-3%).",
          ),
        minGap: z
          .number()
          .min(0)
          .max(1)
          .default(0.02)
          .describe(
            "Quality gap (0..1) the model must be confidently below the baseline by. Default 0.02 (2 points).",
          ),
        minEffectiveObservations: z
          .number()
          .min(1)
          .default(30)
          .describe(
            "Effective (decayed) observations both sides need before a demotion is considered. Default 30.",
          ),
        demotedTraffic: z
          .enum(["floor", "none"])
          .default("floor")
          .describe(
            "`floor`: a demoted model still receives floor draws (fresh evidence for operators); `none`: no traffic. Default `floor`.",
          ),
      })
      .default({
        enabled: true,
        probability: 0.99,
        minGap: 0.02,
        minEffectiveObservations: 30,
        demotedTraffic: "floor",
      })
      .describe(
        "When a model is demoted in a domain: it and the baseline both have enough evidence and it is confidently worse. A demoted model is no longer chosen greedily or by Thompson draws there; only an operator reinstates it.",
      ),
  })
  .describe(
    "Settings of the Thompson-sampling learner behind `bandit` routes: evidence decay, prior, exploration floor and cap, domains, baseline and demotion.",
  );

export type ThompsonLearnerConfigInput = z.input<typeof thompsonLearnerConfigSchema>;
export type ThompsonLearnerConfig = z.output<typeof thompsonLearnerConfigSchema>;

/** Validates user configuration; errors name the field and say what is expected. */
export function parseThompsonLearnerConfig(input: unknown = {}): ThompsonLearnerConfig {
  const parsed = thompsonLearnerConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "config";
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Bandit learner config: ${where}: ${issue?.message ?? "invalid"}. See the Thompson learner settings (halfLifeMs, prior, floor, cap, explorationBurst, domainPriorStrength, maxDomainsPerRoute, baseline, demotion).`,
      { details: { path: issue?.path ?? [] } },
    );
  }
  return parsed.data;
}
