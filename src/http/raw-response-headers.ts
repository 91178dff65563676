/**
 * @module
 * An answer's headers as the wire gave them, read only when asked for.
 */
import type { ResponseHeaders } from "./fetch-with-retry.js";

/**
 * An answer's headers as they came off the wire (name, value, name, value, ...: bytes from
 * undici, text from the lean client, `http1-client.ts`), read only when asked for: a routed
 * chat asks for none unless it has to retry. Values of a repeated name are joined with `, `,
 * as `Headers.get` does.
 */
export class RawResponseHeaders implements ResponseHeaders {
  readonly #raw: readonly (Buffer | string)[];
  constructor(raw: readonly (Buffer | string)[]) {
    this.#raw = raw;
  }
  get(name: string): string | null {
    const wanted = name.toLowerCase();
    let found: string | null = null;
    for (let index = 0; index + 1 < this.#raw.length; index += 2) {
      const field = this.#raw[index] as Buffer | string;
      if (field.length !== wanted.length) continue;
      if ((typeof field === "string" ? field : field.toString("latin1")).toLowerCase() !== wanted) {
        continue;
      }
      const raw = this.#raw[index + 1] as Buffer | string;
      const value = typeof raw === "string" ? raw : raw.toString("utf8");
      found = found === null ? value : `${found}, ${value}`;
    }
    return found;
  }
}
