/**
 * @module
 * `modelscout catalog show <id>`: everything the catalog knows about one model; for a Hub
 * model whose listing named no files, its `onnx/` files are looked up first (and stored).
 */
import { defineCommand } from "citty";
import { selectionProviders } from "../../backends/selection-providers.js";
import {
  describeModel,
  renderModelDescription,
  requireModel,
} from "../../catalog/describe-model.js";
import { printJson } from "../cli-options.js";
import { openCatalog } from "../open-catalog.js";

export default defineCommand({
  meta: { name: "show", description: "Show everything known about one model" },
  args: {
    id: {
      type: "positional",
      description: "Model id, e.g. BAAI/bge-base-en-v1.5 or npm:sentiment",
      required: true,
    },
    json: { type: "boolean", description: "Print JSON" },
  },
  async run({ args }) {
    const store = await openCatalog();
    try {
      const model = await requireModel(
        store,
        args.id,
        `Search with \`modelscout catalog search\` or fetch it with \`modelscout catalog sync --search ${args.id}\`.`,
      );
      // The backends `select` uses, asked only whether they would take it.
      const described = await describeModel(store, model, selectionProviders({ inProcess: true }));
      if (args.json) {
        const { files, ...rest } = described;
        printJson({ ...rest, ...(files !== null && { files }) });
        return;
      }
      process.stdout.write(`${renderModelDescription(described)}\n`);
    } finally {
      await store.close();
    }
  },
});
