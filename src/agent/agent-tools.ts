/**
 * @module
 * ModelScout as tools an LLM agent calls: search the catalog, look at one model, check a
 * selection, run one, read the stored decisions, and read what a routing server on the same
 * state learned and logged (its learner's standings, its traffic). Framework-free: each tool
 * is a name, a description written for a model to read, a zod input schema (its JSON Schema
 * is what the agent sees) and a function from checked arguments to an answer with a text for
 * the model and the same facts as data. `mcp-server.ts` serves them over the Model Context Protocol;
 * another agent framework can wrap `new AgentTools(...).list()` the same way (ADR 0097).
 *
 * Every tool runs on this machine, as the CLI does: a selection probes its candidates locally
 * on the caller's sample data, and a spec's `privacy: local-only` holds as it does there.
 */
import { z } from "zod";
import { selectionProviders } from "../backends/selection-providers.js";
import type { CatalogStore } from "../catalog/catalog-store.js";
import {
  describeModel,
  LISTED_EVAL_RESULTS,
  renderModelDescription,
  requireModel,
} from "../catalog/describe-model.js";
import { DTYPES } from "../catalog/model-record.js";
import { CATALOG_SORTS, type CatalogSearchHit, searchCatalog } from "../catalog/search-catalog.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { learnerStandings, renderLearnerStandings } from "../route/learning/learner-standings.js";
import { summarizeRequestLog } from "../route/request-log-summary.js";
import { renderRequestLogSummary, sinceTime } from "../route/request-log-summary-text.js";
import { ROUTING_COMPONENT, ROUTING_MIGRATIONS } from "../route/routing-store.js";
import type { SelectionDecision } from "../select/decision.js";
import { renderDecisionText } from "../select/report/render-decision-text.js";
import { renderSelectionPlan } from "../select/report/render-selection-plan.js";
import { selectionJson } from "../select/report/selection-json.js";
import { planSelection, runSelection, type SelectionProgress } from "../select/run-selection.js";
import { requestLlm, selectionInput } from "../select/selection-input.js";
import { SelectionResources } from "../select/selection-resources.js";
import { taskSpecJsonSchema } from "../select/task-spec.js";
import { migrateComponent } from "../state/state-database.js";
import { resolveTask } from "../tasks/resolve-task.js";
import { formatCount, formatMs } from "../text/format-table.js";

/** What a tool gives back: a text for the model to read, and the same facts as data. */
export interface ToolAnswer {
  text: string;
  data: Record<string, unknown>;
}

/** A progress report of a long call (a selection's model calls so far, of at most `total`). */
export interface ToolProgress {
  done: number;
  total?: number;
  message: string;
}

export interface ToolCall {
  /** Aborted when the agent cancels the call: a selection stops after its current model call. */
  signal: AbortSignal;
  onProgress?: (progress: ToolProgress) => void;
}

export interface AgentTool<Input extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: Input;
  /** True when the tool changes nothing (a selection stores its decision). */
  readOnly: boolean;
  run(args: z.output<Input>, call: ToolCall): Promise<ToolAnswer>;
}

/** What the tools run against; opened on the first call that needs it, kept until `close`. */
export interface AgentToolsOptions {
  openCatalog: () => Promise<CatalogStore>;
  /** Folder an inline spec's relative paths, `spec_path` and `data_path` are read from. */
  baseDirectory?: string;
  env?: NodeJS.ProcessEnv;
}

const SPEC_DESCRIPTION =
  'A task spec written inline, as in a task.json file: e.g. {"task_type": "text-classification", "input_constraints": {"language": "en"}, "hardware": "cpu-laptop", "objectives": {"quality": 0.7, "latency": 0.3}, "data": {"path": "reviews.jsonl"}, "metric": "accuracy", "budget": {"max_probes": 400}}. A mistake is answered with every bad field named.';

/**
 * An inline spec: any object, checked by `parseTaskSpec` (whose messages name each field and
 * suggest what was meant) rather than by the SDK; with `schema`, the task spec's JSON Schema is
 * what the agent is shown for it, so that it knows every field (about 13 kB, so one tool has it).
 */
function specField(schema: boolean) {
  const field = z.record(z.string(), z.unknown());
  if (!schema) {
    return field
      .optional()
      .describe(`${SPEC_DESCRIPTION} Its fields are those check_selection's spec lists.`);
  }
  const { $schema: _schema, $id: _id, title: _title, ...published } = taskSpecJsonSchema();
  return field.meta({ ...published, description: SPEC_DESCRIPTION }).optional();
}

