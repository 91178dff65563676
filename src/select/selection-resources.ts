/**
 * @module
 * What a selection runs against, opened once by a shell: the catalog, the state database's
 * decisions (where runs are stored and past wins read as priors) and its live feedback, and
 * the backends that run candidates. `modelscout select` opens it for one run; the agent tools'
 * server (`src/agent/`) for its whole life, reading the feedback afresh for each run.
 */
import { selectionProviders } from "../backends/selection-providers.js";
import type { CatalogStore } from "../catalog/catalog-store.js";
import { feedbackByModel, LearningStore } from "../route/learning/learning-store.js";
import { openStateDatabase, type StateDatabase } from "../state/state-database.js";
import { DecisionStore } from "./decision-store.js";
import { hubFilesLookup } from "./look-up-candidate-files.js";
import { candidateIdResolver } from "./resolve-candidate-id.js";
import type { RunSelectionOptions } from "./run-selection.js";
import type { SelectionInput } from "./selection-input.js";
import { parseTaskSpec, type TaskSpec } from "./task-spec.js";

/** How candidates run: in this process, or in child processes with a per-call timeout. */
export interface SelectionRunSettings {
  inProcess?: boolean;
  timeoutMs?: number;
}

export class SelectionResources {
  readonly catalog: CatalogStore;
  readonly decisions: DecisionStore;
  /** The state database: decisions, and a routing server's request log and learner when one runs on it. */
  readonly state: StateDatabase;

  private constructor(catalog: CatalogStore, state: StateDatabase) {
    this.catalog = catalog;
    this.state = state;
    this.decisions = DecisionStore.open({ database: state });
  }

  /** Opens the state database (MODELSCOUT_HOME's, or MODELSCOUT_STATE_URL's) beside `catalog`. */
  static open(catalog: CatalogStore, env: NodeJS.ProcessEnv = process.env): SelectionResources {
    return new SelectionResources(catalog, openStateDatabase({ env }));
  }

  /**
   * The options `runSelection` and `planSelection` take for `input`: its spec validated
   * (`parseTaskSpec` throws naming each bad field) unless the caller did so already, the
   * feedback as it is now.
   */
  runOptions(
    input: SelectionInput,
    settings: SelectionRunSettings = {},
    spec: TaskSpec = parseTaskSpec(input.specInput),
  ): RunSelectionOptions {
    return {
      spec,
      specInput: input.specInput,
      specSource: input.specSource,
      baseDirectory: input.baseDirectory,
      catalog: this.catalog,
      providers: selectionProviders({
        inProcess: settings.inProcess === true,
        ...(settings.timeoutMs !== undefined && { timeoutMs: settings.timeoutMs }),
      }),
      decisions: this.decisions,
      feedback: feedbackByModel(new LearningStore(this.state)),
      resolveExtraId: candidateIdResolver(this.catalog),
      lookUpFiles: hubFilesLookup(),
    };
  }

  async close(): Promise<void> {
    this.decisions.close();
    this.state.close();
    await this.catalog.close();
  }
}
