/**
 * @module
 * The probing cut, with the files of its transformers.js candidates looked up first. A
 * candidate whose listing named no files (`extra.filesUnknown`: a mirror's listing, or the
 * Hub's default one) passed the "runnable" filter on its tags; before it is loaded, its
 * `onnx/` folder is looked up (`hub/list-onnx-files.ts`) and stored in the catalog. One found
 * to have no ONNX weights is dropped with the reason, and the next-ranked candidate takes its
 * place in the cut, so the run still probes as many models as the spec asks for.
 *
 * Look-ups stop at the first failure (offline, the Hub unreachable, a mirror without the tree
 * API): the candidates not looked up keep their unknown files and are probed as they are (a
 * load that finds no weights fails that candidate alone), and the explanation says so.
 * Only the cut is looked up: a look-up is one to a few requests per model, and models below
 * the cut are not run.
 */
import { findBackendProvider } from "../backends/create-backend.js";
import type { BackendProvider } from "../backends/model-backend.js";
import { TRANSFORMERS_PROVIDER } from "../backends/transformers-js/transformers-backend.js";
import type { CatalogStore } from "../catalog/catalog-store.js";
import { onnxFilesState } from "../catalog/resolve-onnx-variants.js";
import { storeOnnxFiles } from "../catalog/store-onnx-files.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { hubOffline } from "../hub/hub-offline.js";
import { type ListOnnxFilesOptions, listOnnxFiles } from "../hub/list-onnx-files.js";
import type { PoolCandidate } from "./candidate-pool.js";
import type { FilterStep } from "./decision.js";
import type { TaskSpec } from "./task-spec.js";

/** The files under `onnx/` of a Hub model; throws `NOT_FOUND` for a model the Hub lacks. */
export type CandidateFilesLookup = (id: string) => Promise<readonly string[]>;

/** Selection is interactive: two quick retries, not the sync's patient five. */
const SELECTION_LOOKUP_OPTIONS: ListOnnxFilesOptions = {
  retry: { maxRetries: 2, baseDelayMs: 300, maxDelayMs: 2000 },
  requestTimeoutMs: 15_000,
};

/**
 * Look-ups on `HF_ENDPOINT` with `HF_TOKEN`; in offline mode (`HF_HUB_OFFLINE`,
 * `MODELSCOUT_OFFLINE`) every look-up fails at once, without asking.
 */
export function hubFilesLookup(
  options: ListOnnxFilesOptions = SELECTION_LOOKUP_OPTIONS,
  offline = hubOffline(),
): CandidateFilesLookup {
  return async (id) => {
    if (offline) {
      throw new ModelScoutError(
        "HUB_REQUEST_FAILED",
        "offline mode is on (HF_HUB_OFFLINE or MODELSCOUT_OFFLINE), so the Hub was not asked",
        { details: { id, offline: true } },
      );
    }
    return (await listOnnxFiles(id, options)).files;
  };
}

export interface ProbingCutOptions<T extends { candidate: PoolCandidate }> {
  /** Named in `candidates.ids`: always probed, unless found to have no ONNX weights. */
  listed: readonly T[];
  /** Found by the catalog search, best prior first. */
  searched: readonly T[];
  /** How many searched candidates to probe. */
  limit: number;
  /** Candidates that passed the filters, for the step's counts. */
  poolSize: number;
  /** Absent: nothing is looked up, and the explanation says so when it mattered. */
  lookUp: CandidateFilesLookup | undefined;
  catalog: CatalogStore;
  providers: readonly BackendProvider[];
  privacy: TaskSpec["privacy"];
  onLookUp?: (id: string) => void;
}

export interface ProbingCut<T> {
  toProbe: T[];
  notProbed: T[];
  /** The `onnx-files` step, when a candidate in the cut had unknown files. */
  step: FilterStep | null;
  /** What the explanation adds: who was dropped, and what was not looked up and why. */
  notes: string[];
}

