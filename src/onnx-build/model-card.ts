/**
 * @module
 * README.md model cards for the built models: YAML front matter with the fields the Hub
 * reads (`pipeline_tag`, `language`, `license`, `datasets`, `library_name`, `tags`,
 * `model-index`) and a short body. Nested values are written as JSON flow collections, which
 * are valid YAML, so the mirror's small front-matter reader and the Hub's parser read the
 * same thing.
 */

export interface ModelCardEvaluation {
  /** Dataset name, e.g. `sentiment-fixtures`. */
  dataset: string;
  /** Split or subset, e.g. `held-out-20%`. */
  split: string;
  metric: string;
  /** As a fraction, 0..1. */
  value: number;
}

export interface ModelCardOptions {
  id: string;
  pipelineTag: string;
  languages: readonly string[];
  license: string;
  datasets: readonly string[];
  tags?: readonly string[];
  /** What the model is and how it was built, in Markdown. */
  description: string;
  evaluations?: readonly ModelCardEvaluation[];
}

function list(key: string, values: readonly string[]): string[] {
  return values.length === 0 ? [] : [`${key}:`, ...values.map((value) => `- ${value}`)];
}

export function modelCard(options: ModelCardOptions): string {
  const evaluations = options.evaluations ?? [];
  const modelIndex =
    evaluations.length === 0
      ? []
      : [
          `model-index: ${JSON.stringify([
            {
              name: options.id,
              results: evaluations.map((evaluation) => ({
                task: { type: options.pipelineTag },
                dataset: {
                  name: evaluation.dataset,
                  type: evaluation.dataset,
                  split: evaluation.split,
                },
                metrics: [{ type: evaluation.metric, value: Number(evaluation.value.toFixed(4)) }],
              })),
            },
          ])}`,
        ];
  const frontMatter = [
    "---",
    `pipeline_tag: ${options.pipelineTag}`,
    "library_name: transformers.js",
    ...list("language", options.languages),
    `license: ${options.license}`,
    ...list("datasets", options.datasets),
    ...list("tags", ["onnx", "modelscout-built", ...(options.tags ?? [])]),
    ...modelIndex,
    "---",
  ];
  const table =
    evaluations.length === 0
      ? []
      : [
          "",
          "| dataset | split | metric | value |",
          "|---|---|---|---|",
          ...evaluations.map(
            (evaluation) =>
              `| ${evaluation.dataset} | ${evaluation.split} | ${evaluation.metric} | ${evaluation.value.toFixed(4)} |`,
          ),
        ];
  return `${[...frontMatter, "", `# ${options.id}`, "", options.description.trim(), ...table].join("\n")}\n`;
}
