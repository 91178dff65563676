/**
 * `modelscout serve --check`: a routes config goes through what a start or a reload checks
 * before loading models (the schema, building each model, each candidate's task, the
 * learner's settings), with the verdict in the exit code; nothing listens or loads. The real
 * CLI in a child process.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";

const home = mkdtempSync(join(tmpdir(), "ms-serve-check-"));

function configFile(name: string, config: unknown): string {
  const path = join(home, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

const MODELS = [
  { id: "echo:a", kind: "echo" },
  { id: "ngrams", kind: "hashed-ngrams" },
];

describe("modelscout serve --check", () => {
  it("passes a config that would start, naming its routes and models", async () => {
    const path = configFile("good.json", {
      models: MODELS,
      routes: [
        { name: "desk", targets: { chat: { policy: "bandit", candidates: ["echo:a"] } } },
        { name: "vectors", targets: { embeddings: { policy: "fixed", candidates: ["ngrams"] } } },
      ],
    });
    const result = await runCli(["serve", "--check", "--config", path], { MODELSCOUT_HOME: home });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${path}: valid. Routes desk, vectors; models echo:a, ngrams.`);
    // Valid, but a bandit over one model learns nothing: said, not refused.
    expect(result.stderr).toContain(
      'warning: routes[0].targets.text-generation: policy "bandit" with one candidate (echo:a) has nothing to learn a choice between',
    );
  }, 60_000);

  it("warns of an alert rule that matches a route the config does not have", async () => {
    // A rules file written for a config with a `care` route, checked against one without it
    // (ADR 0083): the rule could never fire there, and nothing else would say so.
    const config = configFile("no-care.json", {
      models: MODELS,
      routes: [{ name: "desk", targets: { chat: { policy: "fixed", candidates: ["echo:a"] } } }],
    });
    const alerts = configFile("care-rules.json", {
      rules: [
        {
          id: "care-errors",
          match: { routes: ["care", "desk", "task:text-generation"] },
          conditions: [{ type: "error_rate", max_error_percent: 50 }],
          actions: [{ type: "log" }],
        },
        {
          id: "desk-errors",
          match: { routes: ["dessk"] },
          conditions: [{ type: "error_rate", max_error_percent: 50 }],
          actions: [{ type: "log" }],
        },
      ],
    });
    const result = await runCli(["serve", "--check", "--config", config, "--alerts", alerts], {
      MODELSCOUT_HOME: home,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      'warning: alert rule care-errors: match.routes names "care", which the routes config does not have, so the rule cannot fire there (routes: desk)',
    );
    expect(result.stderr).toContain(
      'warning: alert rule desk-errors: match.routes names "dessk" (did you mean "desk"?)',
    );
  }, 60_000);

  it("fails a config with every problem named by its field: a wrong task, unknown models", async () => {
    const path = configFile("wrong-task.json", {
      models: MODELS,
      routes: [
        {
          name: "sentiment",
          targets: { "text-classification": { policy: "fixed", candidates: ["echo:a"] } },
        },
        {
          name: "desk",
          targets: { chat: { policy: "fallback", candidates: ["echo:a", "nope:one", "nope:two"] } },
        },
      ],
    });
    const result = await runCli(["serve", "--check", "--config", path], { MODELSCOUT_HOME: home });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      "routes[0].targets.text-classification.candidates[0]: echo:a does text-generation, not text-classification",
    );
    expect(result.stderr).toContain(
      'routes[1].targets.text-generation.candidates[1]: Model "nope:one" is neither declared',
    );
    expect(result.stderr).toContain(
      'routes[1].targets.text-generation.candidates[2]: Model "nope:two" is neither declared',
    );
    expect(result.stdout).not.toContain("valid");
  }, 60_000);

  it("names the file, the line, and the declared model an unknown id is a typo of", async () => {
    const path = join(home, "typo.yaml");
    writeFileSync(
      path,
      [
        "models:",
        "  - { id: echo:a, kind: echo }",
        "  - { id: ngrams, kind: hashed-ngrams }",
        "classification:",
        "  - kind: nearest-neighbour",
        "    model: ngram",
        "    examples: { desk: [hi] }",
        "routes:",
        "  - name: desk",
        "    targets:",
        "      chat:",
        "        candidates: [echo:b]",
        "  - name: mood",
        "    targets:",
        "      sentiment:",
        "        candidates:",
        "          - npm:vader-sentimnt",
        "",
      ].join("\n"),
    );
    const result = await runCli(["serve", "--check", "--config", path], { MODELSCOUT_HOME: home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Routes config ${path}: `);
    expect(result.stderr).toContain(
      'routes[0].targets.text-generation.candidates[0] (line 12): Model "echo:b" is neither declared in the routes config\'s models nor in the catalog. Did you mean "echo:a" (declared in models)?',
    );
    expect(result.stderr).toContain(
      'routes[1].targets.text-classification.candidates[0] (line 17): Model "npm:vader-sentimnt" is neither declared in the routes config\'s models nor in the catalog. Did you mean "npm:vader-sentiment"?',
    );
    expect(result.stderr).toContain(
      'classification[0].model (line 6): Model "ngram" is neither declared in the routes config\'s models nor in the catalog. Did you mean "ngrams" (declared in models)?',
    );
  }, 60_000);

  it("names every problem in one run: the schema's, the cross-references, every unknown model", async () => {
    const path = join(home, "many.yaml");
    writeFileSync(
      path,
      [
        "default_route: nowhere",
        "models:",
        "  - id: gpt",
        "    kind: openai",
        "    api_model: gpt-4o-mini",
        "    base_url: not a url",
        "  - { id: echo:a, kind: echo }",
        "classification:",
        "  - kind: rules",
        "    rules:",
        "      - { route: delivry, keywords: [package] }",
        "routes:",
        "  - name: desk",
        "    targets:",
        "      chat:",
        "        timeout_ms: -5",
        "        candidates: [echo:a, missing-model]",
        "  - name: desk",
        "    targets:",
        "      chat:",
        "        candidates: [npm:sentiment, gpt, also-missing]",
        "",
      ].join("\n"),
    );
    const problems = [
      "models[0].base_url (line 6): Invalid URL",
      "routes[0].targets.chat.timeout_ms (line 16): Too small: expected number to be >0",
      'routes[1].name (line 18): "desk" is used twice',
      'classification[0].rules[0].route (line 11): unknown route "delivry" (routes: desk)',
      'default_route (line 1): unknown route "nowhere" (routes: desk)',
      // The first route's target has a problem of its own; its models are looked up anyway.
      'routes[0].targets.text-generation.candidates[1] (line 17): Model "missing-model" is neither declared',
      "routes[1].targets.text-generation.candidates[0] (line 21): npm:sentiment does text-classification, not text-generation",
      'routes[1].targets.text-generation.candidates[2] (line 21): Model "also-missing" is neither declared',
    ];
    const check = await runCli(["serve", "--check", "--config", path], { MODELSCOUT_HOME: home });
    expect(check.code).toBe(2);
    expect(check.stderr).toContain(`Routes config ${path}: `);
    for (const problem of problems) expect(check.stderr).toContain(problem);
    // `gpt` is declared, wrongly: named once, for its declaration, and never looked up.
    expect(check.stderr).not.toContain('Model "gpt"');
    expect(check.stdout).not.toContain("valid");
    // A start says the same, and listens on nothing.
    const start = await runCli(["serve", "--config", path, "--port", "0"], {
      MODELSCOUT_HOME: home,
    });
    expect(start.code).toBe(2);
    for (const problem of problems) expect(start.stderr).toContain(problem);
    expect(start.stdout).not.toContain("Routing server at");
  }, 60_000);

  it("names every decision reference that cannot be resolved with the models that cannot be found", async () => {
    const path = join(home, "references.yaml");
    writeFileSync(
      path,
      [
        "models:",
        "  - { id: echo:a, kind: echo }",
        "routes:",
        "  - name: desk",
        "    targets:",
        "      chat:",
        "        candidates: [decision:dec_none, echo:b]",
        "  - name: care",
        "    targets:",
        "      chat:",
        '        candidates: ["decision:latest:text-generation", echo:a]',
        "",
      ].join("\n"),
    );
    const result = await runCli(["serve", "--check", "--config", path], {
      MODELSCOUT_HOME: home,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "routes[0].targets.text-generation.candidates[0] (line 7): decision:dec_none: no decision dec_none",
    );
    expect(result.stderr).toContain(
      "routes[1].targets.text-generation.candidates[0] (line 11): decision:latest:text-generation: no completed decision for task text-generation",
    );
    expect(result.stderr).toContain(
      'routes[0].targets.text-generation.candidates[1] (line 7): Model "echo:b" is neither declared in the routes config\'s models nor in the catalog. Did you mean "echo:a" (declared in models)?',
    );
  }, 60_000);

  it("names a language detector that cannot be found or does not label text", async () => {
    const candidates = [{ model: "echo:a", languages: ["en"] }];
    const path = configFile("detectors.json", {
      models: MODELS,
      routes: [
        { name: "desk", targets: { chat: { candidates, language_detector: "npm:tinyldd" } } },
        { name: "care", targets: { chat: { candidates, language_detector: "echo:a" } } },
        { name: "ok", targets: { chat: { candidates, language_detector: "npm:tinyld" } } },
      ],
    });
    const result = await runCli(["serve", "--check", "--config", path], { MODELSCOUT_HOME: home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'routes[0].targets.text-generation.language_detector: Model "npm:tinyldd" is neither declared in the routes config\'s models nor in the catalog. Did you mean "npm:tinyld"?',
    );
    expect(result.stderr).toContain(
      "routes[1].targets.text-generation.language_detector: echo:a does text-generation, not text-classification",
    );
    expect(result.stderr).not.toContain("routes[2]");
  }, 60_000);

  it("fails unknown learning settings", async () => {
    const path = configFile("learning.json", {
      models: MODELS,
      learning: { bogus: 1 },
      routes: [{ name: "desk", targets: { chat: { policy: "bandit", candidates: ["echo:a"] } } }],
    });
    const result = await runCli(["serve", "--check", "--config", path], { MODELSCOUT_HOME: home });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('learning: unknown field(s) "bogus"');
  }, 60_000);
});
