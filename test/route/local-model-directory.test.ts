/**
 * A relative `local:` model id in a routes config names a folder beside the config file
 * (`RoutesConfig.directory`, set by `readRoutesConfig`), for any router built from it, not
 * only `modelscout serve`'s: here a library router, built while the working directory is
 * elsewhere, classifies with the project's bag-of-words ONNX model copied beside the config.
 */
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readRoutesConfig } from "../../src/route/read-routes-config.js";
import { createRouter } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { topLabel } from "../../src/select/metrics/classification-metrics.js";

const MODEL = fileURLToPath(
  new URL("../../examples/english-sentiment/models/modelscout/sentiment-en-bow", import.meta.url),
);

const CONFIG = {
  models: [{ id: "local:./models/bow", kind: "catalog", isolated: false }],
  routes: [
    {
      name: "reviews",
      targets: { "text-classification": { candidates: ["local:./models/bow"] } },
    },
  ],
};

describe("relative local: model ids", () => {
  it("are read from the routes config's folder", async () => {
    const folder = mkdtempSync(join(tmpdir(), "ms-local-directory-"));
    cpSync(MODEL, join(folder, "models", "bow"), { recursive: true });
    const path = join(folder, "routes.json");
    writeFileSync(path, JSON.stringify(CONFIG));
    const config = await readRoutesConfig(path);
    expect(config.directory).toBe(folder);
    const router = await createRouter({ config });
    try {
      const text = "What a waste of money and time!";
      const result = await router.route({
        task: "text-classification",
        model: "reviews",
        inputs: [text],
        text,
      });
      expect(result.ok).toBe(true);
      const output = result.ok ? result.outputs[0] : undefined;
      expect(output?.kind === "labels" ? topLabel(output) : null).toBe("negative");
    } finally {
      await router.registry.close();
    }
  }, 60_000);

  it("are read from the working directory when the config came from no file", async () => {
    // The working directory (the project) has no ./models/bow: the router is refused, and
    // the error names the folder it looked in.
    await expect(createRouter({ config: parseRoutesConfig(CONFIG) })).rejects.toThrow(
      `Local model folder not found: ${join(process.cwd(), "models", "bow")}`,
    );
  }, 60_000);
});
