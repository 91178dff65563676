/**
 * @module
 * What the PostgreSQL catalog's callers need without loading the driver: the default schema
 * and the URL as people see it.
 */

/** The schema the catalog's tables live in unless `MODELSCOUT_CATALOG_SCHEMA` names another. */
export const DEFAULT_POSTGRES_SCHEMA = "modelscout";

/** A database URL as messages and listings show it: the password, if any, masked. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unreadable URL)";
  }
}