const SPEC_FIELDS = {
  spec_path: z
    .string()
    .min(1)
    .optional()
    .describe(
      "A task spec file (JSON or YAML) on this machine; its relative paths are read from its folder.",
    ),
  request: z
    .string()
    .min(1)
    .optional()
    .describe(
      'What the model is for, in plain words, turned into a spec: e.g. "classify Chinese reviews as positive or negative on a Raspberry Pi 5". Give data_path too, or the candidates are only ranked by their priors.',
    ),
  data_path: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Sample data (JSONL or CSV with a "text" and a "label" column) on this machine, in place of the spec\'s data block: the candidates are probed on it.',
    ),
};

const specArgs = z.object({ spec: specField(true), ...SPEC_FIELDS });
type SpecArgs = z.output<typeof specArgs>;

const selectArgs = z.object({
  spec: specField(false),
  ...SPEC_FIELDS,
  seed: z.number().int().optional().describe("Seed for the order items are probed in (default 1)."),
  timeout_ms: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Longest one model call may take; models then run in child processes."),
});

const searchArgs = z.object({
  task: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Pipeline tag or alias: text-classification, sentiment, embeddings, text-generation...",
    ),
  language: z
    .string()
    .min(1)
    .optional()
    .describe("A language the model declares: a code or a name (zh, en, Chinese)."),
  license: z.string().min(1).optional().describe("Licence id: apache-2.0, mit..."),
  onnx: z
    .boolean()
    .optional()
    .describe("Only models with ONNX weights, which run on this machine through transformers.js."),
  hardware: z
    .string()
    .min(1)
    .optional()
    .describe("Hardware profile for memory fit and latency: cpu-laptop, rpi5, t4, a100, h100..."),
  dtype: z
    .enum(DTYPES)
    .optional()
    .describe("Weight format for fit and latency (default: the hardware's usual one)."),
  max_memory_gb: z
    .number()
    .positive()
    .optional()
    .describe("Memory budget in GB, weights plus runtime overhead."),
  max_latency_ms: z
    .number()
    .positive()
    .optional()
    .describe("Latency bound per item on the hardware, in ms."),
  sort: z
    .enum(CATALOG_SORTS)
    .optional()
    .describe("downloads (default), likes, score, latency or lastModified."),
  limit: z.number().int().positive().max(50).default(10).describe("How many models (at most 50)."),
  offset: z.number().int().nonnegative().default(0).describe("Skip this many, to page on."),
});

const showArgs = z.object({
  id: z.string().min(1).describe("Model id: a Hub id (BAAI/bge-small-en-v1.5) or npm:<package>."),
});

const decisionArgs = z.object({
  id: z
    .string()
    .min(1)
    .describe("Decision id (dec_...), as select_model or list_decisions gave it."),
});

const listArgs = z.object({
  task: z
    .string()
    .min(1)
    .optional()
    .describe("Only decisions for this task (pipeline tag or alias)."),
  limit: z.number().int().positive().max(100).default(10).describe("How many, newest first."),
});

const standingsArgs = z.object({
  route: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Only this route, as the learner names it: <route>/<task>, e.g. complaint/text-generation.",
    ),
  hide_removed: z
    .boolean()
    .optional()
    .describe(
      "Leave out routes and models the routes config in service no longer has (their learning is kept).",
    ),
});

const trafficArgs = z.object({
  since: z
    .string()
    .min(1)
    .optional()
    .describe("From when: a duration back from now (30m, 24h, 7d; default 24h) or an ISO time."),
  route: z.string().min(1).optional().describe("Only this route (its name in the routes config)."),
});

/**
 * The tools, over one set of resources opened on first use (the catalog, the state database)
 * and closed by `close`.
 */
export class AgentTools {
  readonly #options: AgentToolsOptions;
  #resources: Promise<SelectionResources> | undefined;
  readonly #running = new Set<Promise<ToolAnswer>>();

  constructor(options: AgentToolsOptions) {
    this.#options = options;
  }

