/**
 * @module
 * `modelscout serve --workers N`: N server processes on one port (`node:cluster`), sharing
 * one state file (ADR 0060), so a machine's cores all serve while the learner, the request
 * log, alerts and sessions stay one. The primary process serves nothing itself: it starts the
 * workers, relays their output line by line with `[worker k]` in front, and
 * - prints one line once every worker listens (the URL, the workers' pids, its own pid);
 * - passes SIGHUP on to every worker as a message (each reloads as a lone server would);
 * - on SIGINT or SIGTERM asks every worker to stop (each answers and logs what is in flight)
 *   and exits once all have; a second signal kills them;
 * - starts a worker again when one dies after it listened (after 1 s, doubling up to 30 s
 *   while they keep dying within a minute), so a crash never takes the port down;
 * - stops every worker and exits with the failed worker's exit code when one fails before it
 *   listens (a config that cannot be served, a port in use): a restart would fail the same
 *   way.
 *
 * The dashboard's live updates cover every worker too (`relayMonitoringChanges`), and the
 * workers follow one another's circuit breakers (`relayBreakerChanges`, ADR 0062).
 *
 * `/metrics` answered by any worker covers all of them (`workerMetricsText`): the worker asks
 * the primary, which collects each other worker's exposition, and the answer carries every
 * worker's series with a `worker` label, so a Prometheus scrape that lands on any worker sees
 * the whole server (`sum without (worker)` adds them up).
 */
import cluster, { type Worker } from "node:cluster";
import { createInterface } from "node:readline";
import { mergeExpositions } from "../monitor/metrics/merge-expositions.js";
import type { BreakerChange } from "../route/circuit-breaker.js";
import type { Router } from "../route/router.js";
import type { MonitoringChangeKind, ServerMonitoring } from "./admin/server-monitoring.js";

/** Set in each worker's environment: its number, 1 to N. */
export const SERVE_WORKER_ENV = "MODELSCOUT_SERVE_WORKER";

/** How long a worker's `/metrics` waits for the other workers' series. */
export const METRICS_COLLECT_MS = 2000;

type ClusterMessage =
  | { type: "modelscout:listening"; url: string }
  | { type: "modelscout:reload" }
  | { type: "modelscout:changes"; kinds: MonitoringChangeKind[] }
  | { type: "modelscout:breaker"; model: string; change: BreakerChange }
  | { type: "modelscout:breakers-resend" }
  | { type: "modelscout:metrics-request"; id: number }
  | { type: "modelscout:metrics-collect"; id: number }
  | { type: "modelscout:metrics-text"; id: number; text: string }
  | {
      type: "modelscout:metrics-merged";
      id: number;
      parts: { worker: string; text: string }[];
    };

function isClusterMessage(message: unknown): message is ClusterMessage {
  return (
    typeof message === "object" &&
    message !== null &&
    typeof (message as { type?: unknown }).type === "string" &&
    (message as { type: string }).type.startsWith("modelscout:")
  );
}

/** This process's worker number under `serve --workers`, or null when it serves alone. */
export function serveWorkerNumber(env: NodeJS.ProcessEnv = process.env): number | null {
  if (!cluster.isWorker) return null;
  const number = Number(env[SERVE_WORKER_ENV]);
  return Number.isInteger(number) && number > 0 ? number : null;
}

/**
 * For a worker: runs `reload` when the primary passes a SIGHUP on. The signal itself is
 * ignored in a worker (one sent to the process group reaches the primary too, which passes
 * it on); without a handler it would end the worker.
 */
export function onReloadFromPrimary(reload: () => void): void {
  process.on("SIGHUP", () => {});
  process.on("message", (message: unknown) => {
    if (isClusterMessage(message) && message.type === "modelscout:reload") reload();
  });
}

/** How often a worker tells the others what changed, at most (the dashboard's own coalescing). */
export const CHANGES_RELAY_MS = 250;

/**
 * For a worker: the dashboard's live updates cover every worker. What changes here (requests,
 * feedback, alerts...) goes to the primary at most every `CHANGES_RELAY_MS`, as the set of
 * kinds, and the primary passes it to the other workers, whose dashboards' streams then
 * refresh; what they tell this worker is heard as a peer's change and not sent on again.
 */
export function relayMonitoringChanges(monitoring: ServerMonitoring): void {
  const pending = new Set<MonitoringChangeKind>();
  monitoring.onChange((kind, origin) => {
    if (origin !== "local") return;
    const scheduled = pending.size > 0;
    pending.add(kind);
    if (scheduled) return;
    setTimeout(() => {
      if (process.connected) {
        process.send?.({
          type: "modelscout:changes",
          kinds: [...pending],
        } satisfies ClusterMessage);
      }
      pending.clear();
    }, CHANGES_RELAY_MS).unref();
  });
  process.on("message", (message: unknown) => {
    if (isClusterMessage(message) && message.type === "modelscout:changes") {
      for (const kind of message.kinds) monitoring.notifyPeerChange(kind);
    }
  });
}

