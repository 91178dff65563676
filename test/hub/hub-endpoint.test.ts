import { describe, expect, it } from "vitest";
import { DEFAULT_HUB_ENDPOINT, hubEndpoint, hubToken } from "../../src/hub/hub-endpoint.js";
import { redactSecrets } from "../../src/hub/redact-secrets.js";

describe("hubEndpoint", () => {
  it("defaults to the public Hub", () => {
    expect(hubEndpoint({})).toBe(DEFAULT_HUB_ENDPOINT);
    expect(hubEndpoint({ HF_ENDPOINT: "  " })).toBe("https://huggingface.co");
  });

  it("uses HF_ENDPOINT without trailing slashes", () => {
    expect(hubEndpoint({ HF_ENDPOINT: "https://hf-mirror.com//" })).toBe("https://hf-mirror.com");
    expect(hubEndpoint({ HF_ENDPOINT: "http://127.0.0.1:8080/hub/" })).toBe(
      "http://127.0.0.1:8080/hub",
    );
  });
});

describe("hubToken", () => {
  it("prefers HF_TOKEN over HUGGING_FACE_HUB_TOKEN and ignores empty values", () => {
    expect(hubToken({ HF_TOKEN: "hf_new", HUGGING_FACE_HUB_TOKEN: "hf_old" })).toBe("hf_new");
    expect(hubToken({ HF_TOKEN: "", HUGGING_FACE_HUB_TOKEN: "hf_old" })).toBe("hf_old");
    expect(hubToken({})).toBeUndefined();
  });
});

describe("redactSecrets", () => {
  it("removes the known token, Hub-looking tokens, bearer values and secret query parameters", () => {
    const text =
      "GET https://user:pa55@hub.example/api/models?token=abc123&search=bert Authorization: Bearer s3cr3t-value hf_AbCdEfGhIjKlMnOp and my-known-token";
    const redacted = redactSecrets(text, ["my-known-token"]);
    for (const secret of [
      "pa55",
      "abc123",
      "s3cr3t-value",
      "hf_AbCdEfGhIjKlMnOp",
      "my-known-token",
    ]) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain("search=bert");
    expect(redacted).toContain("hub.example/api/models");
  });
});
