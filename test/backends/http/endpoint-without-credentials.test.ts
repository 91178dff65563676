import { describe, expect, it } from "vitest";
import { endpointWithoutCredentials } from "../../../src/backends/http/endpoint-without-credentials.js";

describe("endpointWithoutCredentials", () => {
  it("drops user info, masks secret query values and keeps the rest", () => {
    expect(
      endpointWithoutCredentials(
        "https://user:s3cret@models.example.com/v1?api-version=2024-06-01&api_key=abc123&sig=xyz#frag",
      ),
    ).toBe("https://models.example.com/v1?api-version=2024-06-01&api_key=[REDACTED]&sig=REDACTED");
  });

  it("redacts a known key or a Hub token written into the path", () => {
    expect(
      endpointWithoutCredentials("http://127.0.0.1:8000/k/secret-key-1/v1", ["secret-key-1"]),
    ).toBe("http://127.0.0.1:8000/k/[REDACTED]/v1");
    expect(endpointWithoutCredentials("https://x.test/hf_abcdefghijklmnop/v1")).toBe(
      "https://x.test/[REDACTED]/v1",
    );
  });
});
