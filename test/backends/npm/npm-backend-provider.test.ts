/**
 * The npm backend provider against the real catalog entries: every adapter's id is a
 * catalog `source: npm` record, `supports` says yes only to those, a missing optional package
 * becomes BACKEND_UNAVAILABLE naming `npm install`, and wrong inputs get errors that say what
 * to pass.
 */
import { describe, expect, it } from "vitest";
import { createFrancBackend } from "../../../src/backends/npm/franc-backend.js";
import {
  NPM_BACKEND_FACTORIES,
  npmBackendProvider,
} from "../../../src/backends/npm/npm-backend-provider.js";
import { createSentimentBackend } from "../../../src/backends/npm/sentiment-backend.js";
import { runnableProvider, runsHere } from "../../../src/backends/why-not-run-here.js";
import { toModelRecord } from "../../../src/catalog/model-record.js";
import { NPM_MODELS } from "../../../src/catalog/sources/npm-models.js";
import { exitCodeFor } from "../../../src/cli/exit-code.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";

const CATALOG = NPM_MODELS.map(toModelRecord);

describe("npmBackendProvider", () => {
  it("has an adapter only for ids the catalog lists as npm models, with the catalog's task", () => {
    for (const [id, create] of Object.entries(NPM_BACKEND_FACTORIES)) {
      const record = CATALOG.find((model) => model.id === id);
      expect(record, id).toBeDefined();
      expect(record?.source).toBe("npm");
      const backend = create();
      expect(backend.modelId).toBe(id);
      expect(backend.describe()).toMatchObject({
        provider: "npm",
        local: true,
        task: record?.task,
      });
    }
  });

  it("supports the catalog records it has adapters for and creates a backend for each", () => {
    const supported = CATALOG.filter((model) => npmBackendProvider.supports(model));
    expect(supported.map((model) => model.id).sort()).toEqual(
      Object.keys(NPM_BACKEND_FACTORIES).sort(),
    );
    for (const model of supported) expect(npmBackendProvider.create(model).modelId).toBe(model.id);
  });

  it("runs npm:multilang-sentiment, the npm sentiment model for languages other than English", () => {
    const multilang = CATALOG.find((model) => model.id === "npm:multilang-sentiment");
    expect(multilang?.languages).toContain("zh");
    if (multilang === undefined) return;
    expect(npmBackendProvider.supports(multilang)).toBe(true);
    expect(npmBackendProvider.create(multilang).describe()).toMatchObject({
      labels: ["positive", "negative"],
    });
  });

  it("declines catalog npm models it cannot run and models from other sources", () => {
    const wink = CATALOG.find((model) => model.id === "npm:wink-sentiment");
    expect(wink).toBeDefined();
    if (wink === undefined) return;
    expect(npmBackendProvider.supports(wink)).toBe(false);
    const fromHub = { ...wink, id: "npm:sentiment", source: "hub" as const };
    expect(npmBackendProvider.supports(fromHub)).toBe(false);
    expect(() => npmBackendProvider.create({ ...wink, id: "npm:sentimen" })).toThrow(
      /Did you mean "npm:sentiment"/,
    );
  });
});

describe("optional packages", () => {
  it("says before a load which packages a model lacks, and selection's runnableProvider passes it over", () => {
    const record = (id: string) => {
      const found = CATALOG.find((model) => model.id === id);
      if (found === undefined) throw new Error(`${id} is not in the catalog`);
      return found;
    };
    const sentiment = record("npm:sentiment");
    expect(npmBackendProvider.unavailable?.(sentiment)).toBeNull();
    expect(runnableProvider(sentiment, [npmBackendProvider])).toEqual({
      provider: npmBackendProvider,
    });
    // This install has franc-min, not franc: the catalog's record of franc names it.
    const franc = record("npm:franc");
    const reason =
      'needs the optional package "franc", which is not installed: run `npm install franc`';
    expect(npmBackendProvider.supports(franc)).toBe(true);
    expect(npmBackendProvider.unavailable?.(franc)).toBe(reason);
    expect(runsHere(franc, [npmBackendProvider])).toEqual({ provider: null, reason });
    // The packages it `requires` count too, each named once.
    const lacking = {
      ...sentiment,
      extra: {
        ...sentiment.extra,
        package: "modelscout-test-package-that-is-not-installed",
        requires: ["@modelscout-missing/helper", "sentiment", "@modelscout-missing/helper"],
      },
    };
    expect(npmBackendProvider.unavailable?.(lacking)).toBe(
      'needs the optional packages "modelscout-test-package-that-is-not-installed", "@modelscout-missing/helper", which are not installed: run `npm install modelscout-test-package-that-is-not-installed @modelscout-missing/helper`',
    );
  });

  it("turns a missing package into BACKEND_UNAVAILABLE that says what to install", async () => {
    // Creating the backend imports nothing, so a missing package only shows on load.
    const backend = createFrancBackend(
      "modelscout-test-package-that-is-not-installed",
      "npm:franc-test",
    );
    const failure = await backend.load().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelScoutError);
    expect(failure).toMatchObject({
      code: "BACKEND_UNAVAILABLE",
      message: expect.stringContaining("npm install modelscout-test-package-that-is-not-installed"),
    });
    expect(exitCodeFor(failure)).toBe(69);
    // Runs fail the same way, and a later load tries again rather than caching the failure.
    await expect(backend.doRun(["bonjour tout le monde"])).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
    });
  });

  it("names the scope and package for scoped packages with a subpath", async () => {
    const backend = createFrancBackend("@modelscout-missing/franc/sub", "npm:scoped-test");
    await expect(backend.load()).rejects.toMatchObject({
      code: "BACKEND_UNAVAILABLE",
      message: expect.stringContaining("npm install @modelscout-missing/franc`"),
    });
  });
});

describe("inputs", () => {
  it("rejects non-text inputs to a text classifier with an error that says what to pass", async () => {
    const backend = createSentimentBackend();
    await expect(backend.doRun([{ image: new Uint8Array([1, 2, 3]) }])).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("pass a string or { text }"),
    });
  });

  it("rejects a load whose signal aborts", async () => {
    const backend = createSentimentBackend();
    const controller = new AbortController();
    controller.abort(new Error("cancelled"));
    await expect(backend.load({ signal: controller.signal })).rejects.toThrow("cancelled");
    // The backend is still usable afterwards.
    expect(await backend.doRun(["lovely"])).toHaveLength(1);
  });
});
