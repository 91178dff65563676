/**
 * @module
 * Lazy loading of the optional npm packages that hold pretrained models. They are optional
 * dependencies so a lean install stays lean; a missing one becomes a `BACKEND_UNAVAILABLE`
 * error that says which package to install, instead of a module-resolution stack trace.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { z } from "zod";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { PackageVersion } from "../model-artifact.js";

const require = createRequire(import.meta.url);

function isModuleNotFound(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  // Only the package itself missing means "install it"; a missing file inside an installed
  // package is a broken install and keeps its own message.
  const specifierRoot = packageName.split("/").slice(0, packageName.startsWith("@") ? 2 : 1);
  return error.message.includes(`'${specifierRoot.join("/")}`);
}

/** `BACKEND_UNAVAILABLE`: `modelId` needs `packageName`, which is not installed. */
function unavailable(packageName: string, modelId: string, cause: unknown): ModelScoutError {
  const root = packageName.startsWith("@")
    ? packageName.split("/").slice(0, 2).join("/")
    : (packageName.split("/")[0] ?? packageName);
  return new ModelScoutError(
    "BACKEND_UNAVAILABLE",
    `${modelId} needs the optional package "${root}", which is not installed: run \`npm install ${root}\` and try again.`,
    { cause, details: { modelId, package: root } },
  );
}

/**
 * `import(specifier)` for an optional package. The specifier is a variable on purpose: the
 * package's shape is checked by the caller (the packages ship no or loose types), and
 * bundlers must not pull it into a lean build.
 */
export async function importOptionalPackage(specifier: string, modelId: string): Promise<unknown> {
  try {
    return await import(specifier);
  } catch (error) {
    throw optionalImportFailure(error, specifier, modelId);
  }
}

/** What a failed `import(specifier)` of an optional package throws: "install it", or the error itself. */
export function optionalImportFailure(error: unknown, specifier: string, modelId: string): unknown {
  return isModuleNotFound(error, specifier) ? unavailable(specifier, modelId, error) : error;
}

const installed = new Map<string, boolean>();

/**
 * Whether `packageName` is installed where `import(packageName)` from here looks for it (the
 * `node_modules` folders from here upwards), without importing it. Asked once per package
 * and process.
 */
export function isPackageInstalled(packageName: string): boolean {
  let known = installed.get(packageName);
  if (known === undefined) {
    known = packageJsonPaths(packageName).some((file) => existsSync(file));
    installed.set(packageName, known);
  }
  return known;
}

/**
 * Where `packageName`'s package.json would be, in the order Node looks a bare name up from
 * here (the `node_modules` folders upwards), not through the package's `exports`, which often
 * hide package.json.
 */
function packageJsonPaths(packageName: string): string[] {
  return (require.resolve.paths(packageName) ?? []).map((directory) =>
    path.join(directory, ...packageName.split("/"), "package.json"),
  );
}

/**
 * Of `packages`, those not installed, as a reason a model cannot run here ("needs the optional
 * package ... run `npm install ...`"); null when all are (`BackendProvider.unavailable`).
 */
export function missingPackagesReason(packages: readonly string[]): string | null {
  const missing = [...new Set(packages)].filter((name) => !isPackageInstalled(name));
  if (missing.length === 0) return null;
  const names = missing.map((name) => `"${name}"`).join(", ");
  return missing.length === 1
    ? `needs the optional package ${names}, which is not installed: run \`npm install ${missing[0]}\``
    : `needs the optional packages ${names}, which are not installed: run \`npm install ${missing.join(" ")}\``;
}

/** The folder of an installed optional package, for model files it ships beside its code. */
export function optionalPackageDirectory(packageName: string, modelId: string): string {
  try {
    return path.dirname(require.resolve(`${packageName}/package.json`));
  } catch (error) {
    // Some packages' `exports` hide package.json; their entry point is enough to find them.
    try {
      let directory = path.dirname(require.resolve(packageName));
      while (path.basename(directory) !== packageName.split("/").at(-1)) {
        const parent = path.dirname(directory);
        if (parent === directory) throw error;
        directory = parent;
      }
      return directory;
    } catch {
      throw unavailable(packageName, modelId, error);
    }
  }
}

/** A clear error when an installed package does not have the API this adapter was written for. */
export function incompatiblePackage(packageName: string, modelId: string, expected: string) {
  return new ModelScoutError(
    "BACKEND_UNAVAILABLE",
    `${modelId}: the installed "${packageName}" does not export ${expected}; install the version the catalog names (\`npm install ${packageName}@<version>\`).`,
    { details: { modelId, package: packageName } },
  );
}

const packageJsonSchema = z.looseObject({ name: z.string().min(1), version: z.string().min(1) });

/**
 * The name and version an installed optional package's package.json declares: the package
 * `import(name)` resolves to from here, so the version of the code that actually ran: the
 * first readable one of `packageJsonPaths`.
 */
export function installedPackageVersion(packageName: string, modelId: string): PackageVersion {
  for (const file of packageJsonPaths(packageName)) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const parsed = packageJsonSchema.safeParse(parseJson(text));
    if (!parsed.success) {
      throw new ModelScoutError(
        "BACKEND_UNAVAILABLE",
        `${modelId}: ${file} has no readable name and version, so the model's package cannot be identified; reinstall it (\`npm install ${packageName}\`).`,
        { details: { modelId, package: packageName, file } },
      );
    }
    return { name: parsed.data.name, version: parsed.data.version };
  }
  throw unavailable(packageName, modelId, new Error(`${packageName}/package.json not found`));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
