import { describe, expect, it } from "vitest";
import {
  renderDecisionReport,
  renderDecisionText,
} from "../../../src/select/report/render-decision-report.js";
import { ANSI_ID, buildDecision, HOSTILE_ID } from "./decision-fixture.js";

function scatterSvg(html: string): string {
  const match = /<svg class="scatter"[\s\S]*?<\/svg>/.exec(html);
  if (match === null) throw new Error("no scatter SVG in the report");
  return match[0];
}

function decodeAttribute(value: string): string {
  return value
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&");
}

function attributeValues(markup: string, tag: string, attribute: string): string[] {
  const pattern = new RegExp(`<${tag}\\b[^>]*\\b${attribute}="([^"]*)"`, "g");
  return [...markup.matchAll(pattern)].map((match) => decodeAttribute(match[1] ?? ""));
}

/** The `x` of the tick label showing `text` on the latency axis. */
function tickX(svg: string, text: string): number {
  const match = new RegExp(
    `<text class="tick" x="([\\d.]+)"[^>]*text-anchor="middle">${text}<`,
  ).exec(svg);
  if (match === null) throw new Error(`no latency tick "${text}"`);
  return Number(match[1]);
}

describe("renderDecisionReport", () => {
  const decision = buildDecision();
  const html = renderDecisionReport(decision);

  it("is one self-contained, phone-readable HTML document", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain(`<meta name="viewport" content="width=device-width, initial-scale=1">`);
    expect(html).toContain(`<div class="table-wrap">`);
    // Nothing that loads or runs anything: no scripts, links, external URLs or imports.
    expect(html).not.toMatch(/<(script|link|iframe|img|object|embed|audio|video)\b/i);
    expect(html).not.toMatch(/<[^>]*\s(src|href)=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain("<title>ModelScout: text-classification on rpi5 (completed)</title>");
  });

  it("escapes every string from the decision", () => {
    expect(html).toContain("evil/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("reviews &amp; notes/&lt;zh&gt;.jsonl");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    // The hostile id and the error are present, but only escaped.
    expect(html).not.toContain(HOSTILE_ID);
    expect(html).not.toContain("<img src=x");
  });

  it("names the winner and gives every explanation sentence", () => {
    expect(html).toMatch(
      /<p class="winner-id">Xenova\/bert-base-multilingual-uncased-sentiment<\/p>/,
    );
    for (const sentence of decision.explanation) expect(html).toContain(sentence);
  });

  it("plots one circle per candidate with quality and latency, and lists the others", () => {
    const svg = scatterSvg(html);
    const plotted = attributeValues(svg, "circle", "data-candidate");
    expect(svg.match(/<circle\b/g)).toHaveLength(4);
    expect(plotted.sort()).toEqual(
      [
        HOSTILE_ID,
        "Qwen/Qwen2.5-0.5B-Instruct",
        "Xenova/bert-base-multilingual-uncased-sentiment",
        "uer/roberta-base-finetuned-jd-binary-chinese",
      ].sort(),
    );
    const notPlotted = /<ul class="not-plotted">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? "";
    expect(notPlotted).toContain("Helsinki/tiny-zh-sentiment");
    expect(notPlotted).toContain("BACKEND_CRASHED");
    expect(notPlotted).toContain("not probed");
  });

  it("draws the Pareto front as a step line through the front's points", () => {
    const svg = scatterSvg(html);
    const path = /<path class="pareto" d="([^"]+)"/.exec(svg)?.[1];
    expect(path).toBeDefined();
    // Three front points: a move, then one horizontal and one vertical step per further point.
    expect(path?.match(/H/g)).toHaveLength(2);
    expect(path?.match(/V/g)).toHaveLength(2);
    const circle = (id: string) => {
      const match = new RegExp(
        `data-candidate="${id.replaceAll("/", "\\/").replaceAll(".", "\\.")}" cx="([\\d.]+)" cy="([\\d.]+)"`,
      ).exec(svg);
      return { x: Number(match?.[1]), y: Number(match?.[2]) };
    };
    const winner = circle("Xenova/bert-base-multilingual-uncased-sentiment");
    const last = circle("Qwen/Qwen2.5-0.5B-Instruct");
    expect(path?.startsWith(`M${winner.x} ${winner.y}`)).toBe(true);
    expect(path?.endsWith(`H${last.x} V${last.y}`)).toBe(true);
  });

  it("highlights the winner and draws estimated latencies hollow, saying so in the legend", () => {
    const svg = scatterSvg(html);
    const winner = /<circle class="([^"]+)" data-candidate="Xenova[^"]*"[^>]*r="(\d+)"/.exec(svg);
    expect(winner?.[1]).toContain("status-winner");
    expect(winner?.[2]).toBe("9");
    expect(svg).toMatch(
      /<text class="label label-winner"[^>]*>bert-base-multilingual-uncased-sentiment ★</,
    );
    expect(svg).toContain(">evil/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</text>");
    const estimated = /<circle class="([^"]+)" data-candidate="Qwen[^"]*"[^>]*>/.exec(svg)?.[0];
    expect(estimated).toContain("estimated");
    expect(estimated).toContain('fill="#ffffff"');
    expect(estimated).toContain("stroke-dasharray");
    const measured = /<circle class="([^"]+)" data-candidate="uer[^"]*"[^>]*>/.exec(svg)?.[0];
    expect(measured).toContain("measured");
    expect(measured).not.toContain("stroke-dasharray");
    expect(html).toContain("hollow, dashed: latency estimated for rpi5 (not measured)");
  });

  it("puts latency on a log axis with units on both axes", () => {
    const svg = scatterSvg(html);
    expect(svg).toContain("p50 latency per item (ms, log scale) on rpi5");
    expect(svg).toContain("quality: accuracy, 0–1, higher is better");
    const decade = tickX(svg, "100") - tickX(svg, "10");
    expect(decade).toBeGreaterThan(50);
    expect(tickX(svg, "1,000") - tickX(svg, "100")).toBeCloseTo(decade, 0);
    // 20 sits log10(2) of a decade after 10, not a tenth of it.
    expect((tickX(svg, "20") - tickX(svg, "10")) / decade).toBeCloseTo(Math.log10(2), 2);
  });

  it("ranks the candidate table: winner, then selectable by score, then the rest", () => {
    const rows = attributeValues(
      /<table class="candidates">[\s\S]*?<\/table>/.exec(html)?.[0] ?? "",
      "tr",
      "data-candidate",
    );
    expect(rows).toEqual([
      "Xenova/bert-base-multilingual-uncased-sentiment",
      "uer/roberta-base-finetuned-jd-binary-chinese",
      "Qwen/Qwen2.5-0.5B-Instruct",
      HOSTILE_ID,
      "Helsinki/tiny-zh-sentiment",
      ANSI_ID,
    ]);
    const winnerRow = /<tr class="row-winner"[\s\S]*?<\/tr>/.exec(html)?.[0] ?? "";
    expect(winnerRow).toContain("0.866–0.940");
    expect(winnerRow).toContain("38 ms / 54 ms");
    expect(winnerRow).toContain("accuracy 0.905, macro_f1 0.901");
    expect(winnerRow).toContain("180 MB");
    expect(winnerRow).toContain("0.883");
    expect(html).toContain("p95 latency 1.4 s is over the 200 ms limit");
  });

  it("shows the filter funnel, data, budget and environment", () => {
    expect(html).toContain("<strong>task</strong>: 5210 → 640 (removed 4570)");
    expect(html).toContain("<strong>memory-fit</strong>: 38 → 6 (removed 32)");
    expect(html).toContain("fits 8 GB on Raspberry Pi 5 at int8");
    expect(html).toContain("Qwen/Qwen2.5-14B-Instruct</strong>: needs 16.2 GB at int8");
    expect(html).toContain("and 4569 more");
    expect(html).toContain("563 of 1000 an exhaustive evaluation would take (56.3%)");
    expect(html).toContain("1 min 23 s");
    expect(html).toContain("AMD EPYC 7B13");
    expect(html).toContain("1 → positive, 0 → negative");
  });

  it("warns about a proxy metric only when the metric is a proxy", () => {
    expect(html).not.toContain("proxy-warning");
    const proxy = buildDecision();
    proxy.metric = {
      name: "agreement",
      proxy: true,
      description: "Share of items where the candidate agrees with the majority of the others.",
    };
    proxy.data.labelled = false;
    const proxyHtml = renderDecisionReport(proxy);
    expect(proxyHtml).toContain(`<p class="warning proxy-warning" role="note">`);
    expect(proxyHtml).toContain("quality: agreement (proxy), 0–1, higher is better");
  });

  it("says a selection without sample data was ranked by priors only, not by a proxy", () => {
    const priorsOnly = buildDecision();
    priorsOnly.metric = {
      name: "prior",
      proxy: false,
      description:
        "No sample data was given, so nothing was measured: candidates are ranked by their prior (published evaluation scores, popularity, earlier decisions).",
    };
    priorsOnly.data = { path: null, items: 0, labelled: false, skippedRows: 0, labelMapping: null };
    priorsOnly.spentProbes = 0;
    priorsOnly.candidates = priorsOnly.candidates
      .toSorted((a, b) => b.prior - a.prior)
      .map((candidate, index) => ({
        ...candidate,
        status: index === 0 ? "winner" : "not-probed",
        quality: null,
        qualityCi: null,
        metrics: {},
        latencyKind: null,
        score: candidate.prior,
        probes: 0,
      }));
    // Decisions stored by earlier builds marked the prior a proxy; they must read the same.
    const stored = structuredClone(priorsOnly);
    stored.metric.proxy = true;
    for (const report of [renderDecisionReport(priorsOnly), renderDecisionReport(stored)]) {
      expect(report).not.toContain("proxy-warning");
      expect(report).not.toContain("agree with each other");
      expect(report).not.toContain("The data has no labels");
      expect(report).toContain(
        `<p class="warning priors-only-warning" role="note"><strong>Ranked by priors only.</strong> Nothing was measured: with no sample data, no candidate was run`,
      );
      expect(report).toContain("Nothing was probed (no sample data): ranked by prior");
      expect(report).not.toContain("on the probed items");
      expect(report).toContain("not probed (no sample data)");
      expect(report).not.toContain("ranked below the probing cut");
    }
  });

  it("shows error-rate metrics as 1 − rate, the quality selection scored", () => {
    const speech = buildDecision();
    speech.metric = { name: "cer", proxy: false, description: "Character error rate." };
    const speechHtml = renderDecisionReport(speech);
    expect(scatterSvg(speechHtml)).toContain("quality: 1 − cer, 0–1, higher is better");
    expect(speechHtml).toContain("1 − cer, so that higher is better everywhere in this report");
    expect(html).not.toContain("Quality shown");
  });

  it("reports a decision without a winner or plottable candidates", () => {
    const empty = buildDecision();
    empty.status = "no-candidates";
    empty.winner = null;
    empty.candidates = [];
    empty.paretoFront = [];
    empty.explanation = ["The memory-fit filter removed the last 6 candidates."];
    empty.error = { code: "NOT_FOUND", message: "No candidate fits 8 GB on rpi5." };
    const emptyHtml = renderDecisionReport(empty);
    expect(emptyHtml).toContain(`<p class="winner-id">No winner</p>`);
    expect(emptyHtml).toContain("NOT_FOUND: No candidate fits 8 GB on rpi5.");
    expect(emptyHtml).not.toContain("<svg");
    expect(emptyHtml).toContain("nothing to plot");
  });
});