  #open(): Promise<SelectionResources> {
    if (this.#resources === undefined) {
      const opening = this.#options
        .openCatalog()
        .then((catalog) => SelectionResources.open(catalog, this.#options.env));
      // A failed open (a corrupt catalog file) is tried again by the next call.
      opening.catch(() => {
        if (this.#resources === opening) this.#resources = undefined;
      });
      this.#resources = opening;
    }
    return this.#resources;
  }

  /**
   * Waits for the calls still running (a cancelled selection stores itself as aborted after
   * its current model call), then closes the catalog and the state database.
   */
  async close(): Promise<void> {
    await Promise.allSettled(this.#running);
    const resources = this.#resources;
    this.#resources = undefined;
    if (resources !== undefined) await (await resources.catch(() => null))?.close();
  }

  list(): AgentTool[] {
    const tools = [
      this.#search(),
      this.#show(),
      this.#check(),
      this.#select(),
      this.#listDecisions(),
      this.#getDecision(),
      this.#routeStandings(),
      this.#trafficSummary(),
    ] as AgentTool[];
    return tools.map((tool) => ({
      ...tool,
      run: (args, call) => this.#track(tool.run(args, call)),
    }));
  }

  /** `call`, counted among the running ones until it settles, so `close` waits for it. */
  #track(call: Promise<ToolAnswer>): Promise<ToolAnswer> {
    this.#running.add(call);
    const forget = () => this.#running.delete(call);
    call.then(forget, forget);
    return call;
  }

  #search(): AgentTool<typeof searchArgs> {
    return {
      name: "search_models",
      title: "Search the model catalog",
      description:
        "Searches ModelScout's local model catalog (Hugging Face metadata, npm-packaged models, models behind servers) by task, language, licence and hardware fit. Use it to see what exists before a selection; it runs no model. Each model comes with its task, languages, licence, parameters, headline score and, with a hardware profile, whether it fits and its latency (~ estimated, = measured).",
      input: searchArgs,
      readOnly: true,
      run: async (args) => {
        const { catalog } = await this.#open();
        const result = await searchCatalog(catalog, {
          ...(args.task !== undefined && { task: args.task }),
          ...(args.language !== undefined && { language: args.language }),
          ...(args.license !== undefined && { license: args.license }),
          ...(args.onnx !== undefined && { onnx: args.onnx }),
          ...(args.hardware !== undefined && { hardware: args.hardware }),
          ...(args.dtype !== undefined && { dtype: args.dtype }),
          ...(args.max_memory_gb !== undefined && { maxMemoryGb: args.max_memory_gb }),
          ...(args.max_latency_ms !== undefined && { maxLatencyMs: args.max_latency_ms }),
          ...(args.sort !== undefined && { sort: args.sort }),
          limit: args.limit,
          offset: args.offset,
        });
        const lines = result.models.map((model) => searchLine(model));
        const more = result.hasMore
          ? `\nMore match: ask again with offset ${result.query.offset + result.query.limit}.`
          : "";
        const text =
          result.models.length === 0
            ? "No models match. Loosen a filter (a language filter keeps only models that declare the language; select_model also tries those that declare none)."
            : `${result.models.length} model${result.models.length === 1 ? "" : "s"}${result.query.hardware === null ? "" : ` (fit and latency on ${result.query.hardware} at ${result.query.dtype})`}:\n${lines.join("\n")}${more}`;
        return {
          text,
          data: { query: result.query, models: result.models, hasMore: result.hasMore },
        };
      },
    };
  }

  #show(): AgentTool<typeof showArgs> {
    return {
      name: "show_model",
      title: "Show one model",
      description:
        "Everything the catalog knows about one model: task, languages, licence, datasets, parameters, memory per weight format, context length, published eval results (the first 40, with their count), whether it runs on this machine (and with which backend, or why not), and its fit and latency on every hardware profile.",
      input: showArgs,
      readOnly: true,
      run: async (args) => {
        const { catalog } = await this.#open();
        const model = await requireModel(catalog, args.id, "Find ids with search_models.");
        const described = await describeModel(
          catalog,
          model,
          selectionProviders({ inProcess: true }),
        );
        const { files, ...rest } = described;
        // The eval results the text lists, not every one (an MTEB model has hundreds).
        const listed = rest.model.evalResults.slice(0, LISTED_EVAL_RESULTS);
        return {
          text: renderModelDescription(described),
          data: {
            ...rest,
            model: Object.assign({}, rest.model, { evalResults: listed }),
            evalResultsTotal: rest.model.evalResults.length,
            ...(files !== null && { files }),
          },
        };
      },
    };
  }

