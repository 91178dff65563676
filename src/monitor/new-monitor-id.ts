/**
 * @module
 * Ids for alerts (`alt_`) and review items (`rev_`): a prefix, the time in base 36 (so ids sort
 * by creation) and a random suffix.
 */
import { randomBytes } from "node:crypto";

export function newMonitorId(prefix: "alt" | "rev", now: Date = new Date()): string {
  const time = now.getTime().toString(36).padStart(9, "0");
  return `${prefix}_${time}${randomBytes(5).toString("hex")}`;
}
