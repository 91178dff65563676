import { describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";

describe("the modelscout executable", () => {
  it("exits quietly when the reader closed stdout (EPIPE)", async () => {
    for (const args of [
      ["schema", "task"],
      ["hardware", "list"],
    ]) {
      const result = await runCli(args, {}, { closeStdout: true });
      expect(result.stderr).not.toContain("EPIPE");
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    }
  }, 60_000);
});
