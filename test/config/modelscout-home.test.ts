import { mkdtempSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureModelscoutHome, modelscoutHome } from "../../src/config/modelscout-home.js";

describe("MODELSCOUT_HOME", () => {
  it("defaults to ~/.modelscout and honours the variable", () => {
    expect(modelscoutHome({})).toBe(join(homedir(), ".modelscout"));
    expect(modelscoutHome({ MODELSCOUT_HOME: "/srv/scout" })).toBe("/srv/scout");
  });

  it("creates the folder", () => {
    const home = join(mkdtempSync(join(tmpdir(), "modelscout-home-")), "a", "b");
    expect(ensureModelscoutHome(home)).toBe(home);
  });

  it("explains an unusable home", () => {
    const file = join(mkdtempSync(join(tmpdir(), "modelscout-home-")), "plain-file");
    writeFileSync(file, "x");
    expect(() => ensureModelscoutHome(file)).toThrow(/Set MODELSCOUT_HOME to a writable directory/);
    expect(() => ensureModelscoutHome(join(file, "below"))).toThrow(
      expect.objectContaining({ code: "HOME_UNWRITABLE" }),
    );
  });
});
