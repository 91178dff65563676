import { describe, expect, it } from "vitest";
import { describeError, exitCodeFor } from "../../src/cli/exit-code.js";
import { runCli } from "../support/run-cli.js";

describe("describeError", () => {
  it("takes citty's colour codes out of its usage errors", () => {
    const usage = Object.assign(new Error("Unknown command \u001b[36mx.html\u001b[39m"), {
      name: "CLIError",
    });
    expect(describeError(usage)).toBe("modelscout: Unknown command x.html (see --help)");
    expect(exitCodeFor(usage)).toBe(2);
  });

  it("prints a usage error without escape codes when stderr is not a terminal", async () => {
    // Without NO_COLOR, as users run it.
    const result = await runCli(["decisions", "x.html"], { NO_COLOR: undefined });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown command x.html");
    expect(result.stderr).not.toContain("\u001b");
  }, 60_000);
});
