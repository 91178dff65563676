/**
 * @module
 * The message of an error about a file or input with several problems: one problem on the
 * line, as `<subject>: <problem>`; several as `<subject>: N problems:` and a line each,
 * `  - <problem>`, so that a config with five mistakes reads as a list rather than one long
 * line. Each problem names its field, as the parsers give them.
 */
export function problemsMessage(subject: string, problems: readonly string[]): string {
  if (problems.length === 1) return `${subject}: ${problems[0]}`;
  return `${subject}: ${problems.length} problems:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`;
}
