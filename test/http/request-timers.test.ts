import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { clearRequestTimer } from "../../src/http/request-timers.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const WITH_DEADLINE = fileURLToPath(new URL("../../src/route/with-deadline.ts", import.meta.url));

describe("clearRequestTimer", () => {
  it("stops the timer, and takes undefined (no timer started yet)", async () => {
    let fired = 0;
    const timer = setTimeout(() => {
      fired += 1;
    }, 20);
    expect(timer.hasRef()).toBe(true); // running, it holds the process as any timer does
    clearRequestTimer(timer);
    clearRequestTimer(undefined);
    await sleep(60);
    expect(fired).toBe(0);
  });

  it("leaves a running deadline holding the process: a model that never answers still times out", () => {
    // Nothing else keeps this process alive: were the deadline's timer unref'd while it
    // runs, the process would end at once, silently, with the work unsettled.
    const script = `
      import { withDeadline } from ${JSON.stringify(WITH_DEADLINE)};
      withDeadline(() => new Promise(() => {}), 150).then(
        () => console.log("settled"),
        (error) => console.log(error.name),
      );
    `;
    const printed = execFileSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "--eval", script],
      { encoding: "utf8", timeout: 20_000 },
    );
    expect(printed.trim()).toBe("DeadlineExceeded");
  });
});
