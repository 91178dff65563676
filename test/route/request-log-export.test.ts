/**
 * The request log as sample data (`exportRequestLog`, ADR 0056) on a real state database:
 * which feedback labels an item, what is left out and counted, duplicates, the window, the
 * route, the domain and the limit, and the tasks it refuses.
 */
import { afterAll, describe, expect, it } from "vitest";
import { exportRequestLog } from "../../src/route/request-log-export.js";
import { type RequestLogRow, RoutingStore } from "../../src/route/routing-store.js";
import { openStateDatabase } from "../../src/state/state-database.js";
import { requestLogRow } from "../support/request-log-row.js";

const database = openStateDatabase({ path: ":memory:" });
const store = new RoutingStore(database, { writer: "main-thread" });
afterAll(() => {
  store.close();
  database.close();
});

let minute = 0;
/** A sentiment request, one minute after the previous one. */
const classified = (id: string, input: string | null, fields: Partial<RequestLogRow> = {}) => {
  minute += 1;
  store.logRequest(
    requestLogRow(id, {
      createdAt: new Date(Date.UTC(2026, 11, 1, 0, minute)).toISOString(),
      endpoint: "tasks",
      task: "text-classification",
      route: "sentiment",
      model: "npm:sentiment",
      inputText: input,
      outputLabel: "positive",
      outputText: "positive",
      ...fields,
    }),
  );
};
const feedback = (
  requestId: string,
  fields: { correct?: boolean; label?: string; rating?: number },
) =>
  store.recordFeedback({
    requestId,
    createdAt: "2026-12-01T12:00:00.000Z",
    rating: fields.rating ?? null,
    correct: fields.correct ?? null,
    label: fields.label ?? null,
    latencyMs: null,
    reward: null,
  });

classified("req_label", "The mic is great.");
classified("req_right", "Works as described.");
classified("req_wrong", "What a waste of money.");
classified("req_rated", "It is fine I guess.");
classified("req_none", "No feedback here.");
classified("req_fixed", "Loud and clear.");
classified("req_cut", "x".repeat(40));
classified("req_notext", null);
classified("req_dup1", "Broke in a week.");
classified("req_dup2", "Broke in a week.");
classified("req_other_route", "Great value.", { route: "reviews", domain: "en" });
classified("req_chat", "Where is my parcel?", { endpoint: "chat.completions" });
store.logRequest(
  requestLogRow("req_gen", {
    createdAt: "2026-12-01T01:00:00.000Z",
    endpoint: "tasks",
    task: "summarization",
    route: "summaries",
    inputText: "An article.",
    outputText: "Parcels, parcels and more parcels.",
  }),
);
store.flush();
feedback("req_label", { label: "positive" });
feedback("req_right", { correct: true });
feedback("req_wrong", { correct: false });
feedback("req_rated", { rating: 4 });
// A later correction replaces the earlier verdict.
feedback("req_fixed", { correct: true });
feedback("req_fixed", { correct: false, label: "neutral" });
feedback("req_cut", { label: "negative" });
feedback("req_notext", { label: "negative" });
feedback("req_dup1", { label: "negative" });
feedback("req_dup2", { label: "neutral" });
feedback("req_other_route", { label: "positive" });
feedback("req_chat", { label: "delivery" });
feedback("req_gen", { correct: true });

const LOG_CHARS = 40;

