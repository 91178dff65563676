/**
 * Benchmark: what ModelScout asks of a small device (ADR 0098): the memory of `modelscout
 * serve` with its models, with and without `--edge`, and, with `--install`, the size of an
 * install with and without the optional packages.
 *
 *   npx tsx bench/edge.ts [--runs 3] [--requests 100] [--idle-seconds 5] [--install]
 *
 * Builds `dist/` and starts `node dist/cli/main.js serve` (what `npx modelscout serve` runs)
 * in a new `MODELSCOUT_HOME` for each of: the bundled customer-service example (three
 * catalog models: the Universal Sentence Encoder of the nearest-neighbour step, and two
 * sentiment models on the complaint route) and a config of one echo model (the server
 * alone), each plain and with `--edge`. Once it listens, it sends one request down each
 * classification step and a sentiment classification, then `--requests` more of each kind
 * one after another (timed on the client: in process against a child process's round trip),
 * waits 2 s and reads the resident memory (VmRSS, and the peak, VmHWM) of the server and of
 * each child process it started. `--runs` times each; prints medians.
 *
 * The bundled example runs twice more, plain and with `--edge`, under `--unload-idle
 * <--idle-seconds>` (ADR 0099; 5 s by default): after the same requests and readings, it waits
 * until the models have been idle that long (and a few seconds more for the unloads), reads the
 * memory at rest, and again 30 s later (a process gives back what its models freed only some
 * time after: V8 and the allocator keep it a while), then sends one request of each kind again,
 * timed: what the first request after an idle spell pays for its models' loads.
 *
 * `--install` also packs the project (`npm pack`) and installs the tarball into two empty
 * folders, one with `--omit=optional`, from the npm registry (`ONNXRUNTIME_NODE_INSTALL=skip`:
 * ONNX Runtime's install script fetches GPU add-ons from NuGet, which this machine cannot reach;
 * its CPU runtime is in the npm tarball), and gives each folder's size on disk and its largest
 * packages. That takes minutes (better-sqlite3 compiles from source here).
 *
 * Memory is in MiB (2^20 bytes), disk in MB (10^6 bytes, the files' sizes summed).
 *
 * Writes bench/results/edge.json. A Raspberry Pi is not here: the memory figures are the
 * same program's, on x86-64; its times are this machine's.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile } from "../src/profile/profile-model.js";
import { writeBenchResult } from "./bench-result.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    requests: { type: "string", default: "100" },
    "idle-seconds": { type: "string", default: "5" },
    install: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const requests = Number(values.requests);
const idleSeconds = Number(values["idle-seconds"]);

const ECHO_CONFIG = {
  models: [{ id: "echo:desk", kind: "echo", template: "desk: {{input}}" }],
  routes: [{ name: "desk", targets: { chat: { policy: "fixed", candidates: ["echo:desk"] } } }],
};

interface Probe {
  name: string;
  path: string;
  body: object;
}

const chat = (text: string) => ({ model: "auto", messages: [{ role: "user", content: text }] });
/** One request down each classification step of the bundled example, and its sentiment route. */
const BUNDLED_PROBES: Probe[] = [
  { name: "rules", path: "/v1/chat/completions", body: chat("I want a refund, it is broken") },
  {
    name: "sentence encoder",
    path: "/v1/chat/completions",
    body: chat("how many calories are in a serving"),
  },
  { name: "hashed n-grams", path: "/v1/chat/completions", body: chat("这个面霜适合敏感肌吗") },
  {
    name: "sentiment",
    path: "/v1/tasks/text-classification",
    body: { model: "complaint", inputs: "the parcel came late and the box was crushed" },
  },
];
const ECHO_PROBES: Probe[] = [
  { name: "echo", path: "/v1/chat/completions", body: { ...chat("hello"), model: "desk" } },
];

interface ProcessMemory {
  command: string;
  rssKb: number;
  peakKb: number;
}

function memory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1]);
  const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  return { command, rssKb: field("VmRSS"), peakKb: field("VmHWM") };
}

function childPids(pid: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map(Number);
  } catch {
    return [];
  }
}

