/**
 * @module
 * Looks up a candidate id the catalog does not hold: a `local:` model folder (read in place),
 * or a Hub id (`owner/name`, `owner/name@q8`) fetched from the Hub or `HF_ENDPOINT` and added to
 * the catalog so the next run finds it. In offline mode (`HF_HUB_OFFLINE`) the Hub is not asked
 * and the id fails at once. A Hub that cannot be reached throws HUB_REQUEST_FAILED,
 * which selection records as a failed candidate; a Hub that says the id does not exist gives
 * null, which selection turns into a "did you mean" error.
 */
import type { CatalogStore } from "../catalog/catalog-store.js";
import type { ModelRecord } from "../catalog/model-record.js";
import {
  isLocalModelId,
  localModelRecordForId,
  resolveLocalModelId,
} from "../catalog/sources/local-models.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { type FetchHubModelOptions, fetchHubModel } from "../hub/fetch-hub-model.js";
import { hubOffline } from "../hub/hub-offline.js";

/** Selection is interactive: two quick retries, not the sync's patient five. */
const SELECTION_HUB_OPTIONS: FetchHubModelOptions = {
  retry: { maxRetries: 2, baseDelayMs: 300, maxDelayMs: 2000 },
  requestTimeoutMs: 15_000,
};

const HUB_ID = /^[\w.-]+\/[\w.-]+(@[\w]+)?$/;

export function candidateIdResolver(
  catalog: CatalogStore,
  hubOptions: FetchHubModelOptions = SELECTION_HUB_OPTIONS,
  offline = hubOffline(),
): (id: string, baseDirectory: string) => Promise<ModelRecord | null> {
  return async (id, baseDirectory) => {
    if (isLocalModelId(id)) return localModelRecordForId(resolveLocalModelId(id, baseDirectory));
    if (!HUB_ID.test(id)) return null;
    if (offline) {
      // Offline means the Hub is not asked: not three tries at a host that cannot answer.
      throw new ModelScoutError(
        "HUB_REQUEST_FAILED",
        `${id} is not in the catalog, and offline mode is on (HF_HUB_OFFLINE or MODELSCOUT_OFFLINE), so the Hub was not asked about it. Add it to the catalog with network access (modelscout catalog sync --search ${id.split("/")[1]?.split("@")[0] ?? id}), or unset offline mode.`,
        { details: { id, offline: true } },
      );
    }
    const fetched = await fetchHubModel(id, hubOptions);
    if (fetched === null) return null;
    await catalog.upsertModels([fetched.repository, ...fetched.variants]);
    return fetched.record;
  };
}
