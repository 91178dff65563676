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

export const thompsonLearnerConfigSchema = z.strictObject({
  /** Half-life of evidence in milliseconds; null keeps all evidence at full weight. Default 7 days. */
  halfLifeMs: z
    .number()
    .positive()
    .nullable()
    .default(7 * DAY_MS),
  /** Beta prior of every (route, model, domain) before evidence. Default Beta(1, 1), uniform. */
  prior: z
    .strictObject({ alpha: z.number().positive(), beta: z.number().positive() })
    .default({ alpha: 1, beta: 1 }),
  /** Minimum share of a route's traffic each candidate receives (uniform floor draws). Default 0.01. */
  floor: z.number().min(0).max(1).default(0.01),
  /** Maximum long-run share of a route's traffic sent to a model other than the current best mean. Default 0.2. */
  cap: z.number().min(0).max(1).default(0.2),
  /** Exploration picks that may be spent in a burst before the cap binds (token-bucket depth). Default 10. */
  explorationBurst: z.number().min(1).default(10),
  /**
   * Pseudo-observations of the route-wide evidence used as the prior of a domain's posterior
   * when a request names a domain (shrinkage: a new domain starts from the route's standing,
   * not from ignorance). 0 treats domains as unrelated. Default 10.
   */
  domainPriorStrength: z.number().min(0).default(10),
  /**
   * Domains the learner keeps apart per route, in the order they first brought a reward; a
   * further domain's outcomes count route-wide only (stored without their domain), so a
   * client that names a new domain on every request cannot grow the learner's state without
   * bound. Default 1000.
   */
  maxDomainsPerRoute: z.number().int().min(0).default(1000),
  baseline: z
    .strictObject({
      /**
       * `first-candidate`: the route's first candidate (its preferred model) is the baseline;
       * `best-standing`: the model with the best posterior mean among those with enough evidence.
       */
      policy: z.enum(["first-candidate", "best-standing"]).default("first-candidate"),
      /** A fixed baseline model per route, overriding the policy for that route. */
      models: z.record(z.string().min(1), z.string().min(1)).default({}),
    })
    .default({ policy: "first-candidate", models: {} }),
  demotion: z
    .strictObject({
      enabled: z.boolean().default(true),
      /**
       * Posterior probability that the model is below the baseline by `minGap` needed to demote.
       * Default 0.99: the check runs after every outcome, and at 0.95 that repeated looking
       * demoted one of two equal models in 15-25% of synthetic runs (0.99: 2-3%); see
       * docs/decisions/0012-routing-bandit.md.
       */
      probability: z.number().min(0.5).max(1).default(0.99),
      /** Quality gap (0..1) the model must be confidently below the baseline by. Default 0.02 (2 points). */
      minGap: z.number().min(0).max(1).default(0.02),
      /** Effective (decayed) observations both sides need before a demotion is considered. Default 30. */
      minEffectiveObservations: z.number().min(1).default(30),
      /** `floor`: a demoted model still receives floor draws (fresh evidence for operators); `none`: no traffic. */
      demotedTraffic: z.enum(["floor", "none"]).default("floor"),
    })
    .default({
      enabled: true,
      probability: 0.99,
      minGap: 0.02,
      minEffectiveObservations: 30,
      demotedTraffic: "floor",
    }),
});

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
