/**
 * @module
 * A `multipart/form-data` body (RFC 7578) as bytes, for uploads to model servers (OpenAI's
 * `/audio/transcriptions`). Written here rather than with `FormData`: the routing server's
 * calls go through undici's dispatcher (ADR 0020), which sends bytes, and a form of a few
 * fields and one file is a few lines.
 */
import { randomBytes } from "node:crypto";

export interface MultipartField {
  name: string;
  value: string | Uint8Array;
  /** For a file: its name and type. */
  fileName?: string;
  contentType?: string;
}

export interface MultipartForm {
  bytes: Uint8Array;
  /** `multipart/form-data; boundary=...` */
  contentType: string;
}

/** Quotes a name for a Content-Disposition parameter (quotes and line breaks escaped). */
function quoted(value: string): string {
  return `"${value.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A")}"`;
}

export function multipartForm(fields: readonly MultipartField[]): MultipartForm {
  const boundary = `----modelscout${randomBytes(12).toString("hex")}`;
  const parts: Buffer[] = [];
  for (const field of fields) {
    const disposition = `form-data; name=${quoted(field.name)}${field.fileName === undefined ? "" : `; filename=${quoted(field.fileName)}`}`;
    const type = field.contentType === undefined ? "" : `Content-Type: ${field.contentType}\r\n`;
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    parts.push(
      typeof field.value === "string" ? Buffer.from(field.value) : Buffer.from(field.value),
    );
    parts.push(Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { bytes: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
