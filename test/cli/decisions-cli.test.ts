import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DecisionStore } from "../../src/select/decision-store.js";
import { buildDecision } from "../select/report/decision-fixture.js";
import { runCli } from "../support/run-cli.js";

describe("modelscout decisions --task", () => {
  it("takes a task alias, as select does, and rejects an unknown task", async () => {
    const home = mkdtempSync(join(tmpdir(), "ms-decisions-cli-"));
    const decision = buildDecision();
    const store = DecisionStore.open({ path: join(home, "state.db") });
    store.save(decision, null);
    store.close();
    const task = decision.resolved.task;
    expect(task).toBe("text-classification");

    const byAlias = await runCli(["decisions", "--task", "sentiment"], { MODELSCOUT_HOME: home });
    expect(byAlias.code).toBe(0);
    expect(byAlias.stdout).toContain(decision.id);

    const other = await runCli(["decisions", "--task", "translation"], { MODELSCOUT_HOME: home });
    expect(other.code).toBe(0);
    expect(other.stdout).toContain("No decisions for translation yet");

    const typo = await runCli(["decisions", "--task", "sentimnt"], { MODELSCOUT_HOME: home });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean "sentiment"?');
  }, 60_000);
});

describe("modelscout decisions --limit", () => {
  it("says when there are more decisions than it lists", async () => {
    const home = mkdtempSync(join(tmpdir(), "ms-decisions-cli-"));
    const store = DecisionStore.open({ path: join(home, "state.db") });
    for (const id of ["dec_a", "dec_b", "dec_c"]) store.save({ ...buildDecision(), id }, null);
    store.close();
    const some = await runCli(["decisions", "--limit", "2"], { MODELSCOUT_HOME: home });
    expect(some.code).toBe(0);
    expect(some.stdout).toContain("The newest 2 are shown; there are more (--limit N shows more).");
    const all = await runCli(["decisions", "--limit", "3"], { MODELSCOUT_HOME: home });
    expect(all.stdout).not.toContain("there are more");
  }, 60_000);
});

describe("modelscout decisions: the winner column", () => {
  it("prints a long winner id whole, so it can be copied", async () => {
    const home = mkdtempSync(join(tmpdir(), "ms-decisions-cli-"));
    const longId = `local:${"/models/finance-team/experiments".repeat(3)}/distilbert-sentiment-onnx`;
    expect(longId.length).toBeGreaterThan(100);
    const store = DecisionStore.open({ path: join(home, "state.db") });
    const decision = buildDecision();
    store.save({ ...decision, winner: { ...decision.winner, id: longId } }, null);
    store.close();
    const listed = await runCli(["decisions"], { MODELSCOUT_HOME: home });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(longId);
  }, 60_000);
});

describe("the README's decisions row", () => {
  it("offers --report only on decisions show <id>, the one form that takes it", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const row = readme.split("\n").find((line) => line.startsWith("| `modelscout decisions"));
    const forms = [...(row ?? "").matchAll(/`(modelscout decisions[^`]*)`/g)].map(
      (match) => match[1] ?? "",
    );
    expect(forms.length).toBeGreaterThan(0);
    for (const form of forms) {
      if (form.includes("--report")) expect(form).toMatch(/^modelscout decisions show <id> /);
    }
  });
});
