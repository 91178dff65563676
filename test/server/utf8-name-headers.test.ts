/**
 * The name headers (`x-modelscout-domain`, `x-modelscout-session`, `x-modelscout-language`)
 * sent as UTF-8, as curl and most HTTP clients send a non-ASCII value: Node reads a header's
 * bytes as Latin-1, so without decoding them again a domain of `客服` was learned and logged
 * as `å®¢æ`, and `modelscout requests export --domain 客服` found none of its requests.
 */
import { mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { type Json, loggedRow } from "./routing-test-support.js";

let server: RoutingServer;

beforeAll(async () => {
  server = await startRoutingServer({
    config: parseRoutesConfig({
      models: [
        { id: "echo:zh", kind: "echo" },
        { id: "echo:en", kind: "echo" },
      ],
      routes: [
        {
          name: "desk",
          targets: {
            "text-generation": {
              candidates: [
                { model: "echo:en", languages: ["en"] },
                { model: "echo:zh", languages: ["zh"] },
              ],
            },
          },
        },
      ],
    }),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-utf8-headers-")), "state.db"),
  });
});

afterAll(async () => {
  await server?.close();
});

/**
 * POSTs a chat over a raw socket, each header value written as the given bytes (Node's own
 * client would re-encode them), and reads the answer's status and JSON body.
 */
function chatWithRawHeaders(
  headers: Record<string, Buffer>,
): Promise<{ status: number; json: Json }> {
  const url = new URL(server.url);
  const body = Buffer.from(
    JSON.stringify({ model: "desk", messages: [{ role: "user", content: "hi" }] }),
  );
  const head = Buffer.concat([
    Buffer.from(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\n` +
        `content-type: application/json\r\ncontent-length: ${body.length}\r\n`,
    ),
    ...Object.entries(headers).map(([name, value]) =>
      Buffer.concat([Buffer.from(`${name}: `), value, Buffer.from("\r\n")]),
    ),
    Buffer.from("\r\n"),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.end(Buffer.concat([head, body]));
    });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(text.slice(9, 12));
      const json = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
      resolve({ status, json });
    });
  });
}

const utf8 = (text: string) => Buffer.from(text, "utf8");

describe("name headers in UTF-8", () => {
  it("keeps a Chinese domain and session as the client wrote them", async () => {
    const answer = await chatWithRawHeaders({
      "x-modelscout-domain": utf8("客服"),
      "x-modelscout-session": utf8("会话-1"),
    });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.domain).toBe("客服");
    const row = await loggedRow(server.url, answer.json.modelscout.request_id);
    expect(row.domain).toBe("客服");
    expect(row.session).toBe("会话-1");
  });

  it("takes a language named in its own script, 中文, to the candidate that serves it", async () => {
    const answer = await chatWithRawHeaders({ "x-modelscout-language": utf8("中文") });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.model).toBe("echo:zh");
  });

  it("quotes a language header it cannot read as the client wrote it", async () => {
    const answer = await chatWithRawHeaders({ "x-modelscout-language": utf8("克林贡语") });
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toContain('(got "克林贡语")');
  });

  it("takes a value that is not UTF-8 as Latin-1, as Node read it", async () => {
    // The single byte 0xE9, "é" in Latin-1, is no UTF-8 sequence.
    const answer = await chatWithRawHeaders({
      "x-modelscout-domain": Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.domain).toBe("café");
  });
});
