import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CUSTOMER_SERVICE_ROUTES } from "../../src/route/bundled/customer-service-routes.js";
import { readRoutesConfig } from "../../src/route/read-routes-config.js";
import {
  checkRoutesConfig,
  parseRoutesConfig,
  type RoutesConfigInput,
  routesConfigJsonSchema,
  routesConfigWarnings,
} from "../../src/route/routes-config.js";
import { runCli } from "../support/run-cli.js";

const minimal: RoutesConfigInput = {
  models: [{ id: "echo:a", kind: "echo" }],
  routes: [{ name: "general", targets: { chat: { candidates: ["echo:a"] } } }],
};

function problemsOf(input: unknown): string {
  try {
    parseRoutesConfig(input, "routes.yaml");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the config to be rejected");
}

describe("routes config", () => {
  it("normalises a minimal config: task aliases, defaults, the first route as default", () => {
    const config = parseRoutesConfig(minimal);
    expect(config.defaultRoute).toBe("general");
    const target = config.routes[0]?.targets.get("text-generation");
    expect(target).toEqual({
      task: "text-generation",
      policy: "fallback",
      candidates: [{ model: "echo:a", weight: 1, languages: null }],
      timeoutMs: 30_000,
      retries: 0,
      answerValueUsd: null,
      latencySloMs: null,
      minConfidence: null,
      languageDetector: null,
    });
    expect(config.server).toEqual({
      maxBodyBytes: 1_048_576,
      maxImagePixels: 50_000_000,
      circuitBreaker: { failureThreshold: 5, coolDownMs: 30_000 },
      healthChecks: {
        intervalMs: 15_000,
        timeoutMs: 2000,
        unhealthyThreshold: 2,
        healthyThreshold: 1,
      },
      logTextChars: 2000,
      logWriterPriority: "idle",
      logRetentionDays: 30,
      keepAliveTimeoutMs: 65_000,
      youngGc: "serial",
      unloadIdleMs: 0,
      sessionTtlMs: 1_800_000,
      maxSessions: 100_000,
      corsOrigins: [],
      forwardHeaders: ["traceparent", "tracestate"],
    });
  });

  it("accepts the bundled customer-service example", () => {
    const config = parseRoutesConfig(CUSTOMER_SERVICE_ROUTES);
    expect(config.routes.map((route) => route.name)).toEqual(["delivery", "complaint", "product"]);
    expect(config.classification.map((step) => step.kind)).toEqual([
      "rules",
      "nearest-neighbour",
      "nearest-neighbour",
    ]);
  });

  it("says what a wrong value was, and which allowed one a misspelt one was meant to be", () => {
    const message = problemsOf({
      version: 2,
      routes: [
        {
          name: "a",
          targets: { chat: { policy: "fallbak", candidates: ["m"], timeout_ms: "2s" } },
        },
      ],
    });
    expect(message).toContain("version: Invalid input: expected 1 (got 2)");
    expect(message).toContain(
      'routes[0].targets.chat.policy: Invalid option: expected one of "fixed"|"weighted"|"fallback"|"bandit" (got "fallbak"; did you mean "fallback"?)',
    );
    expect(message).toContain(
      'routes[0].targets.chat.timeout_ms: Invalid input: expected number, received string (got "2s")',
    );
  });

  it("never repeats a value that may be a credential", () => {
    const message = problemsOf({
      version: 1,
      models: [
        {
          id: "m",
          kind: "openai",
          base_url: "http://bob:hunter2@[bad/v1",
          api_model: "x",
          api_key_env: 4242424242,
        },
      ],
      routes: [{ name: "a", targets: { chat: { policy: "fixed", candidates: ["m"] } } }],
    });
    expect(message).toContain("models[0].base_url");
    expect(message).toContain("models[0].api_key_env");
    expect(message).not.toContain("hunter2");
    expect(message).not.toContain("4242424242");
  });

  it("says which field a misspelt one was meant to be, for each kind of step and model", () => {
    const message = problemsOf({
      classification: [
        { kind: "nearest-neighbour", model: "e", examples: { a: ["x"] }, min_similarty: 0.2 },
      ],
      models: [{ id: "m", kind: "openai", base_url: "http://127.0.0.1:1/v1", apimodel: "x" }],
      routes: [
        { name: "a", targets: { "text-generation": { polcy: "fixed", candidates: ["m"] } } },
      ],
      server: { circuit_breaker: { failure_treshold: 3 } },
    });
    expect(message).toContain(
      'classification[0]: unknown field(s) "min_similarty" (did you mean "min_similarity"?)',
    );
    expect(message).toContain('models[0]: unknown field(s) "apimodel" (did you mean "api_model"?)');
    expect(message).toContain(
      'routes[0].targets.text-generation: unknown field(s) "polcy" (did you mean "policy"?)',
    );
    expect(message).toContain(
      'server.circuit_breaker: unknown field(s) "failure_treshold" (did you mean "failure_threshold"?)',
    );
  });

  it("names the field of every problem", () => {
    const message = problemsOf({
      default_route: "nowhere",
      classification: [
        { kind: "rules", rules: [{ route: "ghost", keywords: ["x"], patterns: ["(unclosed"] }] },
      ],
      routes: [
        {
          name: "a",
          targets: {
            "text-generaton": { candidates: ["m"] },
            chat: { policy: "fixed", candidates: ["m1", "m2"], timeout_ms: -1 },
          },
          colour: "red",
        },
      ],
    });
    expect(message).toMatch(/^Routes config routes\.yaml: /);
    expect(message).toContain('routes[0]: unknown field(s) "colour"');
    expect(message).toContain("routes[0].targets.chat.timeout_ms");
    const semantic = problemsOf({
      default_route: "nowhere",
      classification: [
        { kind: "rules", rules: [{ route: "ghost", keywords: ["x"], patterns: ["(unclosed"] }] },
      ],
      routes: [
        {
          name: "a",
          targets: {
            "text-generaton": { candidates: ["m"] },
            chat: { policy: "fixed", candidates: ["m1", "m2"] },
          },
        },
      ],
    });
    expect(semantic).toContain('routes[0].targets.text-generaton: Unknown task "text-generaton"');
    expect(semantic).toContain('Did you mean "text-generation"?');
    expect(semantic).toContain(
      'routes[0].targets.chat.candidates: policy "fixed" takes exactly one model (got 2)',
    );
    expect(semantic).toContain('classification[0].rules[0].route: unknown route "ghost"');
    expect(semantic).toContain(
      "classification[0].rules[0].patterns[0]: not a valid regular expression",
    );
    expect(semantic).toContain('default_route: unknown route "nowhere"');
  });

  it("names the schema's problems and those across the parts that parsed in one go", () => {
    const input = {
      default_route: "nowhere",
      classification: [{ kind: "rules", rules: [{ route: "delivry", keywords: ["package"] }] }],
      models: [
        { id: "gpt", kind: "openai", api_model: "gpt-4o-mini", base_url: "not a url" },
        { id: "echo:a", kind: "echo" },
      ],
      routes: [
        { name: "desk", targets: { chat: { timeout_ms: -5, candidates: ["echo:a", "missing"] } } },
        { name: "desk", targets: { chat: { candidates: ["npm:sentiment", "gpt"] } } },
        { name: "care", targets: { chat: { policy: "fixed", candidates: ["echo:a", "gpt"] } } },
      ],
    };
    const message = problemsOf(input);
    // The schema's...
    expect(message).toContain("models[0].base_url: Invalid URL");
    expect(message).toContain("routes[0].targets.chat.timeout_ms: Too small");
    // ...and, in the same message, what the parts that parsed say across the config.
    expect(message).toContain('routes[1].name: "desk" is used twice');
    expect(message).toContain(
      'classification[0].rules[0].route: unknown route "delivry" (routes: desk, care)',
    );
    expect(message).toContain('default_route: unknown route "nowhere" (routes: desk, care)');
    expect(message).toContain(
      'routes[2].targets.chat.candidates: policy "fixed" takes exactly one model (got 2)',
    );

    // The models it names, for `serve --check` to look up: a target with problems of its own
    // too, but not `gpt`, which is declared, with problems of its own.
    const checked = checkRoutesConfig(input);
    expect(checked.config).toBeUndefined();
    expect(checked.declarations.map((declaration) => declaration.id)).toEqual(["echo:a"]);
    expect(checked.modelReferences).toEqual([
      { field: "models[1]", model: "echo:a" },
      {
        field: "routes[0].targets.text-generation.candidates[0]",
        model: "echo:a",
        task: "text-generation",
      },
      {
        field: "routes[0].targets.text-generation.candidates[1]",
        model: "missing",
        task: "text-generation",
      },
      {
        field: "routes[1].targets.text-generation.candidates[0]",
        model: "npm:sentiment",
        task: "text-generation",
      },
      {
        field: "routes[2].targets.text-generation.candidates[0]",
        model: "echo:a",
        task: "text-generation",
      },
    ]);
  });

  it("leaves out a check across the parts that needs a part that did not parse", () => {
    // A route without a name: which routes there are is not known, so none is called unknown.
    const unnamed = problemsOf({
      default_route: "elsewhere",
      routes: [{ targets: { chat: { candidates: ["m"] } } }],
    });
    expect(unnamed).toContain("routes[0].name");
    expect(unnamed).not.toContain("unknown route");
    // A model without an id: which ids are declared is not known, so none is looked up.
    const checked = checkRoutesConfig({
      models: [{ kind: "echo" }],
      routes: [{ name: "a", targets: { chat: { candidates: ["m"] } } }],
    });
    expect(checked.problems.join("; ")).toContain("models[0].id");
    expect(checked.modelReferences).toEqual([]);
  });

  it("names the kinds a kind may be, and the field inside a weighted candidate", () => {
    const message = problemsOf({
      classification: [{ kind: "rulez" }],
      models: [{ id: "echo:a", kind: "echoo" }],
      routes: [
        {
          name: "a",
          targets: {
            chat: { policy: "weighted", candidates: [{ model: "echo:a", weight: "x" }, 42] },
          },
        },
      ],
    });
    expect(message).toContain(
      'models[0].kind: expected one of "echo", "hashed-ngrams", "openai", "hf-inference", "catalog"',
    );
    expect(message).toContain(
      'classification[0].kind: expected one of "rules", "nearest-neighbour", "classifier"',
    );
    expect(message).toContain(
      "routes[0].targets.chat.candidates[0].weight: Invalid input: expected number, received string",
    );
    expect(message).toContain(
      "routes[0].targets.chat.candidates[1]: must be a model id or { model, weight }",
    );
  });

  it("takes an answer value only on a bandit target with a priced candidate", () => {
    const priced = {
      id: "dear",
      kind: "openai",
      base_url: "http://127.0.0.1:9/v1",
      api_model: "m",
      price: { input_per_million_tokens: 1, output_per_million_tokens: 2 },
    };
    const unpriced = {
      id: "plain",
      kind: "openai",
      base_url: "http://127.0.0.1:9/v1",
      api_model: "m",
    };
    const config = parseRoutesConfig({
      models: [priced, unpriced],
      routes: [
        {
          name: "a",
          targets: {
            chat: { policy: "bandit", candidates: ["dear", "plain"], answer_value_usd: 0.05 },
          },
        },
      ],
    });
    expect(config.routes[0]?.targets.get("text-generation")?.answerValueUsd).toBe(0.05);
    const message = problemsOf({
      models: [priced, unpriced],
      routes: [
        {
          name: "a",
          targets: {
            chat: { policy: "fallback", candidates: ["dear", "plain"], answer_value_usd: 0.05 },
            "feature-extraction": {
              policy: "bandit",
              candidates: ["plain", "echo:x"],
              answer_value_usd: 0.05,
            },
          },
        },
      ],
    });
    expect(message).toContain(
      'routes[0].targets.chat.answer_value_usd: only a "bandit" target weighs quality against cost (this one is "fallback")',
    );
    expect(message).toContain(
      "routes[0].targets.feature-extraction.answer_value_usd: none of the candidates has a price",
    );
    expect(
      problemsOf({
        routes: [
          {
            name: "b",
            targets: { chat: { policy: "bandit", candidates: ["m"], answer_value_usd: 0 } },
          },
        ],
      }),
    ).toContain("routes[0].targets.chat.answer_value_usd: must be a number of US dollars above 0");
  });

  it("takes a latency SLO only on a bandit target", () => {
    const config = parseRoutesConfig({
      routes: [
        {
          name: "a",
          targets: { chat: { policy: "bandit", candidates: ["m1", "m2"], latency_slo_ms: 1500 } },
        },
      ],
    });
    expect(config.routes[0]?.targets.get("text-generation")?.latencySloMs).toBe(1500);
    expect(
      problemsOf({
        routes: [
          { name: "a", targets: { chat: { candidates: ["m1", "m2"], latency_slo_ms: 1500 } } },
        ],
      }),
    ).toContain(
      'routes[0].targets.chat.latency_slo_ms: only a "bandit" target learns from how long its answers take (this one is "fallback")',
    );
  });

  it("says a route name in Chinese must be ASCII, and where such a name can go", () => {
    const message = problemsOf({
      routes: [{ name: "产品", targets: { chat: { candidates: ["m"] } } }],
    });
    expect(message).toContain("routes[0].name: must be ASCII letters (a-z, A-Z)");
    expect(message).toContain('(got "产品")');
    expect(message).toContain("belongs in the route's description");
  });

  it("says a pattern's inline flags are not JavaScript's, and that case is ignored anyway", () => {
    const message = problemsOf({
      classification: [{ kind: "rules", rules: [{ route: "a", patterns: ["(?i)refund"] }] }],
      routes: [{ name: "a", targets: { chat: { candidates: ["m"] } } }],
    });
    expect(message).toContain(
      "classification[0].rules[0].patterns[0]: not a valid regular expression (Invalid regular expression: /(?i)refund/iu: Invalid group); JavaScript has no inline flags such as (?i): patterns are already matched case-insensitively, so remove it",
    );
  });

  it("warns of a bandit or weighted target with one candidate, and of nothing else", () => {
    const config = parseRoutesConfig({
      routes: [
        { name: "a", targets: { chat: { policy: "bandit", candidates: ["m"] } } },
        { name: "b", targets: { chat: { policy: "weighted", candidates: [{ model: "m" }] } } },
        { name: "c", targets: { chat: { policy: "bandit", candidates: ["m", "n"] } } },
        { name: "d", targets: { chat: { candidates: ["m"] } } },
      ],
    });
    expect(routesConfigWarnings(config)).toEqual([
      'routes[0].targets.text-generation: policy "bandit" with one candidate (m) has nothing to learn a choice between: feedback changes nothing; list another model, or use policy "fixed"',
      'routes[1].targets.text-generation: policy "weighted" with one candidate (m) has no traffic to share; list another model, or use policy "fixed"',
    ]);
  });

  it("refuses route names that collide with model ids or the auto model", () => {
    expect(
      problemsOf({ routes: [{ name: "npm:x", targets: { chat: { candidates: ["m"] } } }] }),
    ).toContain(
      "routes[0].name: must be ASCII letters (a-z, A-Z), digits, '.', '_' or '-', starting with a letter or digit (got \"npm:x\")",
    );
    expect(
      problemsOf({ routes: [{ name: "auto", targets: { chat: { candidates: ["m"] } } }] }),
    ).toContain('"auto" is reserved');
    expect(
      problemsOf({
        models: [{ id: "desk", kind: "echo" }],
        routes: [{ name: "desk", targets: { chat: { candidates: ["desk"] } } }],
      }),
    ).toContain('routes[0].name: "desk" is also a model id');
  });

  it("reads YAML and JSON files, with the line of a syntax error", async () => {
    const directory = mkdtempSync(join(tmpdir(), "ms-routes-"));
    const yamlPath = join(directory, "routes.yaml");
    writeFileSync(
      yamlPath,
      [
        "models:",
        "  - { id: 'echo:a', kind: echo, template: 'A: {{input}}' }",
        "routes:",
        "  - name: general",
        "    targets:",
        "      text-generation: { policy: fixed, candidates: ['echo:a'], timeout_ms: 500 }",
      ].join("\n"),
    );
    const fromYaml = await readRoutesConfig(yamlPath);
    expect(fromYaml.routes[0]?.targets.get("text-generation")?.timeoutMs).toBe(500);
    const jsonPath = join(directory, "routes.json");
    writeFileSync(jsonPath, JSON.stringify(minimal));
    expect((await readRoutesConfig(jsonPath)).defaultRoute).toBe("general");
    const broken = join(directory, "broken.yaml");
    writeFileSync(broken, "routes:\n  - name: a\n   targets: [\n");
    await expect(readRoutesConfig(broken)).rejects.toThrow(
      /broken\.yaml is not valid YAML at line \d+/,
    );
    await expect(readRoutesConfig(join(directory, "missing.yaml"))).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("publishes a JSON Schema generated from the same definition", async () => {
    const schema = routesConfigJsonSchema();
    expect(schema.$id).toBe("https://modelscout.dev/schemas/routes.json");
    const properties = schema.properties as Record<string, unknown>;
    expect(Object.keys(properties)).toEqual(
      expect.arrayContaining(["routes", "classification", "models", "server", "default_route"]),
    );
    const cli = await runCli(["schema", "routes"]);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(schema);
  });
});
