/**
 * @module
 * Session affinity: which route and model served a session's last answered request, so the
 * session's next request of the same kind goes there too (a conversation's turns stay with
 * one model; a follow-up such as "and how long will that take?" is not classified again on
 * its own words). A client names its session in the `x-modelscout-session` header.
 *
 * The server keeps one store for its lifetime and hands it to each router it builds, so a
 * reload keeps the sessions; the router serving a request applies its own config's
 * `server.session_ttl_seconds` and `server.max_sessions`, and drops a pin whose route no longer
 * serves the task or whose model is no longer among the route's candidates.
 *
 * In memory, per process: a `Map` in least recently used order (a pin used is moved to the
 * end, and past `max` the first entries go). A server whose state file other servers share
 * (ADR 0060: `serve --workers`, or servers behind a balancer that does not route by the
 * session header) also asks the shared request log (`SharedSessionLog`) for the session's
 * last answered request of the kind, and follows it when another server answered after this
 * one's own pin; so a restart keeps the sessions too. A request still in another server's log
 * queue (20 ms) is not seen, which matters only for a turn sent that soon after the last.
 */

/** The route and model of a session's last answered request of one kind, in the shared log. */
export interface SharedSessionLog {
  /** A promise where the log is a round trip away (PostgreSQL), which the request awaits. */
  lastAnswered(
    session: string,
    requested: string,
    task: string,
    sinceMs: number,
  ): LoggedAnswer | undefined | Promise<LoggedAnswer | undefined>;
}

/** The route and model of a session's last answered request, and when it was logged. */
export interface LoggedAnswer {
  route: string;
  model: string;
  atMs: number;
}

export interface SessionPin {
  route: string;
  model: string;
  /** When the pin was last set or used (epoch ms). */
  usedAtMs: number;
  /** When the request it follows was answered (epoch ms), to tell it from a newer one in the shared log. */
  answeredAtMs: number;
}

/** A session's key for one kind of request: the model asked for (`auto` or a route) and the task. */
export function sessionKey(session: string, requested: string, task: string): string {
  return `${session}\u0000${requested}\u0000${task}`;
}

/** `sessionKey`'s parts: the session, the model asked for and the task. */
function keyParts(key: string): [string, string, string] {
  const [session = "", requested = "", task = ""] = key.split("\u0000");
  return [session, requested, task];
}

export class SessionAffinity {
  readonly #pins = new Map<string, SessionPin>();
  readonly #shared: SharedSessionLog | undefined;

  constructor(options: { shared?: SharedSessionLog } = {}) {
    this.#shared = options.shared;
  }

  /** Sessions remembered now (expired ones included until they are next looked at or evicted). */
  get size(): number {
    return this.#pins.size;
  }

  /**
   * The pin of `key` if it was used within `ttlMs` of `nowMs`, marked used; else undefined. A
   * promise of it when the shared log answers with one.
   */
  take(
    key: string,
    nowMs: number,
    ttlMs: number,
  ): SessionPin | undefined | Promise<SessionPin | undefined> {
    // A shared log that cannot be read (its database down) leaves the session to this
    // server's own pin: affinity is a preference, not worth failing the request over.
    let logged: ReturnType<SharedSessionLog["lastAnswered"]>;
    try {
      logged = this.#shared?.lastAnswered(...keyParts(key), nowMs - ttlMs);
    } catch {
      logged = undefined;
    }
    if (logged instanceof Promise) {
      return logged.then(
        (answer) => this.#take(key, nowMs, ttlMs, answer),
        () => this.#take(key, nowMs, ttlMs, undefined),
      );
    }
    return this.#take(key, nowMs, ttlMs, logged);
  }

  #take(
    key: string,
    nowMs: number,
    ttlMs: number,
    logged: LoggedAnswer | undefined,
  ): SessionPin | undefined {
    let pin = this.#pins.get(key);
    if (logged !== undefined && (pin === undefined || logged.atMs > pin.answeredAtMs)) {
      pin = {
        route: logged.route,
        model: logged.model,
        usedAtMs: nowMs,
        answeredAtMs: logged.atMs,
      };
    }
    if (pin === undefined) return undefined;
    this.#pins.delete(key);
    if (nowMs - pin.usedAtMs > ttlMs) return undefined;
    pin.usedAtMs = nowMs;
    this.#pins.set(key, pin);
    return pin;
  }

  /** Pins `key` to `route` and `model`; keeps at most `max` sessions, forgetting the least recently used. */
  remember(key: string, route: string, model: string, nowMs: number, max: number): void {
    const pin = this.#pins.get(key);
    if (pin !== undefined) {
      this.#pins.delete(key);
      pin.route = route;
      pin.model = model;
      pin.usedAtMs = nowMs;
      pin.answeredAtMs = nowMs;
      this.#pins.set(key, pin);
      return;
    }
    this.#pins.set(key, { route, model, usedAtMs: nowMs, answeredAtMs: nowMs });
    for (const oldest of this.#pins.keys()) {
      if (this.#pins.size <= max) break;
      this.#pins.delete(oldest);
    }
  }

  /** Forgets `key` (its route or model is gone). */
  forget(key: string): void {
    this.#pins.delete(key);
  }
}