/**
 * For a worker: its models' circuit breakers follow the other workers' (ADR 0062). Each
 * opening or closing that this worker's own calls make goes to the primary, which passes it
 * to the other workers; each applies it to its breaker of that model in the router serving
 * then (`Router.adoptBreakerChange`), without telling it on. So a server's `Retry-After`, or
 * the failures that trip a breaker, rest the model on every worker, not only on the one whose
 * request met them, and a passed trial call closes it on all. When a worker is started again
 * after it died, the primary asks the others to send the openings they hold
 * (`modelscout:breakers-resend`), so the new worker rests what they rest.
 */
export function relayBreakerChanges(server: {
  readonly router: Pick<Router, "onBreakerChange" | "adoptBreakerChange" | "breakerOpenings">;
}): void {
  const tell = (model: string, change: BreakerChange) => {
    if (process.connected) {
      process.send?.({ type: "modelscout:breaker", model, change } satisfies ClusterMessage);
    }
  };
  server.router.onBreakerChange(tell);
  process.on("message", (message: unknown) => {
    if (!isClusterMessage(message)) return;
    if (message.type === "modelscout:breaker") {
      server.router.adoptBreakerChange(message.model, message.change);
    } else if (message.type === "modelscout:breakers-resend") {
      for (const { model, change } of server.router.breakerOpenings()) tell(model, change);
    }
  });
}

/** Tells the primary this worker listens at `url`. */
export function announceListening(url: string): void {
  process.send?.({ type: "modelscout:listening", url } satisfies ClusterMessage);
}

/**
 * For a worker: `/metrics` for the whole server, from this worker's own exposition and the
 * others' (each sample labelled with its worker). `render` gives this worker's exposition
 * when another worker's scrape asks for it. A worker that does not answer within
 * `METRICS_COLLECT_MS` is left out, and a comment line says so.
 */
export function workerMetricsText(
  worker: number,
  render: () => string | Promise<string>,
): (own: string) => Promise<string> {
  let nextId = 0;
  const waiting = new Map<number, (parts: { worker: string; text: string }[]) => void>();
  process.on("message", async (message: unknown) => {
    if (!isClusterMessage(message)) return;
    if (message.type === "modelscout:metrics-collect") {
      let text: string;
      try {
        text = await render();
      } catch (error) {
        text = `# metrics of this worker failed: ${String(error).replace(/\n/g, " ")}\n`;
      }
      process.send?.({ type: "modelscout:metrics-text", id: message.id, text });
    } else if (message.type === "modelscout:metrics-merged") {
      waiting.get(message.id)?.(message.parts);
      waiting.delete(message.id);
    }
  });
  return (own) =>
    new Promise((resolve) => {
      const id = nextId++;
      const finish = (parts: { worker: string; text: string }[], note = "") => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(mergeExpositions([{ worker: String(worker), text: own }, ...parts]) + note);
      };
      const timer = setTimeout(
        () => finish([], "# the other workers' metrics did not come in time\n"),
        METRICS_COLLECT_MS + 500,
      );
      waiting.set(id, (parts) => finish(parts));
      process.send?.({ type: "modelscout:metrics-request", id } satisfies ClusterMessage);
    });
}

const ignoreSendError = () => {};

