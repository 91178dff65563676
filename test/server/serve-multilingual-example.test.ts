/**
 * `examples/multilingual-reviews/routes.json` as its README runs it: `modelscout serve` with
 * the Chinese model built where the README builds it (here, the same layout in a temporary
 * folder, since the repository's copy is built by hand and ignored by git). English and
 * Chinese reviews go to their own models, named by `npm:tinyld` or by the client's header.
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { prepareOfflineModels } from "../support/offline-models.js";
import { postJson } from "./routing-test-support.js";
import { killHard, type ServeProcess, startServeProcess } from "./serve-process.js";

const EXAMPLE = fileURLToPath(
  new URL("../../examples/multilingual-reviews/routes.json", import.meta.url),
);
const CHINESE = "local:../chinese-reviews/models/modelscout/reviews-zh-bow";

let serve: ServeProcess | undefined;
afterAll(async () => {
  if (serve !== undefined) await killHard(serve);
});

describe("examples/multilingual-reviews", () => {
  it("sends English reviews to AFINN and Chinese ones to the Chinese model", async () => {
    const offline = await prepareOfflineModels();
    const root = mkdtempSync(join(tmpdir(), "ms-multilingual-"));
    mkdirSync(join(root, "examples", "multilingual-reviews"), { recursive: true });
    const config = join(root, "examples", "multilingual-reviews", "routes.json");
    copyFileSync(EXAMPLE, config);
    cpSync(
      join(offline.directory, offline.models.reviewsChinese),
      join(root, "examples", "chinese-reviews", "models", offline.models.reviewsChinese),
      { recursive: true },
    );
    serve = await startServeProcess(
      ["--config", config, "--state", join(root, "state.db")],
      { MODELSCOUT_HOME: join(root, "home") },
      90_000,
    );
    const classify = (input: string, headers: Record<string, string> = {}) =>
      postJson(`${serve?.url}/v1/tasks/text-classification`, { model: "reviews", input }, headers);

    const english = await classify("The delivery was fast and the food was great.");
    expect(english.status).toBe(200);
    expect(english.json.model).toBe("npm:sentiment");
    expect(english.json.data[0].labels[0].label).toBe("positive");
    expect(english.headers.get("x-modelscout-reason")).toContain("language en (npm:tinyld)");

    const chinese = await classify("送餐太慢了，菜都凉了");
    expect(chinese.json.model).toBe(CHINESE);
    expect(chinese.json.data[0].labels[0].label).toBe("negative");
    expect(chinese.headers.get("x-modelscout-reason")).toContain("language zh (npm:tinyld)");

    const named = await classify("还行", { "x-modelscout-language": "zh-CN" });
    expect(named.json.model).toBe(CHINESE);
    expect(named.headers.get("x-modelscout-reason")).toContain("language zh (header)");
  }, 120_000);
});
