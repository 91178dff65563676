/**
 * @module
 * `modelscout schema task`: prints the published JSON Schema of a task spec, for editors and
 * CI checks of spec files.
 */
import { defineCommand } from "citty";
import { taskSpecJsonSchema } from "../../select/task-spec.js";
import { printJson } from "../cli-options.js";

const task = defineCommand({
  meta: { name: "task", description: "JSON Schema of a task spec (modelscout select <spec>)" },
  run() {
    printJson(taskSpecJsonSchema());
  },
});

export default defineCommand({
  meta: { name: "schema", description: "Print the JSON Schema of a configuration file" },
  subCommands: { task },
});
