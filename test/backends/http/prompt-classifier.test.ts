import { describe, expect, it } from "vitest";
import { isLoopbackUrl } from "../../../src/backends/http/is-loopback-url.js";
import {
  batchLabelResults,
  labelsAnswer,
  labelsAnswers,
  parseClassifierAnswer,
  promptClassifierMessages,
  unreadAnswerUsage,
} from "../../../src/backends/http/prompt-classifier.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";

const SENTIMENT = ["positive", "negative", "neutral"];

function winner(answer: string, labels: readonly string[] = SENTIMENT): string | undefined {
  return parseClassifierAnswer(answer, labels)[0]?.label;
}

describe("promptClassifierMessages", () => {
  it("lists every label on its own line in the system message and passes the text as the user's", () => {
    const [system, user] = promptClassifierMessages("Great phone", ["positive", "negative"]);
    expect(system?.role).toBe("system");
    expect(system?.content).toMatch(/exactly one label/);
    expect(system?.content.endsWith("\n- positive\n- negative")).toBe(true);
    expect(user).toEqual({ role: "user", content: "Great phone" });
  });
});

describe("parseClassifierAnswer", () => {
  it("scores the chosen label 1 and the others 0, chosen first", () => {
    expect(parseClassifierAnswer("negative", SENTIMENT)).toEqual([
      { label: "negative", score: 1 },
      { label: "positive", score: 0 },
      { label: "neutral", score: 0 },
    ]);
  });

  it("accepts the wrappers chat models add: case, quotes, prefixes, full stops, markdown", () => {
    expect(winner("Positive")).toBe("positive");
    expect(winner('"negative".')).toBe("negative");
    expect(winner("Label: neutral")).toBe("neutral");
    expect(winner("The answer is: **positive**")).toBe("positive");
    expect(winner("  NEGATIVE\n")).toBe("negative");
  });

  it("takes a label at the start of a longer answer, preferring the longest", () => {
    expect(winner("positive. The reviewer liked it.")).toBe("positive");
    expect(winner("very positive, clearly", ["positive", "very positive"])).toBe("very positive");
    // "positively" is not the label "positive" followed by text.
    expect(() => parseClassifierAnswer("positively glowing", ["positive", "negative"])).toThrow(
      ModelScoutError,
    );
  });

  it("takes the one label mentioned as a whole word anywhere", () => {
    expect(winner("I would say this is neutral overall")).toBe("neutral");
    expect(winner("Category → sports", ["sports", "politics"])).toBe("sports");
  });

  it("keeps labels with punctuation and non-Latin scripts", () => {
    expect(winner("sci-fi", ["sci-fi", "drama"])).toBe("sci-fi");
    expect(winner("正面", ["正面", "负面"])).toBe("正面");
  });

  it("refuses an answer naming several labels or none, saying what it got", () => {
    const both = (() => {
      try {
        parseClassifierAnswer("It is partly positive and partly negative", SENTIMENT);
      } catch (error) {
        return error;
      }
    })() as ModelScoutError;
    expect(both).toBeInstanceOf(ModelScoutError);
    expect(both.code).toBe("BACKEND_RESPONSE_INVALID");
    expect(both.message).toContain("partly positive");
    expect(() => parseClassifierAnswer("I cannot help with that", SENTIMENT)).toThrow(
      /does not name exactly one of the labels positive, negative, neutral/,
    );
  });
});

describe("labelsAnswer", () => {
  const usage = { promptTokens: 41, completionTokens: 9 };

  it("keeps the answer's tokens with its label", () => {
    expect(labelsAnswer({ text: "negative", usage }, SENTIMENT)).toEqual({
      kind: "labels",
      labels: [
        { label: "negative", score: 1 },
        { label: "positive", score: 0 },
        { label: "neutral", score: 0 },
      ],
      usage,
    });
  });

  it("sends the tokens of an answer that names no label with its error, the call being billed", () => {
    const refusal = (answer: { text: string; usage?: typeof usage }) => {
      try {
        labelsAnswer(answer, SENTIMENT);
      } catch (error) {
        return error;
      }
      throw new Error("labelsAnswer took an answer that names no label");
    };
    const billed = refusal({ text: "Hard to say, it depends on the customer", usage });
    expect(billed).toMatchObject({
      code: "BACKEND_RESPONSE_INVALID",
      message: expect.stringContaining("Hard to say"),
      details: { usage, labels: SENTIMENT },
    });
    expect(unreadAnswerUsage(billed)).toEqual(usage);
    // A server that reports no tokens: the error as before, and nothing to count.
    const unreported = refusal({ text: "Hard to say" });
    expect(unreported).toMatchObject({ code: "BACKEND_RESPONSE_INVALID" });
    expect(unreadAnswerUsage(unreported)).toBeUndefined();
    expect(unreadAnswerUsage(new Error("socket hang up"))).toBeUndefined();
  });
});

describe("labelsAnswers", () => {
  const usage = (promptTokens: number) => ({ promptTokens, completionTokens: 2 });
  const labelsOf = () => SENTIMENT;

  it("reads every answer of a batch as its label", () => {
    const outputs = labelsAnswers(
      [
        { text: "positive", usage: usage(10) },
        { text: "neutral", usage: usage(11) },
      ],
      labelsOf,
    );
    expect(outputs.map((output) => [output.labels[0]?.label, output.usage])).toEqual([
      ["positive", usage(10)],
      ["neutral", usage(11)],
    ]);
  });

  it("fails a batch with an answer naming no label, keeping what each input got", () => {
    let caught: unknown;
    try {
      labelsAnswers(
        [
          { text: "negative", usage: usage(10) },
          { text: "No idea, sorry", usage: usage(11) },
          { text: "positive" },
          { text: "Could be anything" },
        ],
        labelsOf,
      );
    } catch (error) {
      caught = error;
    }
    // One error for the batch, the first unreadable answer's, with its tokens.
    expect(caught).toMatchObject({
      code: "BACKEND_RESPONSE_INVALID",
      message: expect.stringContaining("No idea, sorry"),
      details: { usage: usage(11) },
    });
    const results = batchLabelResults(caught, 4);
    expect(
      results?.map((result) => ("output" in result ? result.output.labels[0]?.label : null)),
    ).toEqual(["negative", null, "positive", null]);
    expect(results?.[0]).toMatchObject({ output: { usage: usage(10) } });
    expect(results?.[1]).toMatchObject({
      error: expect.stringContaining("No idea"),
      usage: usage(11),
    });
    expect(results?.[3]).toEqual({ error: expect.stringContaining("Could be anything") });
    // Read for another number of inputs, or from another error: nothing.
    expect(batchLabelResults(caught, 3)).toBeUndefined();
    expect(batchLabelResults(new Error("socket hang up"), 4)).toBeUndefined();
  });
});

describe("isLoopbackUrl", () => {
  it("counts only loopback addresses and localhost as this machine", () => {
    for (const url of [
      "http://127.0.0.1:8000/v1",
      "http://127.1.2.3/v1",
      "http://localhost:11434/v1",
      "http://LOCALHOST/v1",
      "http://[::1]:8080/v1",
      "http://api.localhost/v1",
    ]) {
      expect(isLoopbackUrl(url), url).toBe(true);
    }
    for (const url of [
      "https://api.openai.com/v1",
      "http://10.0.0.5:8000/v1",
      "http://192.168.1.2/v1",
      "http://127.0.0.1.example.com/v1",
      "http://localhost.example.com/v1",
      "not a url",
    ]) {
      expect(isLoopbackUrl(url), url).toBe(false);
    }
  });
});
