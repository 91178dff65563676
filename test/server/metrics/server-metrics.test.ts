/** The model gauges of `/metrics`, read from the router's view at each scrape. */
import { describe, expect, it } from "vitest";
import {
  createServerMetrics,
  type ModelStates,
} from "../../../src/server/metrics/server-metrics.js";

describe("model availability and health gauges", () => {
  it("say at each scrape whether each model takes calls and what its health checks found", () => {
    let states: ModelStates = {
      local: { available: true },
      remote: { available: true, healthy: true },
    };
    const metrics = createServerMetrics({ modelStates: () => states });
    const lines = () => metrics.render().split("\n");
    expect(lines()).toEqual(
      expect.arrayContaining([
        'modelscout_model_available{model="local"} 1',
        'modelscout_model_available{model="remote"} 1',
        'modelscout_model_healthy{model="remote"} 1',
      ]),
    );
    expect(lines().some((line) => line.startsWith('modelscout_model_healthy{model="local"}'))).toBe(
      false,
    );
    states = { local: { available: true }, remote: { available: false, healthy: false } };
    expect(lines()).toEqual(
      expect.arrayContaining([
        'modelscout_model_available{model="remote"} 0',
        'modelscout_model_healthy{model="remote"} 0',
      ]),
    );
  });

  it("say how many calls each model has in flight, where the router counts them", () => {
    let states: ModelStates = {
      local: { available: true },
      remote: { available: true, inFlight: 3 },
    };
    const metrics = createServerMetrics({ modelStates: () => states });
    const lines = () => metrics.render().split("\n");
    expect(lines()).toContain('modelscout_model_in_flight{model="remote"} 3');
    expect(
      lines().some((line) => line.startsWith('modelscout_model_in_flight{model="local"}')),
    ).toBe(false);
    states = { remote: { available: true, inFlight: 0 } };
    expect(lines()).toContain('modelscout_model_in_flight{model="remote"} 0');
  });

  it("are left out when the server gives no model states", () => {
    expect(createServerMetrics().render()).not.toContain("modelscout_model_available");
  });
});
