/**
 * @module
 * Shows a running `catalog sync` on stderr. On a terminal: one line redrawn in place (models
 * fetched, out of the limit when there is one, pages, rate, retries). Anywhere else (CI logs,
 * pipes): one plain line per page and per retry, so logs stay readable.
 */
import type { SyncEvent } from "../catalog/sync-catalog.js";

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface SyncProgress {
  onEvent(event: SyncEvent): void;
  /** Ends the redrawn line, if any, so later output starts on a fresh line. */
  finish(): void;
}

const BAR_WIDTH = 20;

function formatNumber(value: number): string {
  return value.toLocaleString("en-US");
}

export function syncProgress(
  stream: ProgressStream = process.stderr,
  nowMs: () => number = () => performance.now(),
): SyncProgress {
  const interactive = stream.isTTY === true;
  const startedMs = nowMs();
  let baseline = 0;
  let fetched = 0;
  let pages = 0;
  let limit: number | null = null;
  let retries = 0;
  let retryNote = "";
  let lineDrawn = false;

  const rate = () => {
    const seconds = (nowMs() - startedMs) / 1000;
    return seconds > 0 ? Math.round((fetched - baseline) / seconds) : 0;
  };

  const redraw = () => {
    const bar =
      limit === null
        ? ""
        : `[${"#".repeat(Math.round((Math.min(fetched, limit) / limit) * BAR_WIDTH)).padEnd(BAR_WIDTH, "-")}] `;
    const of = limit === null ? "" : `/${formatNumber(limit)}`;
    const parts = [
      `${bar}${formatNumber(fetched)}${of} models`,
      `${formatNumber(pages)} ${pages === 1 ? "page" : "pages"}`,
      `${formatNumber(rate())} models/s`,
      ...(retries > 0 ? [`${retries} ${retries === 1 ? "retry" : "retries"}${retryNote}`] : []),
    ];
    const line = `Syncing ${parts.join(" · ")}`;
    const width = stream.columns ?? 100;
    stream.write(`\r\x1b[2K${line.length > width - 1 ? line.slice(0, width - 1) : line}`);
    lineDrawn = true;
  };

  const say = (text: string) => {
    if (lineDrawn) {
      stream.write("\n");
      lineDrawn = false;
    }
    stream.write(`${text}\n`);
  };

  return {
    onEvent(event) {
      switch (event.type) {
        case "start":
          limit = event.limit;
          if (event.resumedFrom !== null) {
            baseline = event.resumedFrom.fetched;
            fetched = event.resumedFrom.fetched;
            pages = event.resumedFrom.pages;
            say(
              `Resuming an interrupted sync: ${formatNumber(event.resumedFrom.fetched)} models in ${formatNumber(event.resumedFrom.pages)} pages are already stored.`,
            );
          }
          break;
        case "cursor-discarded":
          say(`Starting the sync from the beginning: ${event.reason}.`);
          break;
        case "page":
          fetched = event.totals.fetched;
          pages = event.totals.pages;
          retryNote = "";
          if (interactive) redraw();
          else
            say(
              `page ${formatNumber(pages)}: ${formatNumber(event.models)} models (${formatNumber(fetched)}${limit === null ? "" : `/${formatNumber(limit)}`} total, ${formatNumber(event.totals.inserted)} new, ${formatNumber(event.totals.updated)} updated, ${formatNumber(rate())} models/s)`,
            );
          break;
        case "retry": {
          retries += 1;
          const { retry } = event;
          retryNote = `, next in ${(retry.delayMs / 1000).toFixed(1)} s (${retry.reason})`;
          if (interactive) redraw();
          else
            say(
              `retry ${retry.attempt}/${retry.maxRetries} in ${formatNumber(retry.delayMs)} ms: ${retry.reason}`,
            );
          break;
        }
        case "stopped-early":
          say(
            `Up to date from ${event.modelId} (${event.lastModified}) on: stopping early. Use --full to fetch every page.`,
          );
          break;
        case "done":
          break;
      }
    },
    finish() {
      if (lineDrawn) stream.write("\n");
      lineDrawn = false;
    },
  };
}
