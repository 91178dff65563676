import { describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";

// Nothing that turns colour off on its own: a pipe is the only hint.
const PIPED = { NO_COLOR: undefined, TEST: undefined, CI: undefined, TERM: "xterm-256color" };
const ESCAPE = "\u001b[";

describe("modelscout --help", () => {
  it("prints no colour codes into a pipe", async () => {
    const help = await runCli(["--help"], { ...PIPED, FORCE_COLOR: undefined });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("USAGE modelscout");
    expect(help.stdout).not.toContain(ESCAPE);
  }, 60_000);

  it("keeps them when FORCE_COLOR asks for them", async () => {
    const help = await runCli(["select", "--help"], { ...PIPED, FORCE_COLOR: "1" });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(ESCAPE);
  }, 60_000);
});