function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const url = /Routing server at (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url !== undefined) resolve(url);
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("exit", (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
}

async function send(url: string, probe: Probe): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}${probe.path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(probe.body),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${probe.name}: HTTP ${response.status}`);
  return performance.now() - started;
}

const median = (list: readonly number[]) =>
  percentile(
    [...list].sort((a, b) => a - b),
    0.5,
  );

interface ServeRun {
  readyMs: number;
  serverRssKb: number;
  serverPeakKb: number;
  children: number;
  childrenRssKb: number;
  totalRssKb: number;
  totalPeakKb: number;
  p50Ms: Record<string, number>;
  /** Under `--unload-idle`: the memory once the models were unloaded, then the first requests. */
  idle?: {
    children: number;
    totalRssKb: number;
    /** 30 s after `totalRssKb`, still idle. */
    laterRssKb: number;
    firstRequestMs: Record<string, number>;
    /** Everything's memory once those requests have loaded the models again. */
    reloadedRssKb: number;
  };
}

/** The resident memory of `pid` and of every process it started, and how many those are. */
function treeMemory(pid: number): { children: number; totalRssKb: number } {
  const children = childPids(pid).map(memory);
  return {
    children: children.length,
    totalRssKb: memory(pid).rssKb + children.reduce((sum, process) => sum + process.rssKb, 0),
  };
}

async function serveRun(
  config: string | null,
  edge: boolean,
  probes: Probe[],
  unloadIdleSeconds?: number,
): Promise<ServeRun> {
  const home = mkdtempSync(join(tmpdir(), "ms-bench-edge-"));
  const args = ["dist/cli/main.js", "serve", "--port", "0"];
  if (config !== null) args.push("--config", config);
  if (edge) args.push("--edge");
  if (unloadIdleSeconds !== undefined) args.push("--unload-idle", String(unloadIdleSeconds));
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, MODELSCOUT_HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const url = await listening(child);
    const readyMs = performance.now() - started;
    const times = new Map<string, number[]>();
    for (const probe of probes) await send(url, probe);
    for (let request = 0; request < requests; request += 1) {
      for (const probe of probes) {
        const list = times.get(probe.name) ?? [];
        list.push(await send(url, probe));
        times.set(probe.name, list);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const server = memory(child.pid as number);
    // tsx is not in the way here (dist), so every child is a model's process.
    const children = childPids(child.pid as number).map(memory);
    const childrenRssKb = children.reduce((sum, process) => sum + process.rssKb, 0);
    let idle: ServeRun["idle"];
    if (unloadIdleSeconds !== undefined) {
      // Idle since the last request 2 s ago; the sweep runs every quarter of the idle time.
      await new Promise((resolve) => setTimeout(resolve, unloadIdleSeconds * 1000 + 3000));
      const rest = treeMemory(child.pid as number);
      await new Promise((resolve) => setTimeout(resolve, 30_000));
      const laterRssKb = treeMemory(child.pid as number).totalRssKb;
      const firstRequestMs: Record<string, number> = {};
      for (const probe of probes)
        firstRequestMs[probe.name] = Number((await send(url, probe)).toFixed(1));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      idle = {
        ...rest,
        laterRssKb,
        firstRequestMs,
        reloadedRssKb: treeMemory(child.pid as number).totalRssKb,
      };
    }
    return {
      ...(idle !== undefined && { idle }),
      readyMs,
      serverRssKb: server.rssKb,
      serverPeakKb: server.peakKb,
      children: children.length,
      childrenRssKb,
      totalRssKb: server.rssKb + childrenRssKb,
      totalPeakKb: server.peakKb + children.reduce((sum, process) => sum + process.peakKb, 0),
      p50Ms: Object.fromEntries(
        [...times].map(([name, list]) => [name, Number(median(list).toFixed(2))]),
      ),
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(home, { recursive: true, force: true });
  }
}

function summarize(list: readonly ServeRun[]) {
  const of = (pick: (run: ServeRun) => number) => median(list.map(pick));
  const names = Object.keys(list[0]?.p50Ms ?? {});
  return {
    runs: list.length,
    readyMs: Math.round(of((run) => run.readyMs)),
    serverRssMiB: Number((of((run) => run.serverRssKb) / 1024).toFixed(1)),
    modelProcesses: of((run) => run.children),
    modelProcessesRssMiB: Number((of((run) => run.childrenRssKb) / 1024).toFixed(1)),
    totalRssMiB: Number((of((run) => run.totalRssKb) / 1024).toFixed(1)),
    totalPeakMiB: Number((of((run) => run.totalPeakKb) / 1024).toFixed(1)),
    requestP50Ms: Object.fromEntries(
      names.map((name) => [name, Number(of((run) => run.p50Ms[name] ?? Number.NaN).toFixed(2))]),
    ),
    ...(list[0]?.idle !== undefined && {
      afterIdle: {
        modelProcesses: of((run) => run.idle?.children ?? Number.NaN),
        totalRssMiB: Number((of((run) => run.idle?.totalRssKb ?? Number.NaN) / 1024).toFixed(1)),
        totalRssMiB30sLater: Number(
          (of((run) => run.idle?.laterRssKb ?? Number.NaN) / 1024).toFixed(1),
        ),
        firstRequestMs: Object.fromEntries(
          names.map((name) => [
            name,
            Number(of((run) => run.idle?.firstRequestMs[name] ?? Number.NaN).toFixed(1)),
          ]),
        ),
        reloadedRssMiB: Number(
          (of((run) => run.idle?.reloadedRssKb ?? Number.NaN) / 1024).toFixed(1),
        ),
      },
    }),
  };
}

function folderBytes(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += folderBytes(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

function installSizes(): Record<string, unknown> {
  const work = mkdtempSync(join(tmpdir(), "ms-bench-install-"));
  try {
    const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .at(-1) as string;
    const sizes: Record<string, unknown> = {
      tarballMB: Number((statSync(join(work, tarball)).size / 1e6).toFixed(1)),
    };
    for (const [name, flags] of [
      ["full", []],
      ["omitOptional", ["--omit=optional"]],
    ] as const) {
      const folder = join(work, name);
      execFileSync("mkdir", ["-p", folder]);
      writeFileSync(join(folder, "package.json"), '{"name":"edge-install","private":true}\n');
      const started = performance.now();
      execFileSync("npm", ["install", "--no-audit", "--no-fund", join(work, tarball), ...flags], {
        cwd: folder,
        env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" },
        stdio: "ignore",
      });
      const modules = join(folder, "node_modules");
      const packages = readdirSync(modules)
        .filter((entry) => !entry.startsWith("."))
        .flatMap((entry) =>
          entry.startsWith("@")
            ? readdirSync(join(modules, entry)).map((scoped) => `${entry}/${scoped}`)
            : [entry],
        );
      const bySize = packages
        .map((id) => ({ id, MB: Number((folderBytes(join(modules, id)) / 1e6).toFixed(1)) }))
        .sort((a, b) => b.MB - a.MB);
      sizes[name] = {
        installSeconds: Math.round((performance.now() - started) / 1000),
        packages: packages.length,
        nodeModulesMB: Number((folderBytes(modules) / 1e6).toFixed(1)),
        largest: bySize.slice(0, 6),
      };
    }
    return sizes;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
  const configFolder = mkdtempSync(join(tmpdir(), "ms-bench-edge-config-"));
  const echoConfig = join(configFolder, "routes.json");
  writeFileSync(echoConfig, JSON.stringify(ECHO_CONFIG));
  const cases = [
    { name: "bundled example", config: null, probes: BUNDLED_PROBES },
    { name: "one echo model", config: echoConfig, probes: ECHO_PROBES },
    {
      name: "bundled example",
      config: null,
      probes: BUNDLED_PROBES,
      unloadIdleSeconds: idleSeconds,
    },
  ];
  const serve: Record<string, unknown> = {};
  for (const { name, config, probes, unloadIdleSeconds } of cases) {
    for (const edge of [false, true]) {
      const list: ServeRun[] = [];
      // Interleaved would share a warm page cache just the same; one mode after the other is simpler to read.
      for (let run = 0; run < runs; run += 1) {
        list.push(await serveRun(config, edge, probes, unloadIdleSeconds));
      }
      const label = `${name}${edge ? ", --edge" : ""}${unloadIdleSeconds === undefined ? "" : `, --unload-idle ${unloadIdleSeconds}`}`;
      serve[label] = summarize(list);
      console.log(label, JSON.stringify(serve[label]));
    }
  }
  rmSync(configFolder, { recursive: true, force: true });
  const install = values.install ? installSizes() : undefined;
  if (install !== undefined) console.log("install", JSON.stringify(install, null, 1));
  writeBenchResult(
    "edge",
    `npx tsx bench/edge.ts --runs ${runs} --requests ${requests} --idle-seconds ${idleSeconds}${values.install ? " --install" : ""}`,
    { requests, serve, ...(install !== undefined && { install }) },
  );
}

await main();
