/**
 * The monitoring queue keeps request events as numbers until they are folded: what comes out
 * is what went in (but the request id, which no condition reads), in the order it went in.
 */
import { describe, expect, it } from "vitest";
import type { MonitorEvent } from "../../../src/monitor/monitor-event.js";
import { PendingEvents } from "../../../src/server/admin/pending-events.js";

const request = (index: number, extra: Partial<MonitorEvent> = {}): MonitorEvent =>
  ({
    kind: "request",
    at: new Date(Date.UTC(2026, 11, 1, 18, 0, 0, index * 7)).toISOString(),
    requestId: `req_${index}`,
    route: index % 2 === 0 ? "delivery" : "complaint",
    modelId: index % 3 === 0 ? "echo:delivery-desk" : "qwen",
    latencyMs: 0.25 * index,
    status: 200,
    ...extra,
  }) as MonitorEvent;

const withoutRequestId = (event: MonitorEvent): MonitorEvent => {
  const { requestId: _dropped, ...rest } = event as Extract<MonitorEvent, { kind: "request" }>;
  return rest;
};

describe("PendingEvents", () => {
  it("gives back request and other events in the order they were pushed, request ids left out", () => {
    const queue = new PendingEvents();
    const feedback: MonitorEvent = {
      kind: "feedback",
      at: "2026-12-01T18:00:00.050Z",
      requestId: "req_1",
      route: "complaint",
      modelId: "qwen",
      reward: 0.75,
    };
    const decision: MonitorEvent = {
      kind: "decision",
      at: "2026-12-01T18:00:00.060Z",
      decisionId: "dec_1",
      route: "delivery",
      task: "text-generation",
      winnerId: null,
      candidates: [],
    };
    const pushed = [
      feedback,
      request(0),
      request(1, { status: 502, error: "upstream_failed" }),
      decision,
      feedback,
      request(2),
      request(3, { status: undefined }),
      decision,
    ];
    for (const event of pushed) queue.push(event);
    expect(queue.length).toBe(pushed.length);
    const taken = queue.take();
    expect(taken).toEqual(
      pushed.map((event) => (event.kind === "request" ? withoutRequestId(event) : event)),
    );
    // Other events come back as the same objects; request events are made anew.
    expect(taken[0]).toBe(feedback);
    expect(taken[3]).toBe(decision);
    expect(queue.length).toBe(0);
    expect(queue.take()).toEqual([]);
  });

  it("grows past its first capacity and keeps times across seconds exact", () => {
    const queue = new PendingEvents();
    const pushed = Array.from({ length: 1000 }, (_, index) => request(index));
    for (const event of pushed) queue.push(event);
    // 1,000 events 7 ms apart span seconds 0-6, with millisecond parts of one, two and three digits.
    expect(queue.take()).toEqual(pushed.map(withoutRequestId));
    queue.push(request(5));
    expect(queue.take()).toEqual([withoutRequestId(request(5))]);
  });

  it("keeps an event whose time is in another layout as it is, in its place", () => {
    const queue = new PendingEvents();
    const odd = request(1, { at: "2026-12-01T18:00:00Z" });
    const extendedYear = request(2, { at: "+012026-12-01T18:00:00.000Z" });
    const endOfDay = request(4, { at: "2026-12-01T24:00:00.000Z" });
    // Same second as request(0), so only its milliseconds would be read: they must be digits.
    const badMilliseconds = request(5, { at: "2026-12-01T18:00:00.0x0Z" });
    const pushed = [request(0), odd, extendedYear, request(3), endOfDay, badMilliseconds];
    for (const event of pushed) queue.push(event);
    const taken = queue.take();
    expect(taken[1]).toBe(odd);
    expect(taken[2]).toBe(extendedYear);
    expect(taken[4]).toBe(endOfDay);
    expect(taken[5]).toBe(badMilliseconds);
    expect(taken.map((event) => event.at)).toEqual(pushed.map((event) => event.at));
    expect(taken[0]).toEqual(withoutRequestId(pushed[0] as MonitorEvent));
  });
});
