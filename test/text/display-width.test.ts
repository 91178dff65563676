import { describe, expect, it } from "vitest";
import { shortenMiddle } from "../../src/select/report/format-decision-values.js";
import { renderCandidateTable } from "../../src/select/report/render-decision-text.js";
import {
  displayWidth,
  padToWidth,
  sliceEndToWidth,
  sliceToWidth,
} from "../../src/text/display-width.js";
import { formatTable } from "../../src/text/format-table.js";
import { buildDecision } from "../select/report/decision-fixture.js";

/** Columns taken by each line, as a terminal shows it. */
const lineWidths = (text: string) => text.split("\n").map(displayWidth);

describe("displayWidth", () => {
  it("counts CJK and fullwidth characters as two columns, combining marks as none", () => {
    expect(displayWidth("abc")).toBe(3);
    expect(displayWidth("外卖")).toBe(4);
    expect(displayWidth("한국어")).toBe(6);
    expect(displayWidth("ｚｈ（全角）")).toBe(12);
    expect(displayWidth("e\u0301")).toBe(1);
    expect(displayWidth("𠀀")).toBe(2);
    expect(padToWidth("外卖", 6, "left")).toBe("外卖  ");
    expect(padToWidth("外卖", 6, "right")).toBe("  外卖");
    expect(sliceToWidth("中文情感模型", 5)).toBe("中文");
    expect(sliceEndToWidth("中文情感模型", 5)).toBe("模型");
  });
});

describe("tables with Chinese cells", () => {
  it("formatTable lines every column up in terminal columns", () => {
    const rows = [
      { route: "外卖评论", model: "modelscout/reviews-zh-bow", share: "61%" },
      { route: "support", model: "npm:sentiment", share: "39%" },
    ];
    const table = formatTable(rows, [
      { header: "route", value: (row) => row.route },
      { header: "model", value: (row) => row.model },
      { header: "share", value: (row) => row.share, align: "right" },
    ]);
    const lines = table.split("\n");
    // Every line ends at the same column, and "model" starts where its rule starts.
    expect(new Set(lineWidths(table)).size).toBe(1);
    const modelColumn = displayWidth("外卖评论  ");
    expect(displayWidth(lines[2]?.slice(0, lines[2].indexOf("modelscout")) ?? "")).toBe(
      modelColumn,
    );
    expect(lines[3]?.indexOf("npm:sentiment")).toBe(modelColumn);
  });

  it("formatTable cuts a long Chinese cell to its column width", () => {
    const table = formatTable(
      [{ name: "中文外卖评论情感分类模型" }],
      [{ header: "name", value: (row) => row.name, maxWidth: 9 }],
    );
    expect(table.split("\n")[2]).toBe("中文外卖…");
  });

  it("the selection table lines up a local model in a Chinese-named folder", () => {
    const decision = buildDecision();
    const [first, ...rest] = decision.candidates;
    const chinese = { ...(first as NonNullable<typeof first>), id: "local:/数据/中文情感模型" };
    const table = renderCandidateTable([chinese, ...rest]);
    const lines = table.split("\n");
    const statusColumn = displayWidth(lines[0]?.slice(0, lines[0].indexOf("Status")) ?? "");
    for (const line of lines.slice(2)) {
      const status = line.search(/winner|selectable|eliminated|failed|not-probed|slo-violated/);
      expect(displayWidth(line.slice(0, status))).toBe(statusColumn);
    }
    expect(shortenMiddle("local:/数据/中文情感模型/很长的名字", 20)).toSatisfy(
      (text: string) => displayWidth(text) <= 20,
    );
  });
});
