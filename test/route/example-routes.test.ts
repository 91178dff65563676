import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readRoutesConfig } from "../../src/route/read-routes-config.js";
import { createRouter } from "../../src/route/router.js";
import { MeanRewardLearner } from "../server/routing-test-support.js";

const EXAMPLE = fileURLToPath(
  new URL("../../examples/customer-service/routes.yaml", import.meta.url),
);

describe("examples/customer-service/routes.yaml", () => {
  it("is a valid routes config whose models all resolve to backends of the right task", async () => {
    const config = await readRoutesConfig(EXAMPLE);
    expect(config.routes.map((route) => route.name)).toEqual(["delivery", "complaint", "product"]);
    expect(config.learning).toMatchObject({ cap: 0.2 });
    // Builds every backend without loading any (no server is contacted).
    const router = await createRouter({ config, learner: new MeanRewardLearner() });
    try {
      const providers = Object.fromEntries(
        router
          .listing()
          .filter((entry) => entry.kind === "model")
          .map((entry) => [entry.id, entry.provider]),
      );
      expect(providers).toMatchObject({
        "small-llm": "openai-compatible",
        "large-llm": "openai-compatible",
        "npm:vader-sentiment": "npm",
        "builtin:hashed-ngrams": "hashed-ngrams",
      });
    } finally {
      await router.registry.close();
    }
  });
});
