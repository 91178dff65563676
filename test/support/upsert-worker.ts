/**
 * Child process for the concurrency test: opens the catalog at argv[2] and upserts
 * argv[4] models named `<argv[3]>/<n>` in batches of 10, as a separate CLI process would.
 */
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import { makeModel } from "./make-model.js";

const [path, prefix, countText] = process.argv.slice(2);
if (!path || !prefix || !countText) throw new Error("usage: upsert-worker <db> <prefix> <count>");
const store = await openSqliteStore({ path, busyTimeoutMs: 20_000 });
const count = Number(countText);
for (let start = 0; start < count; start += 10) {
  const batch = Array.from({ length: Math.min(10, count - start) }, (_, offset) =>
    makeModel({ id: `${prefix}/${start + offset}`, downloads: start + offset, languages: ["en"] }),
  );
  await store.upsertModels(batch);
  await store.setMeta(`progress:${prefix}`, String(start + batch.length));
}
await store.close();
