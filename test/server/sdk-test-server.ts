/**
 * The routing server the client-SDK tests point their SDK at (`openai-sdk.test.ts`,
 * `ai-sdk.test.ts`, ADR 0064): two echo desks, a keyword rule sending "parcel" to the second,
 * 64-dimensional n-gram embeddings on the first, and an API key required.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";

export const SDK_TEST_KEY = "sk-modelscout-sdk-0123456789";

/** The embeddings' length. */
export const SDK_TEST_DIMENSIONS = 64;

const config = parseRoutesConfig({
  default_route: "desk",
  classification: [{ kind: "rules", rules: [{ route: "parcels", keywords: ["parcel"] }] }],
  models: [
    { id: "echo:desk", kind: "echo", template: "desk: {{input}}" },
    { id: "echo:parcels", kind: "echo", template: "parcels: {{input}}" },
    { id: "builtin:ngrams", kind: "hashed-ngrams", dimensions: SDK_TEST_DIMENSIONS },
  ],
  routes: [
    {
      name: "desk",
      targets: {
        "text-generation": { candidates: ["echo:desk"] },
        "feature-extraction": { candidates: ["builtin:ngrams"] },
      },
    },
    { name: "parcels", targets: { "text-generation": { candidates: ["echo:parcels"] } } },
  ],
});

/** Starts it on a free port with a state file of its own; the caller closes it. */
export function startSdkTestServer(): Promise<RoutingServer> {
  return startRoutingServer({
    config,
    port: 0,
    apiKeys: [SDK_TEST_KEY],
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-sdk-test-")), "state.db"),
  });
}
