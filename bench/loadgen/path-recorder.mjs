/**
 * Preloaded (`node --import`) into a proxy's process by `bench/router-path.ts`: times the
 * proxy's own work on each answer's path from Node's and undici's diagnostics channels, with
 * no change to the code measured, so the router, an older build of it and the bare proxy are
 * timed the same way:
 * - **before the model**: from `http.server.request.start` (Node has parsed the request's
 *   head and is about to call the listener) to `undici:request:create` (the outbound request
 *   is made, inside `dispatch`) or `modelscout:http1:request` (the lean client's, just before
 *   its write);
 * - **after the model**: from `undici:request:trailers` or `modelscout:http1:answer` (the
 *   model's answer is complete, just before the proxy's handler hears of it) to the return of the answer's `end()` call, which
 *   writes it to the socket (the one thing wrapped here: Node's `ServerResponse.end`; its
 *   `finish` event comes later, after work the proxy does once the answer is out, which the
 *   client does not wait for).
 * Only requests that were alone in the process from start to finish are kept, so no time
 * spent on another request is counted. `PATH_RECORDER_OUT` names the JSON file written on
 * SIGUSR2 (`{ before: [us...], after: [us...] }`); the lists are then emptied.
 */
import { subscribe } from "node:diagnostics_channel";
import { renameSync, writeFileSync } from "node:fs";
import { ServerResponse } from "node:http";

const out = process.env.PATH_RECORDER_OUT;
let inFlight = 0;
/** No other request started since the one in flight did. */
let alone = false;
let startedAt = 0;
let dispatchedAt = 0;
let answeredAt = 0;
let endedAt = 0;
let before = [];
let after = [];

subscribe("http.server.request.start", () => {
  alone = inFlight === 0;
  inFlight += 1;
  startedAt = performance.now();
  dispatchedAt = 0;
  answeredAt = 0;
  endedAt = 0;
});
// undici's channels, and the lean HTTP/1.1 client's (`src/http/http1-client.ts`, ADR 0087),
// which the router and the bare proxy use for `http:` model servers since 2026-12-05.
const dispatched = () => {
  if (dispatchedAt === 0) dispatchedAt = performance.now();
};
const answered = () => {
  answeredAt = performance.now();
};
subscribe("undici:request:create", dispatched);
subscribe("modelscout:http1:request", dispatched);
subscribe("undici:request:trailers", answered);
subscribe("modelscout:http1:answer", answered);
const end = ServerResponse.prototype.end;
ServerResponse.prototype.end = function timedEnd(...args) {
  const result = end.apply(this, args);
  if (endedAt === 0) endedAt = performance.now();
  return result;
};
subscribe("http.server.response.finish", () => {
  inFlight -= 1;
  if (alone && inFlight === 0 && dispatchedAt !== 0 && answeredAt !== 0 && endedAt !== 0) {
    before.push((dispatchedAt - startedAt) * 1000);
    after.push((endedAt - answeredAt) * 1000);
  }
  alone = false;
});
process.on("SIGUSR2", () => {
  if (out !== undefined) {
    // Whole or not at all: the benchmark reads the file as soon as it appears.
    writeFileSync(`${out}.part`, JSON.stringify({ before, after }));
    renameSync(`${out}.part`, out);
  }
  before = [];
  after = [];
});
