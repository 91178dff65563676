/**
 * @module
 * `modelscout schema task|routes|alerts`: prints the published JSON Schema of a task spec, a
 * routes config or an alert rules file, for editors and CI checks of those files.
 */
import { defineCommand } from "citty";
import { alertRulesJsonSchema } from "../../monitor/alert-rules.js";
import { routesConfigJsonSchema } from "../../route/routes-config.js";
import { taskSpecJsonSchema } from "../../select/task-spec.js";
import { printJson } from "../cli-options.js";

const task = defineCommand({
  meta: { name: "task", description: "JSON Schema of a task spec (modelscout select <spec>)" },
  run() {
    printJson(taskSpecJsonSchema());
  },
});

const routes = defineCommand({
  meta: {
    name: "routes",
    description: "JSON Schema of a routes config (modelscout serve --config)",
  },
  run() {
    printJson(routesConfigJsonSchema());
  },
});

const alerts = defineCommand({
  meta: {
    name: "alerts",
    description: "JSON Schema of an alert rules file (modelscout serve --alerts)",
  },
  run() {
    printJson(alertRulesJsonSchema());
  },
});

export default defineCommand({
  meta: { name: "schema", description: "Print the JSON Schema of a configuration file" },
  subCommands: { task, routes, alerts },
});
