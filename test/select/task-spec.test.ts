import { describe, expect, it } from "vitest";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { parseTaskSpec, taskSpecJsonSchema } from "../../src/select/task-spec.js";

describe("parseTaskSpec", () => {
  it("accepts the issue's example with task and hardware aliases", () => {
    const spec = parseTaskSpec({
      task_type: "text_generation",
      input_constraints: { max_length: 500, language: "zh" },
      hardware: "NVIDIA_A100",
    });
    expect(spec.task).toBe("text-generation");
    expect(spec.maxLengthTokens).toBe(500);
    expect(spec.language).toBe("zh");
    expect(spec.hardware?.id).toBe("a100-80gb");
    expect(spec.objectives).toEqual({ quality: 0.7, latency: 0.3, memory: 0, cost: 0 });
    expect(spec.privacy).toBe("allow-remote");
    expect(spec.data).toBeNull();
  });

  it("reads a task and a language written in Chinese", () => {
    const spec = parseTaskSpec({ task_type: "情感分析", input_constraints: { language: "中文" } });
    expect(spec.task).toBe("text-classification");
    expect(spec.language).toBe("zh");
    expect(spec.modelTag).toBeNull();
    expect(parseTaskSpec({ task_type: "语种识别" }).modelTag).toBe("language-identification");
  });

  it("normalises objective weights and fills data defaults", () => {
    const spec = parseTaskSpec({
      task_type: "sentiment",
      input_constraints: { language: "Chinese" },
      objectives: { quality: 3, latency: 1 },
      data: { path: "reviews.csv", label_map: { "1": "positive", "0": "negative" } },
      privacy: "local-only",
    });
    expect(spec.task).toBe("text-classification");
    expect(spec.language).toBe("zh");
    expect(spec.objectives).toEqual({ quality: 0.75, latency: 0.25, memory: 0, cost: 0 });
    expect(spec.data).toMatchObject({
      path: "reviews.csv",
      inputColumn: "text",
      labelColumn: "label",
    });
    expect(spec.privacy).toBe("local-only");
  });

  it("names the field and what was expected", () => {
    expect(() =>
      parseTaskSpec({
        task_type: "text-classification",
        input_constraints: { max_length: "500 tokens" },
      }),
    ).toThrow(
      'Task spec: input_constraints.max_length must be a positive integer (got "500 tokens")',
    );
    expect(() => parseTaskSpec({ task_type: "text-clasification" })).toThrow(
      /Task spec: task_type: Unknown task "text-clasification"\. Did you mean "text-classification"\?/,
    );
    expect(() => parseTaskSpec({ task_type: "ner", hardware: "tpu-v9" })).toThrow(
      /Task spec: hardware: Unknown hardware/,
    );
    expect(() =>
      parseTaskSpec({ task_type: "ner", input_constraints: { language: "klingon-ish" } }),
    ).toThrow(/input_constraints\.language: unknown language/);
    expect(() => parseTaskSpec({ task_type: "ner", budget: { max_probes: 0 } })).toThrow(
      /budget\.max_probes must be a positive integer \(got 0\)/,
    );
    expect(() => parseTaskSpec({ task_type: "ner", objectives: { quality: 0 } })).toThrow(
      /objectives: at least one weight/,
    );
    expect(() => parseTaskSpec({ task_type: "ner", hardwre: "t4" })).toThrow(
      /unknown field\(s\) "hardwre" \(did you mean "hardware"\?\)/,
    );
    expect(() => parseTaskSpec({})).toThrow(/task_type is required/);
    expect(() => parseTaskSpec({ task_type: "ner", privacy: "private" })).toThrow(/privacy/);
  });

  it("lists every problem it finds in one error, the schema's and the names'", () => {
    let thrown: unknown;
    try {
      parseTaskSpec({
        task_type: "sentimant",
        hardware: "rpi6",
        input_constraints: { language: "klingon-ish" },
        slo: { max_p95_latency_ms: -3 },
        objectives: { quality: "high" },
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ModelScoutError);
    const error = thrown as ModelScoutError;
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.details.fields).toEqual([
      "objectives.quality",
      "slo.max_p95_latency_ms",
      "task_type",
      "input_constraints.language",
      "hardware",
    ]);
    expect(error.message.split("\n")).toEqual([
      "Task spec: 5 problems:",
      '  - objectives.quality must be a number >= 0 (got "high")',
      "  - slo.max_p95_latency_ms must be a number >= 0 (got -3)",
      expect.stringMatching(
        /^ {2}- task_type: Unknown task "sentimant"\. Did you mean "sentiment"\?/,
      ),
      expect.stringMatching(/^ {2}- input_constraints\.language: unknown language "klingon-ish"/),
      expect.stringMatching(/^ {2}- hardware: Unknown hardware "rpi6"/),
    ]);
    // Names only, with the schema satisfied: all of them, and the weights.
    expect(() =>
      parseTaskSpec({ task_type: "nerr", hardware: "tpu-v9", objectives: { quality: 0 } }),
    ).toThrow(
      /^Task spec: 3 problems:\n {2}- task_type: Unknown task "nerr".*\n {2}- hardware: Unknown hardware.*\n {2}- objectives: at least one weight/,
    );
    // An empty name is the schema's problem alone, reported once.
    expect(() => parseTaskSpec({ task_type: "" })).toThrow(/^Task spec: task_type[^\n]*$/);
  });

  it("lists the served models' and the metric's problems with the rest", () => {
    const server = { kind: "openai", base_url: "http://127.0.0.1:8000/v1", api_model: "x" };
    let thrown: unknown;
    try {
      parseTaskSpec({
        task_type: "sentiment",
        hardware: "rpi6",
        metric: "bleu",
        candidates: {
          ids: ["mine"],
          models: [server, server, { ...server, id: "mine", task: "chatt" }],
        },
      });
    } catch (error) {
      thrown = error;
    }
    const error = thrown as ModelScoutError;
    expect(error.details.fields).toEqual([
      "hardware",
      "candidates.models.1.id",
      "candidates.models.2.task",
      "candidates.models.2.id",
      "metric",
    ]);
    expect(error.message.split("\n")).toEqual([
      "Task spec: 5 problems:",
      expect.stringMatching(/^ {2}- hardware: Unknown hardware "rpi6"/),
      '  - candidates.models.1.id: "endpoint:x@127.0.0.1:8000" is also candidates.models.0\'s id (the default, from api_model and the host): give each model an id of its own',
      expect.stringMatching(/^ {2}- candidates\.models\.2\.task: Unknown task "chatt"/),
      '  - candidates.models.2.id: "mine" is listed in candidates.ids too: name it in one place',
      '  - metric: unknown metric "bleu". The valid metrics for text-classification: accuracy, macro_f1, agreement.',
    ]);
    expect(error.cause).toBeUndefined();
    // A metric for another task is the spec's mistake; one that needs labels waits for the data.
    expect(() => parseTaskSpec({ task_type: "sentiment", metric: "wer" })).toThrow(
      'Task spec: metric: "wer" does not apply to text-classification; the valid metrics for text-classification: accuracy, macro_f1, agreement.',
    );
    expect(parseTaskSpec({ task_type: "sentiment", metric: "Macro-F1" }).metric).toBe("Macro-F1");
  });

  it("keeps the resolver's error as the cause of a spec's one problem", () => {
    let thrown: unknown;
    try {
      parseTaskSpec({ task_type: "text-clasification" });
    } catch (error) {
      thrown = error;
    }
    const error = thrown as ModelScoutError;
    expect(error.details.field).toBe("task_type");
    expect(error.cause).toBeInstanceOf(ModelScoutError);
    expect((error.cause as ModelScoutError).code).toBe("UNKNOWN_TASK");
  });

  it("publishes a JSON Schema generated from the same definition", () => {
    const schema = taskSpecJsonSchema() as {
      type: string;
      required: string[];
      properties: Record<string, { type?: string; properties?: Record<string, unknown> }>;
      additionalProperties: boolean;
    };
    expect(schema.type).toBe("object");
    expect(schema.required).toEqual(["task_type"]);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        "task_type",
        "input_constraints",
        "hardware",
        "objectives",
        "slo",
        "candidates",
        "data",
        "metric",
        "budget",
        "privacy",
      ]),
    );
    expect(schema.properties.input_constraints?.properties).toHaveProperty("max_length");
  });
});

describe("modelscout schema task", () => {
  it("prints the schema as JSON", async () => {
    const { runCli } = await import("../support/run-cli.js");
    const result = await runCli(["schema", "task"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(taskSpecJsonSchema());
  });
});