describe("renderDecisionText", () => {
  const decision = buildDecision();
  const text = renderDecisionText(decision);
  const lines = text.split("\n");

  it("prints the ranked table, then the winner and the explanation", () => {
    const header = lines[0] ?? "";
    expect(header).toMatch(/^#\s+Model\s+Status\s+Quality\s+95% CI\s+p50\s+p95\s+Latency/);
    const rows = lines.slice(2, 8);
    const order = rows.map((row) => row.split(/\s{2,}/)[1]);
    expect(order).toEqual([
      "Xenova/bert-base-multilingual-uncased-sentiment",
      "uer/roberta-base-finetuned-jd-binary-chinese",
      "Qwen/Qwen2.5-0.5B-Instruct",
      HOSTILE_ID,
      "Helsinki/tiny-zh-sentiment",
      "ansi/?[31mred?[0m-model",
    ]);
    // Winner, selectable and over-SLO rows in descending score order.
    const scores = rows.slice(0, 3).map((row) => Number(row.split(/\s+/).at(-2)));
    expect(scores).toEqual([0.883, 0.801, 0.69]);
    expect(lines[8]).toBe("");
    expect(lines[9]).toBe("Winner: Xenova/bert-base-multilingual-uncased-sentiment");
    expect(lines.slice(10, 13)).toEqual(decision.explanation);
  });

  it("aligns columns and uses no colour codes", () => {
    const header = lines[0] ?? "";
    const statusColumn = header.indexOf("Status");
    const scoreEnd = header.indexOf("Score") + "Score".length;
    for (const row of lines.slice(2, 8)) {
      expect(row.slice(statusColumn)).toMatch(
        /^(winner|selectable|slo-violated|eliminated|not-probed|failed)\s/,
      );
      expect(row.slice(scoreEnd - 5, scoreEnd)).toMatch(/^(\d\.\d{3}|\s{4}—)$/);
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence.
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain(
      "Failed: ansi/?[31mred?[0m-model (BACKEND_CRASHED: Model process exited",
    );
  });

  it("keeps both ends of long ids, so ids that differ only at the end stay apart", () => {
    const local = buildDecision();
    const base = "local:/work/main/examples/english-sentiment/models/modelscout/sentiment-en-bow";
    const [first, second] = local.candidates.filter((candidate) => candidate.quality !== null);
    if (first === undefined || second === undefined) throw new Error("fixture changed");
    first.id = base;
    second.id = `${base}@q8`;
    const rows = renderDecisionText(local).split("\n");
    // Table rows (they start with the rank), not the Provenance block's lines.
    const shown = rows.filter((row) => /^\s*\d+\s/.test(row) && row.includes("local:/"));
    expect(shown).toHaveLength(2);
    const cells = shown.map((row) => row.split(/\s{2,}/)[1] ?? "");
    expect(cells.map((cell) => cell.length)).toEqual([48, 48]);
    expect(cells.every((cell) => cell.startsWith("local:/work/main…"))).toBe(true);
    expect(cells.filter((cell) => cell.endsWith("/sentiment-en-bow@q8"))).toHaveLength(1);
    expect(cells.filter((cell) => cell.endsWith("/sentiment-en-bow"))).toHaveLength(1);
    const labels = scatterSvg(renderDecisionReport(local)).match(/<text class="label[^>]*>[^<]*/g);
    expect(labels?.some((label) => label.endsWith(">sentiment-en-bow"))).toBe(true);
    expect(labels?.some((label) => label.endsWith(">sentiment-en-bow@q8"))).toBe(true);
  });

  it("says why there is no winner", () => {
    const empty = buildDecision();
    empty.status = "aborted";
    empty.winner = null;
    empty.explanation = [];
    empty.error = { code: "INVALID_ARGUMENT", message: "Interrupted by the user (Ctrl-C)." };
    expect(renderDecisionText(empty)).toContain("Winner: none (Interrupted by the user (Ctrl-C).)");
  });
});
