/**
 * @module
 * Reads an RFC 8288 `Link` header, the Hub's pagination signal:
 * `Link: <https://huggingface.co/api/models?limit=500&cursor=eyJ...>; rel="next"`.
 * Tolerates several links, unquoted or multi-valued `rel`, and relative targets.
 */

/** Maps each `rel` value to its absolute URL, resolved against `baseUrl`. */
export function parseLinkHeader(header: string, baseUrl: string): Map<string, string> {
  const links = new Map<string, string>();
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const target = match[1] ?? "";
    const parameters = match[2] ?? "";
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(parameters);
    const relValues = (rel?.[1] ?? rel?.[2] ?? "").split(/\s+/).filter(Boolean);
    let resolved: string;
    try {
      resolved = new URL(target, baseUrl).toString();
    } catch {
      continue;
    }
    for (const value of relValues) {
      const key = value.toLowerCase();
      if (!links.has(key)) links.set(key, resolved);
    }
  }
  return links;
}