function needsLookUp(candidate: PoolCandidate): boolean {
  return (
    onnxFilesState(candidate.model) === "unknown" &&
    candidate.provider?.provider === TRANSFORMERS_PROVIDER
  );
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** Fills the probing cut in prior order, looking up unknown files on the way. */
export async function lookUpProbingCut<T extends { candidate: PoolCandidate }>(
  options: ProbingCutOptions<T>,
): Promise<ProbingCut<T>> {
  const toProbe: T[] = [];
  const notProbed: T[] = [];
  const removed: { id: string; reason: string; listed: boolean }[] = [];
  let lookedUp = 0;
  let notLookedUp = 0;
  let failure: { id: string; message: string } | null = null;

  /** The entry to probe (with its files, and the backend they allow), or null when dropped. */
  const settle = async (entry: T): Promise<T | null> => {
    const { candidate } = entry;
    if (!needsLookUp(candidate)) return entry;
    if (options.lookUp === undefined || failure !== null) {
      notLookedUp += 1;
      return entry;
    }
    const id = candidate.model.id;
    options.onLookUp?.(id);
    let files: readonly string[];
    try {
      files = await options.lookUp(id);
    } catch (error) {
      if (ModelScoutError.isInstance(error) && error.code === "NOT_FOUND") {
        lookedUp += 1;
        removed.push({ id, reason: "the Hub no longer has it", listed: candidate.listed });
        return null;
      }
      if (ModelScoutError.isInstance(error) && error.code === "ABORTED") throw error;
      failure = { id, message: errorMessage(error) };
      notLookedUp += 1;
      return entry;
    }
    lookedUp += 1;
    const model = await storeOnnxFiles(options.catalog, candidate.model, files);
    const provider = findBackendProvider(model, options.providers);
    if (provider === null) {
      const found =
        files.length === 0
          ? "no onnx/ folder"
          : `onnx/ holds ${plural(files.length, "file")}, none of them .onnx`;
      removed.push({
        id,
        reason: `no ONNX weights for transformers.js: ${found}`,
        listed: candidate.listed,
      });
      return null;
    }
    if (options.privacy === "local-only" && !provider.create(model).describe().local) {
      removed.push({ id, reason: "remote backend", listed: candidate.listed });
      return null;
    }
    return { ...entry, candidate: { ...candidate, model, provider } };
  };

  for (const entry of options.listed) {
    const settled = await settle(entry);
    if (settled !== null) toProbe.push(settled);
  }
  let slots = options.limit;
  let movedUp = 0;
  for (const entry of options.searched) {
    if (slots === 0) {
      notProbed.push(entry);
      continue;
    }
    const settled = await settle(entry);
    if (settled === null) {
      movedUp += 1;
      continue;
    }
    toProbe.push(settled);
    slots -= 1;
  }
  movedUp = Math.min(movedUp, options.searched.length - options.limit);

  const touched = lookedUp + notLookedUp;
  if (touched === 0) return { toProbe, notProbed, step: null, notes: [] };
  const unknownNote = notLookedUp === 0 ? "" : ` (${notLookedUp} kept with unknown files)`;
  const removedListed = removed.filter((entry) => entry.listed);
  const step: FilterStep = {
    filter: "onnx-files",
    description: `ONNX weights under onnx/ for transformers.js, looked up for the probing cut's candidates whose listing named no files${unknownNote}`,
    before: options.poolSize,
    after: options.poolSize - removed.length,
    removedExamples: removed.slice(0, 5).map(({ id, reason }) => ({ id, reason })),
    ...(removedListed.length > 0 && {
      removedListed: removedListed.map(({ id, reason }) => ({ id, reason })),
    }),
  };
  const notes: string[] = [];
  if (removed.length > 0) {
    notes.push(
      `${plural(removed.length, "candidate")} in the probing cut had no file list in the catalog (a listing without siblings, as mirrors send) and, looked up, ${removed.length === 1 ? "was" : "were"} dropped: ${removed.map((entry) => `${entry.id} (${entry.reason})`).join(", ")}.${movedUp === 1 ? " The next candidate by prior took its place." : movedUp > 1 ? ` The next ${movedUp} candidates by prior took their places.` : ""}`,
    );
  }
  const failed = failure as { id: string; message: string } | null;
  if (failed !== null) {
    const others = notLookedUp - 1;
    notes.push(
      `Looking up the files of ${failed.id} failed (${failed.message}), so ${others === 0 ? "its files stay" : `the files of ${plural(others, "more candidate")} in the cut were not looked up either, and stay`} unknown: probed as listed, a model without ONNX weights fails to load rather than being dropped beforehand.`,
    );
  } else if (notLookedUp > 0) {
    notes.push(
      `The files of ${plural(notLookedUp, "candidate")} in the probing cut are unknown (a listing without siblings) and were not looked up: a model without ONNX weights fails to load rather than being dropped beforehand.`,
    );
  }
  return { toProbe, notProbed, step, notes };
}
