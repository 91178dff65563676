/**
 * `bench/sched-timehist.ts` reads `perf sched timehist` text: lines copied from a real record
 * of the router benchmark (2026-11-30), its two header lines and rule included.
 */
import { describe, expect, it } from "vitest";
import { parseTimehist } from "../../bench/sched-timehist.js";

const TIMEHIST = `           time    cpu  task name                       wait time  sch delay   run time
                        [tid/pid]                          (msec)     (msec)     (msec)
--------------- ------  ------------------------------  ---------  ---------  ---------
    7693.079722 [0000]  node[24968]                         0.291      0.000      3.719 
    7693.291711 [0000]  node[24980/24968]                   0.000      1.234      1.570 
    7684.411752 [0000]  <idle>                              0.000      0.000      0.133 
    7685.367394 [0001]  npm exec tsx be[24882]              0.000      0.000      5.693 
`;

describe("parseTimehist", () => {
  it("reads each slice's end, task, scheduling delay and run time, and skips the header", () => {
    expect(parseTimehist(TIMEHIST)).toEqual([
      { at: 7693.079722, task: "node[24968]", schedDelayMs: 0, runMs: 3.719 },
      { at: 7693.291711, task: "node[24980/24968]", schedDelayMs: 1.234, runMs: 1.57 },
      { at: 7684.411752, task: "<idle>", schedDelayMs: 0, runMs: 0.133 },
      { at: 7685.367394, task: "npm exec tsx be[24882]", schedDelayMs: 0, runMs: 5.693 },
    ]);
  });
});
