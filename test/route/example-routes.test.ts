import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readRoutesConfig } from "../../src/route/read-routes-config.js";
import { createRouter } from "../../src/route/router.js";
import { MeanRewardLearner } from "../server/routing-test-support.js";
import { renderLine } from "../support/render-text-line.js";

const EXAMPLE = fileURLToPath(
  new URL("../../examples/customer-service/routes.yaml", import.meta.url),
);

describe("examples/customer-service/routes.yaml", () => {
  it("is a valid routes config whose models all resolve to backends of the right task", async () => {
    const config = await readRoutesConfig(EXAMPLE);
    expect(config.routes.map((route) => route.name)).toEqual(["delivery", "complaint", "product"]);
    expect(config.learning).toMatchObject({ cap: 0.2 });
    const complaint = config.routes.find((route) => route.name === "complaint");
    expect(complaint?.targets.get("text-generation")).toMatchObject({
      answerValueUsd: 0.002,
      latencySloMs: 8000,
    });
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

const MEDIA_EXAMPLE = fileURLToPath(
  new URL("../../examples/documents-and-speech/routes.yaml", import.meta.url),
);

describe("examples/documents-and-speech/routes.yaml", () => {
  it("declares its vision and speech models, and reads a scan on this machine", async () => {
    const config = await readRoutesConfig(MEDIA_EXAMPLE);
    expect(config.routes.map((route) => route.name)).toEqual(["assistant", "scans", "calls"]);
    expect(config.server.maxBodyBytes).toBe(25 * 1024 * 1024);
    const router = await createRouter({ config });
    try {
      const described = (id: string) => router.registry.require(id).describe();
      expect(described("vision-llm")).toMatchObject({ imageInputs: true });
      expect(described("small-llm").imageInputs).toBeUndefined();
      expect(described("whisper")).toMatchObject({
        task: "automatic-speech-recognition",
        audioFiles: true,
      });
      // The offline route, end to end: a rendered line read back by Tesseract.
      const result = await router.route({
        task: "image-to-text",
        model: "auto",
        inputs: [{ image: new Uint8Array(await renderLine("Invoice 88 paid in full")) }],
        text: null,
      });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.decision.route).toBe("scans");
      const output = result.outputs[0];
      expect(output?.kind === "text" ? output.text.trim() : "").toBe("Invoice 88 paid in full");
    } finally {
      await router.registry.close();
    }
  });
});