export interface ServePrimaryOptions {
  workers: number;
  /** Where relayed output and the primary's own lines go. Default: this process's. */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

interface WorkerSlot {
  number: number;
  worker: Worker;
  url: string | null;
}

/**
 * Runs the primary of `serve --workers`: forks the workers (which run the same command line)
 * and supervises them until a signal stops them. Resolves with the exit code: 0 after a
 * stop, or the code of a worker that failed before it listened.
 */
export function runServePrimary(options: ServePrimaryOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const say = (line: string) => stderr.write(`modelscout serve: ${line}\n`);
  cluster.setupPrimary({ silent: true });
  const slots = new Map<number, WorkerSlot>();
  let stopping = false;
  let announced = false;
  const crashes: number[] = [];
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  let exitCode = 0;

  const relay = (stream: NodeJS.ReadableStream | null, to: NodeJS.WritableStream, n: number) => {
    if (stream === null) return;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) =>
      to.write(`[worker ${n}] ${line}\n`),
    );
  };

  const live = () => [...slots.values()].filter((slot) => !slot.worker.isDead());

  // Workers waiting to be started again. Not unref'd: with every worker dead, they are what
  // keeps the primary alive.
  const restarts = new Set<NodeJS.Timeout>();
  const stopAll = (signal: NodeJS.Signals) => {
    for (const restart of restarts) clearTimeout(restart);
    restarts.clear();
    for (const slot of live()) slot.worker.process.kill(signal);
  };
  /** A message to a worker still connected; one going away meanwhile misses it. */
  const sendTo = (slot: WorkerSlot, message: ClusterMessage) => {
    if (!slot.worker.isConnected()) return;
    // An error here means the channel closed after the check: the worker is stopping.
    slot.worker.send(message, ignoreSendError);
  };

  // Metrics: a worker's scrape asks for the others' expositions.
  let nextCollect = 0;
  const collecting = new Map<
    number,
    { parts: { worker: string; text: string }[]; waitingFor: Set<number>; done: () => void }
  >();
  const collectFor = (asking: WorkerSlot, requestId: number) => {
    const others = live().filter((slot) => slot !== asking && slot.url !== null);
    const id = nextCollect++;
    const parts: { worker: string; text: string }[] = [];
    const done = () => {
      clearTimeout(timer);
      collecting.delete(id);
      parts.sort((a, b) => Number(a.worker) - Number(b.worker));
      sendTo(asking, { type: "modelscout:metrics-merged", id: requestId, parts });
    };
    const timer = setTimeout(done, METRICS_COLLECT_MS);
    collecting.set(id, { parts, waitingFor: new Set(others.map((slot) => slot.number)), done });
    if (others.length === 0) done();
    for (const slot of others) sendTo(slot, { type: "modelscout:metrics-collect", id });
  };

  const fork = (number: number) => {
    const worker = cluster.fork({ [SERVE_WORKER_ENV]: String(number) });
    const slot: WorkerSlot = { number, worker, url: null };
    slots.set(number, slot);
    relay(worker.process.stdout, stdout, number);
    relay(worker.process.stderr, stderr, number);
    worker.on("message", (message: unknown) => {
      if (!isClusterMessage(message)) return;
      if (message.type === "modelscout:listening") {
        slot.url = message.url;
        const all = [...slots.values()];
        if (!announced && all.length === options.workers && all.every((s) => s.url !== null)) {
          announced = true;
          stdout.write(
            `Routing server at ${message.url} with ${options.workers} workers (pids ${all.map((s) => s.worker.process.pid).join(", ")}); kill -HUP ${process.pid} reloads them all, kill -TERM ${process.pid} stops them\n`,
          );
        } else if (announced) {
          // At the same URL unless every worker had died on a port 0 server: the cluster
          // closes a port no worker holds, and the next listen picks a new one.
          say(`worker ${number} is serving again (pid ${worker.process.pid}) at ${message.url}`);
          // The others' open breakers, for the new worker to follow (ADR 0062).
          for (const other of live()) {
            if (other !== slot) sendTo(other, { type: "modelscout:breakers-resend" });
          }
        }
      } else if (message.type === "modelscout:changes" || message.type === "modelscout:breaker") {
        for (const other of live()) if (other !== slot) sendTo(other, message);
      } else if (message.type === "modelscout:metrics-request") {
        collectFor(slot, message.id);
      } else if (message.type === "modelscout:metrics-text") {
        const entry = collecting.get(message.id);
        if (entry === undefined) return;
        entry.parts.push({ worker: String(number), text: message.text });
        entry.waitingFor.delete(number);
        if (entry.waitingFor.size === 0) entry.done();
      }
    });
    worker.on("exit", (code, signal) => {
      // A scrape waiting for this worker goes on without it.
      for (const entry of collecting.values()) {
        entry.waitingFor.delete(number);
        if (entry.waitingFor.size === 0) entry.done();
      }
      if (stopping) {
        if (live().length === 0) resolveExit(exitCode);
        return;
      }
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      if (slot.url === null) {
        // It never listened: the next would fail alike. Stop the others.
        say(`worker ${number} failed before it listened (${how}); stopping the others`);
        exitCode = code === null || code === 0 ? 1 : code;
        stopping = true;
        stopAll("SIGTERM");
        if (live().length === 0) resolveExit(exitCode);
        return;
      }
      const now = Date.now();
      crashes.push(now);
      while (crashes.length > 0 && (crashes[0] as number) < now - 60_000) crashes.shift();
      const delayMs = Math.min(30_000, 1000 * 2 ** Math.min(5, crashes.length - 1));
      say(
        `worker ${number} (pid ${worker.process.pid}) died (${how}); starting it again in ${delayMs / 1000} s`,
      );
      const restart = setTimeout(() => {
        restarts.delete(restart);
        if (!stopping) fork(number);
      }, delayMs);
      restarts.add(restart);
    });
  };

  // As a message, not the signal: a hangup of the terminal sends SIGHUP to the whole process
  // group, and each worker would reload twice.
  const hup = () => {
    for (const slot of live()) sendTo(slot, { type: "modelscout:reload" });
  };
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      say(`${signal} again: killing the workers`);
      stopAll("SIGKILL");
      return;
    }
    stopping = true;
    say(`${signal}: stopping ${live().length} workers once their requests in flight are answered`);
    stopAll("SIGTERM");
    if (live().length === 0) resolveExit(exitCode);
  };
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  process.on("SIGHUP", hup);
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);

  for (let number = 1; number <= options.workers; number++) fork(number);
  return exited.finally(() => {
    process.off("SIGHUP", hup);
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  });
}
