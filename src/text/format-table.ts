/**
 * @module
 * Plain-text tables and human-friendly numbers for terminal output. Small enough that a
 * table library would weigh more than it saves (the edge install counts every dependency).
 * Widths are terminal columns (`text/display-width.ts`), so Chinese cells line up.
 */
import { displayWidth, padToWidth, sliceToWidth } from "./display-width.js";

export interface TableColumn<Row> {
  header: string;
  value: (row: Row) => string;
  align?: "left" | "right";
  /** Longer cells are cut with an ellipsis. */
  maxWidth?: number;
}

function truncateCell(text: string, maxWidth: number | undefined): string {
  if (maxWidth === undefined || displayWidth(text) <= maxWidth) return text;
  return `${sliceToWidth(text, Math.max(1, maxWidth - 1))}…`;
}

export function formatTable<Row>(
  rows: readonly Row[],
  columns: readonly TableColumn<Row>[],
): string {
  const cells = rows.map((row) =>
    columns.map((column) => truncateCell(column.value(row), column.maxWidth)),
  );
  const widths = columns.map((column, index) =>
    Math.max(displayWidth(column.header), ...cells.map((line) => displayWidth(line[index] ?? ""))),
  );
  const render = (line: readonly string[]) =>
    line
      .map((cell, index) => {
        return padToWidth(cell, widths[index] ?? 0, columns[index]?.align ?? "left");
      })
      .join("  ")
      .trimEnd();
  const header = render(columns.map((column) => column.header));
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [header, rule, ...cells.map(render)].join("\n");
}

export { formatCount } from "../text/format-count.js";

export function formatBytes(value: number | null): string {
  if (value === null) return "?";
  if (value >= 1e9) return `${(value / 1e9).toFixed(value >= 1e10 ? 0 : 1)} GB`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 0 : 1)} MB`;
  return `${Math.max(1, Math.round(value / 1e3))} kB`;
}

export function formatMs(value: number | null): string {
  if (value === null) return "?";
  if (value >= 1000) return `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)} s`;
  if (value >= 10) return `${value.toFixed(0)} ms`;
  if (value >= 1) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

/** US dollars: cents to two places, smaller sums to what shows; null → "-". */
export function formatUsd(value: number | null): string {
  if (value === null) return "-";
  return value === 0 || value >= 0.01 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`;
}

/** An ISO time to the second, as tables print it (`2026-12-02 11:25:36`, UTC). */
export function formatUtcSeconds(iso: string): string {
  return iso.replace("T", " ").slice(0, 19);
}