describe("exportRequestLog", () => {
  it("labels items from the latest feedback's label or a correct answer, and counts the rest", () => {
    const result = exportRequestLog(database, {
      task: "text-classification",
      logTextChars: LOG_CHARS,
    });
    expect(
      result.items.map((item) => [item.request_id, item.text, item.label, item.label_from]),
    ).toEqual([
      ["req_label", "The mic is great.", "positive", "label"],
      ["req_right", "Works as described.", "positive", "correct"],
      ["req_fixed", "Loud and clear.", "neutral", "label"],
      // The later of the two requests with one input, with its own label.
      ["req_dup2", "Broke in a week.", "neutral", "label"],
      ["req_other_route", "Great value.", "positive", "label"],
    ]);
    expect(result.items[0]).toMatchObject({
      route: "sentiment",
      model: "npm:sentiment",
      created_at: "2026-12-01T00:01:00.000Z",
    });
    // req_chat: a chat request is never exported, but counted.
    expect(result.otherEndpoints).toBe(1);
    expect(result.left).toEqual({
      wrongWithoutLabel: 1,
      // req_rated (a rating says nothing of the class) and req_none.
      unlabelled: 2,
      noText: 1,
      possiblyCut: 1,
      duplicates: 1,
      conflicting: 1,
      pastLimit: 0,
    });
    // Every task request of the window, the chat one aside.
    expect(result.read).toBe(11);
  });

  it("keeps a route, a window and the most recent items within a limit", () => {
    const onRoute = exportRequestLog(database, {
      task: "text-classification",
      route: "reviews",
      logTextChars: LOG_CHARS,
    });
    expect(onRoute.items.map((item) => item.request_id)).toEqual(["req_other_route"]);
    const inDomain = exportRequestLog(database, {
      task: "text-classification",
      domain: "en",
      logTextChars: LOG_CHARS,
    });
    expect(inDomain.items.map((item) => item.request_id)).toEqual(["req_other_route"]);
    expect(inDomain.read).toBe(1);

    const late = exportRequestLog(database, {
      task: "text-classification",
      from: "2026-12-01T00:06:00.000Z",
      to: "2026-12-01T00:11:00.000Z",
      logTextChars: LOG_CHARS,
    });
    expect(late.items.map((item) => item.request_id)).toEqual(["req_fixed", "req_dup2"]);

    const limited = exportRequestLog(database, {
      task: "text-classification",
      limit: 2,
      logTextChars: LOG_CHARS,
    });
    expect(limited.items.map((item) => item.request_id)).toEqual(["req_dup2", "req_other_route"]);
    expect(limited.left.pastLimit).toBe(3);
  });

  it("gives the unlabelled requests too when asked, without replacing a labelled repeat", () => {
    const result = exportRequestLog(database, {
      task: "text-classification",
      includeUnlabelled: true,
      logTextChars: LOG_CHARS,
    });
    const labels = Object.fromEntries(result.items.map((item) => [item.request_id, item.label]));
    expect(labels).toEqual({
      req_label: "positive",
      req_right: "positive",
      req_wrong: null,
      req_rated: null,
      req_none: null,
      req_fixed: "neutral",
      req_dup2: "neutral",
      req_other_route: "positive",
    });
    expect(result.left.wrongWithoutLabel).toBe(0);
    expect(result.left.unlabelled).toBe(0);
  });

  it("takes an accepted answer's text as a generation task's reference", () => {
    const result = exportRequestLog(database, { task: "summarization", logTextChars: LOG_CHARS });
    expect(result.items).toMatchObject([
      { request_id: "req_gen", text: "An article.", label: "Parcels, parcels and more parcels." },
    ]);
    // An accepted answer the log may have cut (as long as it keeps) is no reference.
    const cut = exportRequestLog(database, { task: "summarization", logTextChars: 20 });
    expect(cut.items).toEqual([]);
    expect(cut.left.possiblyCut).toBe(1);
  });

  it("reads the log in chunks, each after the last row of the one before, to the same items", () => {
    const optionSets = [
      {},
      { includeUnlabelled: true },
      { route: "sentiment", limit: 2 },
      { from: "2026-12-01T00:03:00.000Z" },
    ];
    for (const options of optionSets) {
      const whole = exportRequestLog(database, {
        task: "text-classification",
        logTextChars: LOG_CHARS,
        ...options,
      });
      for (const chunkRows of [1, 2, 3, 5]) {
        expect(
          exportRequestLog(database, {
            task: "text-classification",
            logTextChars: LOG_CHARS,
            chunkRows,
            ...options,
          }),
        ).toEqual(whole);
      }
    }
    // Requests logged in the same millisecond: the chunks go on by their log order.
    const tied = openStateDatabase({ path: ":memory:" });
    const tiedStore = new RoutingStore(tied, { writer: "main-thread" });
    try {
      for (let index = 0; index < 7; index++) {
        tiedStore.logRequest(
          requestLogRow(`req_tie${index}`, {
            createdAt: "2026-12-01T00:00:00.000Z",
            endpoint: "tasks",
            task: "text-classification",
            inputText: `input ${index}`,
          }),
        );
      }
      tiedStore.flush();
      for (let index = 0; index < 7; index += 2) {
        tiedStore.recordFeedback({
          requestId: `req_tie${index}`,
          createdAt: "2026-12-01T12:00:00.000Z",
          rating: null,
          correct: null,
          label: `label ${index}`,
          latencyMs: null,
          reward: null,
        });
      }
      const read = (chunkRows: number) =>
        exportRequestLog(tied, { task: "text-classification", logTextChars: 100, chunkRows });
      expect(read(2)).toEqual(read(100));
      expect(read(2).items.map((item) => item.label)).toEqual([
        "label 0",
        "label 2",
        "label 4",
        "label 6",
      ]);
      expect(read(3).left.unlabelled).toBe(3);
    } finally {
      tiedStore.close();
      tied.close();
    }
    expect(() =>
      exportRequestLog(database, {
        task: "text-classification",
        logTextChars: LOG_CHARS,
        chunkRows: 0,
      }),
    ).toThrow(/chunkRows must be a whole number above 0/);
  });

  it("refuses tasks whose requests the log keeps too little of, saying why", () => {
    expect(() =>
      exportRequestLog(database, { task: "image-classification", logTextChars: LOG_CHARS }),
    ).toThrow(/image-classification cannot be exported as sample data: its inputs are images/);
    expect(() =>
      exportRequestLog(database, { task: "zero-shot-classification", logTextChars: LOG_CHARS }),
    ).toThrow(/candidate labels/);
  });
});