  #check(): AgentTool<typeof specArgs> {
    return {
      name: "check_selection",
      title: "Check a selection before running it",
      description:
        "Checks a task spec (inline, a file, or a request in plain words) and its sample data, and says what a selection would do: the spec as resolved, how the filters narrowed the catalog, the candidates it would probe with their priors, and the most model calls its budget allows. Loads no model and stores nothing; fast. Give exactly one of spec, spec_path or request.",
      input: specArgs,
      readOnly: true,
      run: async (args) => {
        const resources = await this.#open();
        const input = await this.#input(args);
        const plan = await planSelection(resources.runOptions(input));
        return {
          text: withNotes(renderSelectionPlan(plan, input.specSource), input.notes),
          data: { ...plan, ...(input.madeSpec !== undefined && { spec: input.madeSpec }) },
        };
      },
    };
  }

  #select(): AgentTool<typeof selectArgs> {
    return {
      name: "select_model",
      title: "Select the best model for a task",
      description:
        "Picks the model for a task: filters the catalog by the spec's hard constraints, ranks by priors, then probes the best candidates on the sample data on this machine (racing under the spec's budget), measuring quality and latency. Returns the winner, every candidate's figures, the Pareto front and an explanation, and stores the decision (read it again with get_decision). Can take minutes: check_selection first says what it would probe. Give exactly one of spec, spec_path or request.",
      input: selectArgs,
      readOnly: false,
      run: async (args, call) => {
        const resources = await this.#open();
        const input = await this.#input(args);
        let decision: SelectionDecision;
        try {
          decision = await runSelection({
            ...resources.runOptions(input, {
              ...(args.timeout_ms !== undefined && { timeoutMs: args.timeout_ms }),
            }),
            signal: call.signal,
            ...(call.onProgress !== undefined && { onProgress: progressOf(call.onProgress) }),
            ...(args.seed !== undefined && { seed: args.seed }),
          });
        } catch (error) {
          const partial = (error as { decision?: SelectionDecision }).decision;
          if (partial !== undefined && ModelScoutError.isInstance(error)) {
            throw new ModelScoutError(
              error.code,
              `${error.message} Decision ${partial.id} was stored as ${partial.status}.`,
              { cause: error },
            );
          }
          throw error;
        }
        const text = `${withNotes(renderDecisionText(decision), input.notes)}\n\nDecision ${decision.id} stored.`;
        return { text, data: selectionJson(decision) };
      },
    };
  }

  #listDecisions(): AgentTool<typeof listArgs> {
    return {
      name: "list_decisions",
      title: "List stored selection decisions",
      description:
        "Lists the selections stored on this machine, newest first: id, time, status, task, language and winner.",
      input: listArgs,
      readOnly: true,
      run: async (args) => {
        const { decisions } = await this.#open();
        const task = args.task === undefined ? undefined : resolveTask(args.task);
        const read = decisions.list({ limit: args.limit + 1, ...(task !== undefined && { task }) });
        const rows = read.slice(0, args.limit);
        const text =
          rows.length === 0
            ? `No decisions${task === undefined ? "" : ` for ${task}`} yet: run select_model.`
            : rows
                .map(
                  (row) =>
                    `${row.id}  ${row.createdAt}  ${row.status}  ${row.task}${row.language === null ? "" : ` (${row.language})`}  winner: ${row.winnerId ?? "none"}`,
                )
                .join("\n");
        return { text, data: { decisions: rows, hasMore: read.length > args.limit } };
      },
    };
  }

  #getDecision(): AgentTool<typeof decisionArgs> {
    return {
      name: "get_decision",
      title: "Read a stored decision",
      description:
        "A stored selection decision: its ranked candidates, winner, Pareto front and explanation.",
      input: decisionArgs,
      readOnly: true,
      run: async (args) => {
        const { decisions } = await this.#open();
        const decision = decisions.require(args.id);
        return { text: renderDecisionText(decision), data: selectionJson(decision) };
      },
    };
  }

  #routeStandings(): AgentTool<typeof standingsArgs> {
    return {
      name: "route_standings",
      title: "Routing learner standings",
      description:
        "What the routing server (modelscout serve) on this machine's state has learned from feedback, per route (<route>/<task>) and model: posterior quality (0-1), the evidence behind it, mean cost, whether the model is demoted, and whether the routes config in service still has it. Shows which model is winning each route in production.",
      input: standingsArgs,
      readOnly: true,
      run: async (args) => {
        const { state } = await this.#open();
        const found = learnerStandings(state, {
          ...(args.route !== undefined && { route: args.route }),
          hideRemoved: args.hide_removed === true,
          optionName: "hide_removed",
        });
        return {
          text: renderLearnerStandings(found),
          data: { standings: found.rows, removed: found.removed },
        };
      },
    };
  }

  #trafficSummary(): AgentTool<typeof trafficArgs> {
    return {
      name: "traffic_summary",
      title: "Routed traffic summary",
      description:
        "What the routing server's request log on this machine says of a time window, per route and model: requests, errors, p50/p95 latency, feedback and its mean reward, tokens and cost; and the classification steps' model calls. Use it to see how the models chosen for each route are doing in production.",
      input: trafficArgs,
      readOnly: true,
      run: async (args) => {
        const { state } = await this.#open();
        const now = Date.now();
        const from = sinceTime(args.since, now, "since");
        migrateComponent(state, ROUTING_COMPONENT, ROUTING_MIGRATIONS);
        const summary = summarizeRequestLog(state, {
          from,
          to: new Date(now + 1).toISOString(),
          ...(args.route !== undefined && { route: args.route }),
        });
        return {
          text: renderRequestLogSummary(summary, {
            from,
            ...(args.route !== undefined && { route: args.route }),
          }),
          data: { ...summary },
        };
      },
    };
  }

  #input(args: SpecArgs) {
    // A request in plain words goes to the LLM configured for `select --request`, if any.
    const llm = requestLlm(this.#options.env ?? process.env);
    return selectionInput({
      ...(args.spec !== undefined && { spec: args.spec }),
      ...(args.spec_path !== undefined && { specPath: args.spec_path }),
      ...(args.request !== undefined && { request: args.request }),
      ...(args.data_path !== undefined && { dataPath: args.data_path }),
      ...(args.request !== undefined && llm !== undefined && { llm }),
      ...(this.#options.baseDirectory !== undefined && {
        baseDirectory: this.#options.baseDirectory,
      }),
      names: { spec: "spec", specPath: "spec_path", request: "request" },
    });
  }
}

