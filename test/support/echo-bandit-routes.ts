/**
 * A routes config with one `bandit` route between two echo models, `echo:good` and
 * `echo:poor` (nothing to download): what the tests and the benchmark of servers sharing a
 * state file (ADR 0060) serve, the client's feedback saying which model was right.
 */
export const ECHO_BANDIT_ROUTES = {
  default_route: "desk",
  models: [
    { id: "echo:good", kind: "echo", template: "good: {{input}}" },
    { id: "echo:poor", kind: "echo", template: "poor: {{input}}" },
  ],
  routes: [
    {
      name: "desk",
      targets: {
        "text-generation": { policy: "bandit", candidates: ["echo:poor", "echo:good"] },
      },
    },
  ],
};
