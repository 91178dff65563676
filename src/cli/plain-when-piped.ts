/**
 * @module
 * Imported first by the executable: when stdout is not a terminal (a pipe, a file, a CI log),
 * `--help` is printed without colour codes. citty decides once, as it loads, from `NO_COLOR`
 * (and `TERM=dumb`, `CI`), not from whether stdout is a terminal. `FORCE_COLOR` or an explicit
 * `NO_COLOR` is left as the user set it.
 */
if (
  process.stdout.isTTY !== true &&
  process.env.NO_COLOR === undefined &&
  process.env.FORCE_COLOR === undefined
) {
  process.env.NO_COLOR = "1";
}
