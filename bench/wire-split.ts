/**
 * Benchmark: where a proxied answer's time goes, read off the wire (issue 5).
 * `router-path.ts` times the proxies' own work inside their processes, between two
 * diagnostics-channel events. This times every hop from outside, from the packets on loopback
 * (`tcpdump`: kernel timestamps, nothing added to the processes), so what neither process's
 * clock sees is counted too: a wake-up, undici's write deferred to the check phase, the
 * parsing before Node's first event.
 *
 *   npx tsx bench/wire-split.ts [--rate 1000] [--seconds 5] [--rounds 3]
 *
 * Needs `tcpdump` (Debian's package) and root. Starts the echo server
 * (`loadgen/echo-server.mjs`), the bare proxy (the floor, `loadgen/bare-proxy.mjs`) and the
 * router (`loadgen/router-server.mjs`, its `proxy` route, health checks off). Round by round,
 * the two proxies take turns: each is driven by the open-loop generator at `--rate` (first
 * round: 12 s of warm-up, later ones 2 s), and `tcpdump` records the measured `--seconds` on
 * the proxy's port and the echo server's. For each answer that was alone (no other client
 * request was open from its first packet to its answer's), four moments:
 *   A, the last packet of the client's request; B, the first packet of the proxy's request to
 *   the echo server; C, the last packet of the echo server's answer; D, the first packet of
 *   the proxy's answer to the client.
 * Prints per round and proxy the medians and p90s of A->B (the proxy's way in), B->C (the echo
 * server, with the loopback both ways) and C->D (the proxy's way out) in microseconds, beside
 * the client's p50 and p90 over all answers and the hypervisor's share of the CPUs
 * (`loadgen/cpu-steal.ts`). Writes bench/results/wire-split.json.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile } from "../src/profile/profile-model.js";
import { formatShare, StealRecorder } from "./loadgen/cpu-steal.js";
import { runOpenLoop } from "./loadgen/open-loop.js";
import { buildRouter, chatBody, startRole } from "./router-roles.js";

/** A packet that carries data: when (us, tcpdump's clock), from which port to which. */
export interface Packet {
  us: number;
  src: number;
  dst: number;
}

/** On a well-known port tcpdump decodes HTTP after the length: `length 236: HTTP: POST ...`. */
const PACKET_LINE = /^(\d+)\.(\d{6}) IP [\d.]+\.(\d+) > [\d.]+\.(\d+): .*? length (\d+)(?::|$)/;

/** The packets with data (`length` above 0) in `tcpdump -r <file> -tt -n` text. */
export function parsePackets(text: string): Packet[] {
  const packets: Packet[] = [];
  for (const line of text.split("\n")) {
    const match = PACKET_LINE.exec(line);
    if (match === null || Number(match[5]) === 0) continue;
    packets.push({
      us: Number(match[1]) * 1e6 + Number(match[2]),
      src: Number(match[3]),
      dst: Number(match[4]),
    });
  }
  return packets;
}

/** One answer's time in the proxy on its way in, at the model, and in the proxy on its way out. */
export interface Split {
  inUs: number;
  modelUs: number;
  outUs: number;
}

/**
 * Walks `packets` in time order and times the answers that were alone: a client's request to
 * `proxyPort` while no other was open, the proxy's call to `upstreamPort`, its answer, and the
 * proxy's answer to that client, with no other client request opened before that answer.
 * A client connection (its port) has one request open at a time (HTTP/1.1 keep-alive, no
 * pipelining): it opens with the client's first packet and closes with the proxy's first
 * packet back.
 */
export function splitAnswers(packets: Packet[], proxyPort: number, upstreamPort: number): Split[] {
  const splits: Split[] = [];
  const open = new Set<number>();
  let client = -1; // the connection of the answer being timed, or -1
  let spoiled = false;
  let a = 0;
  let b = 0;
  let c = 0;
  for (const packet of packets) {
    if (packet.dst === proxyPort) {
      if (open.has(packet.src)) {
        if (packet.src === client && b === 0) a = packet.us; // more of the same request
        continue;
      }
      open.add(packet.src);
      if (open.size === 1) {
        client = packet.src;
        spoiled = false;
        a = packet.us;
        b = 0;
        c = 0;
      } else {
        spoiled = true;
      }
    } else if (packet.dst === upstreamPort) {
      if (client !== -1 && b === 0) b = packet.us;
    } else if (packet.src === upstreamPort) {
      if (client !== -1 && b !== 0) c = packet.us;
    } else if (packet.src === proxyPort && open.delete(packet.dst)) {
      if (packet.dst !== client) continue;
      if (!spoiled && b !== 0 && c !== 0) {
        splits.push({ inUs: b - a, modelUs: c - b, outUs: packet.us - c });
      }
      client = -1;
    }
  }
  return splits;
}

interface Percentiles {
  p50: number;
  p90: number;
}

/** One proxy's run in one round, as `bench/results/wire-split.json` keeps it. */
interface RoundRow {
  round: number;
  target: string;
  answers: number;
  alone: number;
  inUs: Percentiles;
  modelUs: Percentiles;
  outUs: Percentiles;
  clientMs: Percentiles;
  stealShare: number | null;
}

