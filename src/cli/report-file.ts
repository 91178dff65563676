/**
 * @module
 * The file a `--report <path>` flag names. A selection can run for minutes before its report
 * is written, so the path is checked before anything runs; a write that still fails (the
 * folder removed meanwhile, a full disk) becomes an error that names the file, raised after
 * the results are printed, never a stack trace.
 */
import { constants } from "node:fs";
import { access, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";

function reportError(
  path: string,
  problem: string,
  cause?: unknown,
  code: "INVALID_ARGUMENT" | "OUTPUT_UNWRITABLE" = "INVALID_ARGUMENT",
): ModelScoutError {
  return new ModelScoutError(code, `--report ${path}: ${problem}.`, {
    ...(cause !== undefined && { cause }),
    details: { param: "report", path },
  });
}

/**
 * Throws `INVALID_ARGUMENT` unless `path` can be written as a file: it is not a directory,
 * its directory exists, and whichever of the two the write would need is writable. Nothing
 * is created, so a run that fails later leaves no empty report behind.
 */
export async function checkReportFile(path: string): Promise<void> {
  if (path === "") {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      "--report needs the file to write the HTML report to, e.g. --report report.html.",
      { details: { param: "report" } },
    );
  }
  const target = resolve(path);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory() === true) {
    throw reportError(
      path,
      `that is a directory; name a file in it, e.g. ${join(path, "report.html")}`,
    );
  }
  const directory = dirname(target);
  const parent = await stat(directory).catch(() => undefined);
  if (parent === undefined) {
    throw reportError(
      path,
      `the directory ${directory} does not exist; create it first, or write the report elsewhere`,
    );
  }
  if (!parent.isDirectory()) throw reportError(path, `${directory} is not a directory`);
  try {
    await access(existing === undefined ? directory : target, constants.W_OK);
  } catch (error) {
    throw reportError(
      path,
      existing === undefined
        ? `the directory ${directory} is not writable; write the report elsewhere`
        : "the file exists and is not writable; write the report elsewhere",
      error,
    );
  }
}

/**
 * Writes the report, or throws `OUTPUT_UNWRITABLE` naming the file and the reason (not a
 * usage error: the path passed `checkReportFile`, and the disk filled or the folder went
 * since); `decisionId` says how to write it again from the stored decision.
 */
export async function writeReportFile(
  path: string,
  html: string,
  decisionId?: string,
): Promise<void> {
  try {
    await writeFile(path, html);
  } catch (error) {
    const again =
      decisionId === undefined
        ? ""
        : `; the decision is stored, so write its report elsewhere with \`modelscout decisions show ${decisionId} --report <file>\``;
    throw reportError(
      path,
      `the report could not be written (${errorMessage(error)})${again}`,
      error,
      "OUTPUT_UNWRITABLE",
    );
  }
}