function searchLine(model: CatalogSearchHit): string {
  const parts = [
    model.task ?? "task ?",
    model.languages.length === 0
      ? "languages ?"
      : model.languages.length > 4
        ? `${model.languages.slice(0, 4).join(",")},+${model.languages.length - 4}`
        : model.languages.join(","),
    model.license ?? "licence ?",
    `${formatCount(model.params)} params`,
  ];
  if (model.score !== null) parts.push(`score ${model.score.toFixed(1)}`);
  if (model.hardware !== null) {
    parts.push(model.fits === null ? "fit ?" : model.fits ? "fits" : "does not fit");
    if (model.latencyMs !== null) {
      parts.push(`${model.latencyKind === "measured" ? "=" : "~"}${formatMs(model.latencyMs)}`);
    }
  }
  return `- ${model.id} (${model.source}): ${parts.join(", ")}`;
}

function withNotes(text: string, notes: readonly string[]): string {
  return notes.length === 0
    ? text
    : `Spec made from the request:\n${notes.map((note) => `  - ${note}`).join("\n")}\n\n${text}`;
}

/** A selection's progress as tool progress: model calls made of the budget's most. */
function progressOf(report: (progress: ToolProgress) => void): (event: SelectionProgress) => void {
  let spent = 0;
  let most: number | undefined;
  return (event) => {
    switch (event.phase) {
      case "filtered":
        report({
          done: 0,
          message: `${event.candidates} candidates passed the filters; probing ${event.probing}.`,
        });
        return;
      case "loading":
        report({
          done: spent,
          ...(most !== undefined && { total: most }),
          message: `loading ${event.id} (${event.index} of ${event.of})`,
        });
        return;
      case "failed":
        report({
          done: spent,
          ...(most !== undefined && { total: most }),
          message: `${event.id} failed: ${event.message}`,
        });
        return;
      case "probing":
        spent = event.spentProbes;
        most = event.maxProbes;
        report({
          done: spent,
          total: most,
          message: `${spent} of at most ${most} model calls; leader ${event.leaderId ?? "-"}`,
        });
        return;
      default:
        return;
    }
  };
}
