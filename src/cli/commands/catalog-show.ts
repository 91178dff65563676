/**
 * @module
 * `modelscout catalog show <id>`: everything the catalog knows about one model; for a Hub
 * model whose listing named no files, its `onnx/` files are looked up first (and stored).
 */
import { defineCommand } from "citty";
import { selectionProviders } from "../../backends/selection-providers.js";
import { describeModel, renderModelDescription } from "../../catalog/describe-model.js";
import { suggestableModelIds } from "../../catalog/suggestable-ids.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { closestMatch } from "../../text/closest-match.js";
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
      const model = await store.getModel(args.id);
      if (model === null) {
        const suggestion = closestMatch(args.id, await suggestableModelIds(store));
        throw new ModelScoutError(
          "NOT_FOUND",
          `No model "${args.id}" in the catalog.${suggestion ? ` Did you mean "${suggestion}"?` : ""} Search with \`modelscout catalog search\` or fetch it with \`modelscout catalog sync --search ${args.id}\`.`,
        );
      }
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
