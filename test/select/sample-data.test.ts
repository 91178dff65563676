import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { matchLabels } from "../../src/select/match-labels.js";
import { loadSampleData } from "../../src/select/sample-data.js";
import { parseTaskSpec } from "../../src/select/task-spec.js";

const fixtures = fileURLToPath(new URL("../fixtures/sample-data/", import.meta.url));

function dataSpec(data: Record<string, unknown>) {
  return parseTaskSpec({ task_type: "text-classification", data }).data;
}

async function loadError(
  data: Record<string, unknown>,
  options: Parameters<typeof loadSampleData>[1] = {},
): Promise<ModelScoutError> {
  try {
    await loadSampleData(dataSpec(data), { baseDirectory: fixtures, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ModelScoutError);
    return error as ModelScoutError;
  }
  throw new Error("expected loadSampleData to fail");
}

describe("loadSampleData: JSONL", () => {
  it("reads inputs, turns numeric labels into strings, applies the label map, keeps lines", async () => {
    const data = await loadSampleData(
      dataSpec({ path: "reviews.jsonl", label_map: { "1": "positive", "0": "negative" } }),
      { baseDirectory: fixtures },
    );
    expect(data.format).toBe("jsonl");
    expect(data.items).toEqual([
      { input: "I loved this film", label: "positive", line: 1 },
      { input: "Terrible acting", label: "negative", line: 2 },
      { input: "这家餐厅的菜很好吃", label: "positive", line: 4 },
      { input: "No label here", label: null, line: 5 },
      { input: "Null label", label: null, line: 6 },
    ]);
    expect(data.labels).toEqual(["negative", "positive"]);
    expect(data.hasLabels).toBe(true);
    expect(data.skipped).toEqual([]);
  });

  it("hashes the file's bytes as read (a byte-order mark included) and names the sample's seed", async () => {
    const folder = await mkdtemp(join(tmpdir(), "modelscout-sample-hash-"));
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('{"text":"café ☕","label":"positive"}\n{"text":"bad","label":"negative"}\n'),
    ]);
    await writeFile(join(folder, "data.jsonl"), bytes);
    const data = await loadSampleData(dataSpec({ path: "data.jsonl" }), {
      baseDirectory: folder,
      sampleSeed: 7,
    });
    expect(data.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(data.sampleSeed).toBe(7);
    expect(data.items[0]?.input).toBe("café ☕");
    const fixture = await loadSampleData(dataSpec({ path: "reviews.jsonl" }), {
      baseDirectory: fixtures,
    });
    expect(fixture.sha256).toBe(
      createHash("sha256")
        .update(await readFile(join(fixtures, "reviews.jsonl")))
        .digest("hex"),
    );
    expect(fixture.sampleSeed).toBe(1);
  });

  it("keeps a seeded sample of maxRows items from the whole file, in file order", async () => {
    const load = (sampleSeed?: number) =>
      loadSampleData(dataSpec({ path: "reviews.jsonl" }), {
        baseDirectory: fixtures,
        maxRows: 2,
        ...(sampleSeed !== undefined && { sampleSeed }),
      });
    const data = await load();
    expect(data.items).toHaveLength(2);
    expect(data.rows).toBe(5);
    const lines = data.items.map((item) => item.line);
    expect(lines).toEqual([...lines].sort((left, right) => left - right));
    // The same file and seed give the same items; the seeds between them reach past the
    // first two rows.
    expect((await load(1)).items).toEqual(data.items);
    const reached = new Set<number>();
    for (let seed = 1; seed <= 20; seed++) {
      for (const item of (await load(seed)).items) reached.add(item.line);
    }
    expect([...reached].sort()).toEqual([1, 2, 4, 5, 6]);
    // Fewer rows than maxRows: all of them.
    const whole = await loadSampleData(dataSpec({ path: "reviews.jsonl" }), {
      baseDirectory: fixtures,
      maxRows: 10,
    });
    expect(whole.items.map((item) => item.line)).toEqual([1, 2, 4, 5, 6]);
    expect(whole.rows).toBe(5);
  });

  it("fails on malformed rows by default, naming every bad line and what is wrong", async () => {
    const error = await loadError({ path: "malformed.jsonl" });
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("malformed.jsonl");
    expect(error.message).toContain("4 malformed rows");
    expect(error.message).toMatch(/line 2: not valid JSON/);
    expect(error.message).toContain('line 3: no "text" field (fields present: body, label)');
    expect(error.message).toContain('line 4: "text" must be a string (got number 42)');
    expect(error.message).toContain("line 5: not a JSON object");
    expect(error.details.lines).toEqual([2, 3, 4, 5]);
    // What to do is something the user can set, not a library option.
    expect(error.message).toContain(
      'Fix them, or set "on_malformed_row": "skip" in the task spec\'s data block to leave them out',
    );
    expect(error.message).not.toContain("onMalformedRow");
  });

  it("reads a CSV's only text column besides the label as the input when no column is named", async () => {
    const directory = await mkdtemp(join(tmpdir(), "sample-data-"));
    await writeFile(join(directory, "reviews.csv"), "label,review\n1,好吃\n0,难吃\n");
    const data = await loadSampleData(dataSpec({ path: "reviews.csv" }), {
      baseDirectory: directory,
    });
    expect(data.items.map((item) => [item.input, item.label])).toEqual([
      ["好吃", "1"],
      ["难吃", "0"],
    ]);
    expect(data.guessedInputColumn).toBe("review");
    // A column named in the spec is never replaced by a guess; the hint says what to do.
    const named = await loadError(
      { path: "reviews.csv", columns: { input: "text" } },
      { baseDirectory: directory, columnsHint: "Rename it." },
    );
    expect(named.message).toMatch(/has no column "text" for the inputs; .*\. Rename it\.$/);
    // An id column of numbers is no input.
    await writeFile(join(directory, "ids.csv"), "id,label\n1,positive\n2,negative\n");
    const ids = await loadError({ path: "ids.csv" }, { baseDirectory: directory });
    expect(ids.message).toContain("Set data.columns.input in the task spec");
  });

  it("reads columns named as inputs and labels usually are when the spec names none", async () => {
    const directory = await mkdtemp(join(tmpdir(), "sample-data-"));
    // A spreadsheet saved in China: Chinese headers, Chinese labels.
    await writeFile(join(directory, "zh.csv"), "标签,评论\n正面,好吃\n负面,难吃\n");
    const zh = await loadSampleData(dataSpec({ path: "zh.csv" }), { baseDirectory: directory });
    expect(zh.items.map((item) => [item.input, item.label])).toEqual([
      ["好吃", "正面"],
      ["难吃", "负面"],
    ]);
    expect(zh.guessedInputColumn).toBe("评论");
    expect(zh.guessedLabelColumn).toBe("标签");
    // GLUE's SST-2 as JSONL: `sentence` and `label`.
    await writeFile(
      join(directory, "sst2.jsonl"),
      '{"idx":0,"sentence":"a gorgeous film","label":1}\n{"idx":1,"sentence":"dull","label":0}\n',
    );
    const sst2 = await loadSampleData(dataSpec({ path: "sst2.jsonl" }), {
      baseDirectory: directory,
    });
    expect(sst2.items.map((item) => [item.input, item.label])).toEqual([
      ["a gorgeous film", "1"],
      ["dull", "0"],
    ]);
    expect(sst2.guessedInputColumn).toBe("sentence");
    expect(sst2.guessedLabelColumn).toBeUndefined();
    // A label column the spec names is read as named: here one the file lacks, so no labels.
    const named = await loadSampleData(
      dataSpec({ path: "zh.csv", columns: { input: "评论", label: "label" } }),
      { baseDirectory: directory },
    );
    expect(named.hasLabels).toBe(false);
    expect(named.guessedLabelColumn).toBeUndefined();
  });

  it("skips malformed rows when the task spec's data.on_malformed_row says so", async () => {
    const data = await loadSampleData(
      dataSpec({ path: "malformed.jsonl", on_malformed_row: "skip" }),
      { baseDirectory: fixtures },
    );
    expect(data.items.map((item) => item.line)).toEqual([1, 6]);
    expect(data.skipped.map((row) => row.line)).toEqual([2, 3, 4, 5]);
    expect(() => dataSpec({ path: "malformed.jsonl", on_malformed_row: "ignore" })).toThrow(
      'data.on_malformed_row must be "fail" or "skip" (got "ignore")',
    );
  });

  it("skips malformed rows and reports them when asked to", async () => {
    const data = await loadSampleData(dataSpec({ path: "malformed.jsonl" }), {
      baseDirectory: fixtures,
      onMalformedRow: "skip",
    });
    expect(data.items.map((item) => [item.line, item.input, item.label])).toEqual([
      [1, "fine", "pos"],
      [6, "also fine", "neg"],
    ]);
    expect(data.skipped.map((row) => row.line)).toEqual([2, 3, 4, 5]);
    expect(data.skipped[1]?.reason).toContain('no "text" field');
  });

  it("lists at most 10 bad lines and counts the rest", async () => {
    const directory = await mkdtemp(join(tmpdir(), "sample-data-"));
    const lines = Array.from({ length: 13 }, (_, index) => `{"text": ${index}}`);
    await writeFile(join(directory, "numbers.jsonl"), `${lines.join("\n")}\n`);
    const error = await loadError({ path: "numbers.jsonl" }, { baseDirectory: directory });
    expect(error.message).toContain("13 malformed rows");
    expect(error.message).toContain("line 10:");
    expect(error.message).not.toContain("line 11:");
    expect(error.message).toContain("and 3 more");
    expect(error.details.lines).toHaveLength(13);
  });

  it("turns boolean labels into strings and trims labels", async () => {
    const directory = await mkdtemp(join(tmpdir(), "sample-data-"));
    await writeFile(
      join(directory, "flags.jsonl"),
      '{"text": "yes", "label": true}\n{"text": "no", "label": false}\n{"text": "spaced", "label": " 1 "}\n',
    );
    const data = await loadSampleData(
      dataSpec({ path: "flags.jsonl", label_map: { "1": "one" } }),
      {
        baseDirectory: directory,
      },
    );
    expect(data.items.map((item) => item.label)).toEqual(["true", "false", "one"]);
    expect(data.labels).toEqual(["false", "one", "true"]);
  });

  it("rejects an empty file, naming it", async () => {
    const error = await loadError({ path: "empty.jsonl" });
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toMatch(/empty\.jsonl is empty/);
  });
});