/** p50 and p90 of `values`, rounded to 0.1. */
function summary(values: number[]): Percentiles {
  const sorted = [...values].sort((x, y) => x - y);
  const round = (value: number) => Math.round(value * 10) / 10;
  return { p50: round(percentile(sorted, 0.5)), p90: round(percentile(sorted, 0.9)) };
}

async function recordRun(options: {
  work: string;
  port: number;
  upstreamPort: number;
  model: string;
  rate: number;
  seconds: number;
  warmup: number;
  steal: StealRecorder;
}) {
  const load = {
    port: options.port,
    path: "/v1/chat/completions",
    body: chatBody(options.model),
    rate: options.rate,
    connections: 64,
    realtime: true,
  };
  await runOpenLoop({ ...load, seconds: options.warmup, warmup: 0 });
  const file = join(options.work, `${options.port}.pcap`);
  // `-Z root`: tcpdump otherwise drops to its own user, which may not write `work`.
  const dump = spawn(
    "tcpdump",
    [
      ...["-Z", "root", "-i", "lo", "-B", "16384", "-w", file],
      `tcp port ${options.port} or tcp port ${options.upstreamPort}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  await new Promise<void>((resolve, reject) => {
    let said = "";
    dump.once("error", reject);
    dump.once("exit", (code) => reject(new Error(`tcpdump exited with ${code}: ${said.trim()}`)));
    dump.stderr.on("data", (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes("listening on")) resolve();
    });
  });
  const run = await runOpenLoop({ ...load, seconds: options.seconds, warmup: 0 });
  // tcpdump hands its buffer over once a second: wait for the last packets before stopping it.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const exited = new Promise((resolve) => dump.once("exit", resolve));
  dump.kill("SIGINT");
  await exited;
  const text = execFileSync("tcpdump", ["-r", file, "-tt", "-n"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
    stdio: ["ignore", "pipe", "ignore"],
  });
  rmSync(file);
  const stolen = options.steal.duringRun(run, options.seconds);
  return {
    splits: splitAnswers(parsePackets(text), options.port, options.upstreamPort),
    clientMs: { p50: percentile(run.latenciesMs, 0.5), p90: percentile(run.latenciesMs, 0.9) },
    answers: run.latenciesMs.length,
    stealShare: stolen?.share ?? null,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: "string", default: "1000" },
      seconds: { type: "string", default: "5" },
      rounds: { type: "string", default: "3" },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  try {
    execFileSync("tcpdump", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error("bench/wire-split.ts needs tcpdump (apt-get install tcpdump) and root.");
  }
  buildRouter();
  const work = mkdtempSync(join(tmpdir(), "ms-wire-split-"));
  const upstream = await startRole("upstream");
  const floor = await startRole("bare-proxy", ["--upstream", upstream.url]);
  const router = await startRole("router", ["--upstream", upstream.url, "--no-health-checks"]);
  const targets = [
    { name: "floor", port: floor.port, model: "echo" },
    { name: "router", port: router.port, model: "proxy" },
  ];
  const steal = new StealRecorder();
  steal.start();
  const rows: RoundRow[] = [];
  try {
    for (let round = 1; round <= rounds; round += 1) {
      for (const target of targets) {
        const run = await recordRun({
          work,
          port: target.port,
          upstreamPort: upstream.port,
          model: target.model,
          rate,
          seconds,
          warmup: round === 1 ? 12 : 2,
          steal,
        });
        const inUs = summary(run.splits.map((split) => split.inUs));
        const modelUs = summary(run.splits.map((split) => split.modelUs));
        const outUs = summary(run.splits.map((split) => split.outUs));
        rows.push({
          round,
          target: target.name,
          answers: run.answers,
          alone: run.splits.length,
          inUs,
          modelUs,
          outUs,
          clientMs: run.clientMs,
          stealShare: run.stealShare,
        });
        console.log(
          `#${round} ${target.name}: in ${inUs.p50} us (p90 ${inUs.p90}), model ${modelUs.p50} (${modelUs.p90}), out ${outUs.p50} (${outUs.p90}); ${run.splits.length} of ${run.answers} answers alone; client p50 ${run.clientMs.p50.toFixed(3)} ms (p90 ${run.clientMs.p90.toFixed(3)}); steal ${run.stealShare === null ? "unknown" : formatShare(run.stealShare)}`,
        );
      }
    }
  } finally {
    steal.stop();
    for (const child of [upstream.child, floor.child, router.child]) child.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  }
  console.log("\n| round | target | in p50 us | model p50 us | out p50 us | sum | client p50 ms |");
  console.log("|---:|---|---:|---:|---:|---:|---:|");
  for (const row of rows) {
    const sum = row.inUs.p50 + row.modelUs.p50 + row.outUs.p50;
    console.log(
      `| ${row.round} | ${row.target} | ${row.inUs.p50} | ${row.modelUs.p50} | ${row.outUs.p50} | ${sum.toFixed(1)} | ${row.clientMs.p50.toFixed(3)} |`,
    );
  }
  writeFileSync(
    fileURLToPath(new URL("./results/wire-split.json", import.meta.url)),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
        rate,
        seconds,
        rounds,
        rows,
      },
      null,
      2,
    )}\n`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
