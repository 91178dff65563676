/**
 * The request log keeps at most `log_text_chars` of each text, redacted: with the default
 * redaction it reads only about that much of a long prompt or answer
 * (`createPrefixRedactor`); a redaction hook without `prefix` still sees the whole text.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PREFIX_MARGIN } from "../../src/privacy/redact-personal-data.js";
import { parseRoutesConfig, type RoutesConfigInput } from "../../src/route/routes-config.js";
import { type RedactText, redactPersonalText } from "../../src/server/create-routing-app.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { loggedRow, postJson } from "./routing-test-support.js";

const config: RoutesConfigInput = {
  default_route: "desk",
  models: [{ id: "echo:desk", kind: "echo", template: "{{input}}" }],
  routes: [
    {
      name: "desk",
      targets: { "text-generation": { policy: "fixed", candidates: ["echo:desk"] } },
    },
  ],
  server: { log_text_chars: 300 },
};

let server: RoutingServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(redactText?: RedactText): Promise<string> {
  server = await startRoutingServer({
    config: parseRoutesConfig(config),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-log-text-")), "state.db"),
    ...(redactText !== undefined && { redactText }),
  });
  return server.url;
}

/** A prompt of `length` characters with an address at its start, astride 300 and at its end. */
function longPrompt(length: number): string {
  const filler = "where is my parcel, it was due yesterday. ";
  let text = "mail ann@example.com about it. ";
  while (text.length < 290) text += filler;
  text = `${text.slice(0, 290)}bob@example.org `;
  while (text.length < length - 40) text += filler;
  return `${text}and cc carol@example.net`;
}

describe("request log text", () => {
  it("keeps log_text_chars of a long prompt and answer, redacted as if read whole", async () => {
    const base = await start();
    const prompt = longPrompt(200_000);
    const answer = await postJson(`${base}/v1/chat/completions`, {
      model: "auto",
      messages: [{ role: "user", content: prompt }],
    });
    expect(answer.status).toBe(200);
    expect(answer.json.choices[0].message.content).toBe(prompt);
    const row = await loggedRow(base, answer.json.modelscout.request_id);
    const whole = redactPersonalText()(prompt, { field: "input", requestId: "" }).slice(0, 300);
    expect(row.input_text).toBe(whole);
    expect(row.output_text).toBe(whole);
    expect(row.input_text).toHaveLength(300);
    expect(row.input_text).toMatch(/^mail \[EMAIL\] about it\./);
    expect(row.input_text).not.toMatch(/@|bob/);
  });

  it("gives a redaction hook without prefix the whole text, then clips", async () => {
    const seen: number[] = [];
    const base = await start((text) => {
      seen.push(text.length);
      return text.replaceAll("example", "[domain]");
    });
    const prompt = longPrompt(300 + PREFIX_MARGIN + 5000);
    const answer = await postJson(`${base}/v1/chat/completions`, {
      model: "auto",
      messages: [{ role: "user", content: prompt }],
    });
    const row = await loggedRow(base, answer.json.modelscout.request_id);
    expect(seen).toEqual([prompt.length, prompt.length]);
    expect(row.input_text).toBe(prompt.replaceAll("example", "[domain]").slice(0, 300));
  });

  it("clips through a hook's prefix when it has one, with log_text_chars", async () => {
    const calls: string[] = [];
    const hook: RedactText = Object.assign(
      (text: string) => {
        calls.push(`whole ${text.length}`);
        return text;
      },
      {
        prefix: (text: string, keep: number, context: { field: string }) => {
          calls.push(`prefix ${context.field} ${text.length} ${keep}`);
          return text.slice(0, keep).toUpperCase();
        },
      },
    );
    const base = await start(hook);
    const prompt = longPrompt(5000);
    const answer = await postJson(`${base}/v1/chat/completions`, {
      model: "auto",
      messages: [{ role: "user", content: prompt }],
    });
    const row = await loggedRow(base, answer.json.modelscout.request_id);
    expect(calls).toEqual([
      `prefix input ${prompt.length} 300`,
      `prefix output ${prompt.length} 300`,
    ]);
    expect(row.input_text).toBe(prompt.slice(0, 300).toUpperCase());
  });

  it("says on /ready where the log's texts are redacted", async () => {
    const base = await start();
    // The writer thread loads its redactor shortly after the start; until then the event loop
    // redacts (ADR 0085).
    let ready: Record<string, unknown> = {};
    for (let waited = 0; waited < 10_000; waited += 20) {
      ready = (await (await fetch(`${base}/ready`)).json()) as Record<string, unknown>;
      if (ready.log_redaction !== "main-thread") break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(ready.log_redaction).toBe("writer");
    expect(ready).not.toHaveProperty("log_redaction_error");
    await server?.close();
    // A hook of the caller's runs on the event loop: nothing to say.
    const hooked = await start((text) => text);
    const hookedReady = (await (await fetch(`${hooked}/ready`)).json()) as Record<string, unknown>;
    expect(hookedReady.ready).toBe(true);
    expect(hookedReady).not.toHaveProperty("log_redaction");
  });
});
