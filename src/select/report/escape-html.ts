/**
 * @module
 * HTML escaping for every string a report takes from a decision. Model ids, data paths,
 * error messages and spec text are user input (or come from model servers): without this a
 * model id such as `<script>...` would run in the reader's browser. The five characters
 * below cover text and double- or single-quoted attribute values.
 */

const REPLACEMENTS: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => REPLACEMENTS[character] ?? character);
}
