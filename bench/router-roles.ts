/**
 * Starts the router benchmarks' server processes and resolves with each one's URL once it
 * prints `LISTENING <url>`: `upstream`, the bare `node:http` echo server
 * (`loadgen/echo-server.mjs`), and `router`, `startRoutingServer` from the built package
 * (`loadgen/router-server.mjs`); and `bare-proxy`, the floor a Node.js proxy cannot go below
 * (`loadgen/bare-proxy.mjs`). All run on plain `node`, as deployed: `buildRouter()`
 * compiles `dist/` first, so the router measured is the current source, and not
 * tsx-transpiled code; `buildWorktree()` builds another version of it to run beside this one.
 * Shared by `router-overhead.ts`, `router-cpu.ts`,
 * `router-instructions.ts`, `router-soak.ts` and `router-stream.ts`, with the chat body the
 * first four send and a process's CPU time (`cpuMicros`).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROLES = {
  upstream: fileURLToPath(new URL("./loadgen/echo-server.mjs", import.meta.url)),
  router: fileURLToPath(new URL("./loadgen/router-server.mjs", import.meta.url)),
  "bare-proxy": fileURLToPath(new URL("./loadgen/bare-proxy.mjs", import.meta.url)),
};

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** `tsc -p tsconfig.build.json` in `tree` (this checkout or a worktree), with this checkout's tsc. */
function buildDist(tree: string): void {
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
    { cwd: tree, stdio: "inherit" },
  );
}

/** `tsc -p tsconfig.build.json`: the `dist/` that `modelscout serve` runs. */
export function buildRouter(): void {
  buildDist(ROOT);
}

/**
 * A module of the built `dist/` (`buildRouter` first), typed as its source: code as the server
 * runs it, not as tsx compiles it (whose `keepNames` wraps every function it makes in a call,
 * closures made per event too).
 */
export async function importBuilt<Module>(path: string): Promise<Module> {
  return (await import(pathToFileURL(join(ROOT, "dist", path)).href)) as Module;
}

/**
 * A detached git worktree of `ref` at `tree`, with `patch` applied if given, this checkout's
 * `node_modules` linked in, and `dist/` built: another build of the router to run beside this
 * one (`router-path.ts --base`, `router-ablation.ts`). Remove it with `removeWorktree`.
 */
export function buildWorktree(tree: string, ref: string, patch?: string): string {
  execFileSync("git", ["worktree", "add", "--detach", tree, ref], { cwd: ROOT, stdio: "ignore" });
  try {
    if (patch !== undefined) execFileSync("git", ["apply", patch], { cwd: tree, stdio: "inherit" });
    symlinkSync(join(ROOT, "node_modules"), join(tree, "node_modules"));
    buildDist(tree);
  } catch (error) {
    removeWorktree(tree); // a patch that no longer applies must not leave the worktree behind
    throw error;
  }
  return tree;
}

export function removeWorktree(tree: string): void {
  execFileSync("git", ["worktree", "remove", "--force", tree], { cwd: ROOT, stdio: "ignore" });
}

/** `wrapper` runs node under another program (e.g. valgrind): `[command, ...its args]`. */
export function startRole(
  role: keyof typeof ROLES,
  extra: string[] = [],
  nodeFlags: string[] = [],
  wrapper: string[] = [],
): Promise<{ url: string; port: number; child: ChildProcess }> {
  return startScript(ROLES[role], { extra, nodeFlags, wrapper });
}

/**
 * Starts any script that prints `LISTENING <url>` (a role of this file, or the same role
 * from another checkout: `router-path.ts --base`), with `env` added to this process's.
 */
export function startScript(
  script: string,
  options: {
    extra?: string[];
    nodeFlags?: string[];
    wrapper?: string[];
    env?: Record<string, string>;
  } = {},
): Promise<{ url: string; port: number; child: ChildProcess }> {
  const command = [
    ...(options.wrapper ?? []),
    process.execPath,
    ...(options.nodeFlags ?? []),
    script,
    ...(options.extra ?? []),
  ];
  const child = spawn(command[0] as string, command.slice(1), {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, ...options.env },
  });
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const match = /LISTENING (\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        resolve({ url: match[1], port: Number(new URL(match[1]).port), child });
      }
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

const PARCEL_QUESTION = "where is my parcel, it was due yesterday";

/**
 * The chat completion every router benchmark sends (the keyword rules route it by "parcel").
 * With `messageChars`, the question is followed by a long message of that many characters
 * in all: the question repeated, with an email address and a phone number in every 1,000
 * characters, as a pasted support thread would have (`router-cpu.ts --message-chars`).
 */
export function chatBody(model: string, messageChars?: number): string {
  return JSON.stringify({
    model,
    messages: [
      {
        role: "user",
        content: messageChars === undefined ? PARCEL_QUESTION : longMessage(messageChars),
      },
    ],
  });
}

function longMessage(length: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let block = 0; size < length; block += 1) {
    let text = `customer ${block}: write to ann.${block}@example.com or call (415) 555-2671. `;
    while (text.length < 1000) text += `${PARCEL_QUESTION}. `;
    parts.push(text);
    size += text.length;
  }
  return parts.join("").slice(0, length);
}

/** Linux reports CPU times in clock ticks of 1/100 s on every platform Node supports here. */
const TICKS_PER_SECOND = 100;

/** utime + stime in microseconds, from a `/proc/.../stat` line. */
function statCpuMicros(path: string): number {
  const text = readFileSync(path, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND;
}

export function cpuMicros(pid: number): {
  process: number;
  mainThread: number;
  threads: number;
  /**
   * CPU of each live thread other than the main one, keyed `<name>:<tid>` (Node names its
   * threads `node`, so the id, in creation order, is what tells V8's helpers, started first,
   * from worker threads such as the request log's writer, started later).
   */
  byThread: Record<string, number>;
} {
  const byThread: Record<string, number> = {};
  const tasks = readdirSync(`/proc/${pid}/task`).sort((a, b) => Number(a) - Number(b));
  for (const task of tasks) {
    if (task === String(pid)) continue;
    try {
      const name = readFileSync(`/proc/${pid}/task/${task}/comm`, "utf8").trim();
      byThread[`${name}:${task}`] = statCpuMicros(`/proc/${pid}/task/${task}/stat`);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return {
    process: statCpuMicros(`/proc/${pid}/stat`),
    mainThread: statCpuMicros(`/proc/${pid}/task/${pid}/stat`),
    threads: tasks.length,
    byThread,
  };
}

/**
 * The text of the file a server role writes on a signal (timings, a heap profile), once it is
 * there: the roles write it under another name and rename it into place when complete.
 */
export async function waitForFile(path: string, timeoutMs = 10_000): Promise<string> {
  for (let waited = 0; waited < timeoutMs; waited += 20) {
    try {
      return readFileSync(path, "utf8");
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error(`nothing at ${path} within ${timeoutMs / 1000} s`);
}