describe("loadSampleData: CSV", () => {
  it("handles a BOM, CRLF, quoted commas, doubled quotes, line breaks and Chinese text", async () => {
    const data = await loadSampleData(
      dataSpec({ path: "reviews.csv", columns: { input: "review", label: "label" } }),
      { baseDirectory: fixtures },
    );
    expect(data.format).toBe("csv");
    expect(data.items).toEqual([
      { input: "Great, really great", label: "positive", line: 2 },
      { input: 'She said "wow" twice', label: "negative", line: 3 },
      { input: "Line one\r\nline two", label: "positive", line: 4 },
      { input: "外卖送得很快，味道不错", label: "positive", line: 6 },
      { input: "No label yet", label: null, line: 7 },
    ]);
    expect(data.labels).toEqual(["negative", "positive"]);
  });

  it("reports a row with the wrong field count at its physical line", async () => {
    const error = await loadError({ path: "ragged.csv", columns: { input: "review" } });
    expect(error.message).toContain("ragged.csv");
    expect(error.message).toContain("line 5: has 4 fields, the header has 3");
    const data = await loadSampleData(
      dataSpec({ path: "ragged.csv", columns: { input: "review" } }),
      {
        baseDirectory: fixtures,
        onMalformedRow: "skip",
      },
    );
    expect(data.items.map((item) => item.line)).toEqual([2, 3, 6]);
    expect(data.items[1]?.input).toBe("spans\ntwo lines");
  });

  it("names the columns that exist when the input column is missing", async () => {
    const error = await loadError({ path: "missing-column.csv" });
    expect(error.message).toContain("missing-column.csv");
    expect(error.message).toContain('line 1 (the header) has no column "text"');
    expect(error.message).toContain('the columns are "id", "remarks"');
    expect(error.message).toContain("data.columns.input");
  });

  it("rejects a header without rows and an unclosed quote with its line", async () => {
    const headerOnly = await loadError({ path: "header-only.csv" });
    expect(headerOnly.message).toContain("has a header but no rows");
    const unclosed = await loadError({ path: "unclosed-quote.csv" });
    // The line the quote opened on, not the end of the file it ran to.
    expect(unclosed.message).toMatch(/unclosed-quote\.csv: CSV syntax error on line 2/);
    expect(unclosed.message).toContain("not closed (the file ends on line 3)");
  });

  it("says a folder given as the data is a folder", async () => {
    const directory = await mkdtemp(join(tmpdir(), "sample-data-"));
    const error = (await loadSampleData(dataSpec({ path: directory }), {
      baseDirectory: directory,
    }).catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(error.message).toContain("is a folder, not a file");
  });

  it("takes the format from data.format over the extension", async () => {
    const directory = await mkdtemp(join(tmpdir(), "sample-data-"));
    await writeFile(join(directory, "export.txt"), "text,label\nhello,1\n");
    const data = await loadSampleData(dataSpec({ path: "export.txt", format: "csv" }), {
      baseDirectory: directory,
    });
    expect(data.format).toBe("csv");
    expect(data.items).toEqual([{ input: "hello", label: "1", line: 2 }]);
  });

  it("asks for data.format when the extension does not name a format", async () => {
    const directory = await mkdtemp(join(tmpdir(), "sample-data-"));
    await writeFile(join(directory, "reviews.txt"), "text,label\nhello,1\n");
    const error = (await loadSampleData(dataSpec({ path: "reviews.txt" }), {
      baseDirectory: directory,
    }).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toContain('set data.format to "jsonl" or "csv"');
    // A file that is not there says so first, whatever its extension.
    const missing = await loadError({ path: "reviews.txt" });
    expect(missing.message).toContain("Sample data file not found");
  });
});

describe("loadSampleData: encodings", () => {
  // Excel in a Chinese locale saves "CSV (逗号分隔)" in GBK; TextDecoder has no encoder for it,
  // so the bytes of "标签,评论\n1,好吃\n0,太慢了" are written out by hand.
  const gbkCsv = Uint8Array.from([
    ...[0xb1, 0xea, 0xc7, 0xa9, 0x2c, 0xc6, 0xc0, 0xc2, 0xdb, 0x0a], // 标签,评论
    ...[0x31, 0x2c, 0xba, 0xc3, 0xb3, 0xd4, 0x0a], // 1,好吃
    ...[0x30, 0x2c, 0xcc, 0xab, 0xc2, 0xfd, 0xc1, 0xcb, 0x0a], // 0,太慢了
  ]);

  async function writeTemporary(name: string, bytes: Uint8Array): Promise<string> {
    const folder = await mkdtemp(join(tmpdir(), "ms-encoding-"));
    await writeFile(join(folder, name), bytes);
    return folder;
  }

  it("refuses a GBK file as not UTF-8, naming the line and what it says in GB18030", async () => {
    const folder = await writeTemporary("reviews.csv", gbkCsv);
    const error = await loadError(
      { path: "reviews.csv", columns: { input: "评论", label: "标签" } },
      { baseDirectory: folder },
    );
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("is not UTF-8 text: line 1");
    expect(error.message).toContain('the line says "标签,评论"');
    expect(error.message).toContain('"encoding": "gb18030"');
  });

  it("reads the same file with data.encoding gb18030 (or gbk)", async () => {
    const folder = await writeTemporary("reviews.csv", gbkCsv);
    for (const encoding of ["gb18030", "gbk"]) {
      const data = await loadSampleData(
        dataSpec({ path: "reviews.csv", encoding, columns: { input: "评论", label: "标签" } }),
        { baseDirectory: folder },
      );
      expect(data.items.map((item) => [item.input, item.label])).toEqual([
        ["好吃", "1"],
        ["太慢了", "0"],
      ]);
    }
  });

  it("reads UTF-16 after its byte order mark (Excel's Unicode text)", async () => {
    const text = "text,label\n好吃,1\n";
    const utf16 = new Uint8Array(2 + text.length * 2);
    utf16.set([0xff, 0xfe]);
    for (let index = 0; index < text.length; index += 1) {
      const code = text.charCodeAt(index);
      utf16[2 + index * 2] = code & 0xff;
      utf16[3 + index * 2] = code >> 8;
    }
    const folder = await writeTemporary("reviews.csv", utf16);
    const data = await loadSampleData(dataSpec({ path: "reviews.csv" }), { baseDirectory: folder });
    expect(data.items).toEqual([{ input: "好吃", label: "1", line: 2 }]);
  });

  it("refuses an encoding TextDecoder does not know, at the spec", () => {
    expect(() => dataSpec({ path: "reviews.csv", encoding: "gb-2312-ish" })).toThrow(
      /data\.encoding must be a text encoding such as utf-8, gb18030/,
    );
  });
});

describe("loadSampleData: missing file", () => {
  it("says which path was tried and relative to what", async () => {
    const error = await loadError({ path: "does-not-exist.jsonl" });
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain(`${fixtures}does-not-exist.jsonl`);
    expect(error.message).toContain(`relative to ${fixtures}`);
    expect(error.details.given).toBe("does-not-exist.jsonl");
  });

  it("asks for a data block when the spec has none", async () => {
    await expect(loadSampleData(null)).rejects.toThrow(/no data block/);
  });
});

const waimai = "/work/shared/data/zh-reviews/waimai_10k.csv";

describe("loadSampleData: real Chinese reviews (shared data, not copied into the repo)", () => {
  it("reads waimai_10k.csv with the review/label columns and the 1/0 label map", async () => {
    // The shared data folder is part of this project's environment (see MANIFEST.md);
    // failing loudly beats skipping when it is missing.
    expect(existsSync(waimai)).toBe(true);
    const data = await loadSampleData(
      dataSpec({
        path: waimai,
        columns: { input: "review", label: "label" },
        label_map: { "1": "positive", "0": "negative" },
      }),
    );
    expect(data.skipped).toEqual([]);
    expect(data.items.length).toBeGreaterThan(11_000);
    expect(data.labels).toEqual(["negative", "positive"]);
    const positives = data.items.filter((item) => item.label === "positive").length;
    const negatives = data.items.filter((item) => item.label === "negative").length;
    expect(positives).toBeGreaterThan(3_000);
    expect(negatives).toBeGreaterThan(positives);
    expect(data.items[0]).toEqual({
      input: "很快，好吃，味道足，量大",
      label: "positive",
      line: 2,
    });
    const chinese = data.items.filter((item) => /[\u4e00-\u9fff]/u.test(item.input)).length;
    expect(chinese / data.items.length).toBeGreaterThan(0.95);

    // The file is sorted by label (its first 4,000 rows are positive): a sample of it is
    // drawn from every part of it, so both labels come in about the file's proportions.
    const sample = await loadSampleData(
      dataSpec({ path: waimai, columns: { input: "review", label: "label" } }),
      { maxRows: 500 },
    );
    expect(sample.items).toHaveLength(500);
    expect(sample.rows).toBe(data.items.length);
    expect(sample.labels).toEqual(["0", "1"]);
    const sampledPositive = sample.items.filter((item) => item.label === "1").length / 500;
    expect(Math.abs(sampledPositive - positives / data.items.length)).toBeLessThan(0.08);
    expect(sample.items.at(-1)?.line).toBeGreaterThan(11_000);

    // The mapped labels line up with a typical sentiment model's label set.
    const match = matchLabels(data.labels, ["NEGATIVE", "POSITIVE"]);
    expect(match.mapping).toEqual({ negative: "NEGATIVE", positive: "POSITIVE" });
    expect(match.unmatched).toEqual([]);
  });
});
