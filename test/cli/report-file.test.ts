import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { checkReportFile, writeReportFile } from "../../src/cli/report-file.js";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { runCli } from "../support/run-cli.js";

/** A spec without data: ranked by priors in seconds, no model loaded. */
const NO_DATA_SPEC = fileURLToPath(
  new URL("../../examples/text-generation-zh/task.json", import.meta.url),
);
/** Opens for writing and fails every write with ENOSPC: a full disk, after any check. */
const FULL_DISK = "/dev/full";

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "ms-report-file-"));
});

async function rejection(promise: Promise<unknown>): Promise<ModelScoutError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!ModelScoutError.isInstance(error)) throw new Error(`expected a ModelScoutError: ${error}`);
  return error;
}

describe("checkReportFile", () => {
  it("passes a new file in an existing folder, and an existing file, creating nothing", async () => {
    const folder = mkdtempSync(join(work, "ok-"));
    await expect(checkReportFile(join(folder, "report.html"))).resolves.toBeUndefined();
    expect(readdirSync(folder)).toEqual([]);
    writeFileSync(join(folder, "old.html"), "old");
    await expect(checkReportFile(join(folder, "old.html"))).resolves.toBeUndefined();
    expect(readFileSync(join(folder, "old.html"), "utf8")).toBe("old");
  });

  it("refuses a path in a missing folder, naming the folder", async () => {
    const path = join(work, "missing", "report.html");
    const error = await rejection(checkReportFile(path));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toBe(
      `--report ${path}: the directory ${join(work, "missing")} does not exist; create it first, or write the report elsewhere.`,
    );
  });

  it("refuses a directory, and a path under a file", async () => {
    const directory = await rejection(checkReportFile(work));
    expect(directory.code).toBe("INVALID_ARGUMENT");
    expect(directory.message).toBe(
      `--report ${work}: that is a directory; name a file in it, e.g. ${join(work, "report.html")}.`,
    );
    const file = join(work, "plain.txt");
    writeFileSync(file, "");
    const underFile = await rejection(checkReportFile(join(file, "report.html")));
    expect(underFile.message).toContain(`${file} is not a directory`);
  });

  it("refuses an empty path", async () => {
    const error = await rejection(checkReportFile(""));
    expect(error.message).toBe(
      "--report needs the file to write the HTML report to, e.g. --report report.html.",
    );
  });
});

describe("writeReportFile", () => {
  it("turns a failed write into an error that names the file and how to write it again", async () => {
    const error = await rejection(writeReportFile(FULL_DISK, "<html></html>", "dec_x"));
    expect(error.code).toBe("OUTPUT_UNWRITABLE");
    expect(error.message).toMatch(
      /^--report \/dev\/full: the report could not be written \(ENOSPC: .*\); the decision is stored, so write its report elsewhere with `modelscout decisions show dec_x --report <file>`\.$/,
    );
  });
});

describe("select and decisions show --report", () => {
  it("refuses an unwritable report path before the run, storing nothing", async () => {
    const home = mkdtempSync(join(work, "home-"));
    for (const path of [join(work, "no-such-folder", "x.html"), work]) {
      const result = await runCli(["select", NO_DATA_SPEC, "--report", path], {
        MODELSCOUT_HOME: home,
      });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/^modelscout: --report .*(does not exist|is a directory)/);
      expect(result.stderr).not.toContain("unexpected error");
      // The check came before the run: no candidates filtered, no decision stored.
      expect(result.stderr).not.toContain("candidates passed the filters");
    }
    expect(existsSync(join(home, "state.db"))).toBe(false);
  }, 120_000);

  it("prints the results when the report still cannot be written, then the error", async () => {
    const home = mkdtempSync(join(work, "home-"));
    const result = await runCli(["select", NO_DATA_SPEC, "--report", FULL_DISK], {
      MODELSCOUT_HOME: home,
    });
    expect(result.stderr).not.toContain("unexpected error");
    // Not a usage error: the path passed the check, the disk was full (sysexits EX_CANTCREAT).
    expect(result.code).toBe(73);
    expect(result.stdout).toContain("Winner:");
    const id = /Decision (dec_\w+) stored \(modelscout decisions show dec_\w+\)\.\n$/.exec(
      result.stdout,
    )?.[1];
    expect(id).toBeDefined();
    expect(result.stderr).toContain(
      `modelscout: --report /dev/full: the report could not be written (ENOSPC`,
    );
    expect(result.stderr).toContain(`modelscout decisions show ${id} --report <file>`);

    const report = join(work, "shown.html");
    const written = await runCli(["decisions", "show", id ?? "", "--report", report], {
      MODELSCOUT_HOME: home,
    });
    expect(written.code).toBe(0);
    expect(readFileSync(report, "utf8")).toContain("<html");

    const directory = await runCli(["decisions", "show", id ?? "", "--report", work], {
      MODELSCOUT_HOME: home,
    });
    expect(directory.code).toBe(2);
    expect(directory.stdout).toBe("");
    expect(directory.stderr).toContain("that is a directory");

    const full = await runCli(["decisions", "show", id ?? "", "--report", FULL_DISK, "--json"], {
      MODELSCOUT_HOME: home,
    });
    expect(full.code).toBe(73);
    expect(JSON.parse(full.stdout)).toMatchObject({ id });
    expect(full.stderr).toMatch(
      /^modelscout: --report \/dev\/full: the report could not be written \(ENOSPC/,
    );
    expect(full.stderr).not.toContain("unexpected error");
  }, 120_000);
});
