/**
 * @module
 * Which columns of a sample-data file hold the inputs and the labels when the task spec names
 * neither and the file has no `text` or `label` column. Files exported from other tools name
 * them otherwise: `sentence,label` (GLUE's SST-2), `review,rating`, `评论,标签`
 * (a spreadsheet saved in China). A column is taken only when exactly one column's name says
 * what it holds, or, for the inputs, when one text column is left besides the labels'; a
 * column the spec names is never replaced. The caller reports each guess, so the decision
 * says where its data came from.
 */

/** Column names that hold a row's input, normalised as `normalisedName` does. */
const INPUT_NAMES = new Set([
  "text",
  "sentence",
  "review",
  "reviewtext",
  "content",
  "comment",
  "input",
  "query",
  "question",
  "utterance",
  "document",
  "文本",
  "评论",
  "评价",
  "内容",
  "句子",
  "语句",
  "问题",
  "输入",
  "正文",
]);

/** Column names that hold a row's label. */
const LABEL_NAMES = new Set([
  "label",
  "labels",
  "target",
  "class",
  "category",
  "sentiment",
  "intent",
  "gold",
  "y",
  "标签",
  "类别",
  "分类",
  "情感",
  "情感倾向",
  "极性",
  "标注",
  "意图",
]);

export interface DataColumnsSpec {
  inputColumn: string;
  /** True when the spec did not name the input column (`data.columns.input`). */
  inputColumnDefaulted: boolean;
  labelColumn: string;
  /** True when the spec did not name the label column (`data.columns.label`). */
  labelColumnDefaulted?: boolean;
}

/**
 * The input and label columns to read, given the file's column names and a way to see a
 * column's values (to tell a text column from an id column of numbers).
 */
export function guessDataColumns(
  columns: readonly string[],
  valuesOf: (column: string) => Iterable<unknown>,
  spec: DataColumnsSpec,
): { inputColumn: string; labelColumn: string } {
  let labelColumn = spec.labelColumn;
  if (spec.labelColumnDefaulted === true && !columns.includes(labelColumn)) {
    labelColumn = onlyNamed(columns, LABEL_NAMES) ?? labelColumn;
  }
  let inputColumn = spec.inputColumn;
  if (spec.inputColumnDefaulted && !columns.includes(inputColumn)) {
    const others = columns.filter((name) => name !== labelColumn);
    const named = onlyNamed(others, INPUT_NAMES);
    // `review,label`: with no column named, the one column besides the label's is the input,
    // when it holds text (letters, not only numbers as an id column would).
    const only = named ?? (others.length === 1 ? others[0] : undefined);
    if (only !== undefined && holdsLetters(valuesOf(only))) inputColumn = only;
  }
  return { inputColumn, labelColumn };
}

/** The one column whose name is in `names`; undefined when none or several are. */
function onlyNamed(columns: readonly string[], names: ReadonlySet<string>): string | undefined {
  const matches = columns.filter((column) => names.has(normalisedName(column)));
  return matches.length === 1 ? matches[0] : undefined;
}

/** `Review Text`, `review_text` and `review-text` are one name; so are `Label` and `label`. */
function normalisedName(column: string): string {
  return column
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "");
}

function holdsLetters(values: Iterable<unknown>): boolean {
  for (const value of values) {
    if (typeof value === "string" && /\p{L}/u.test(value)) return true;
  }
  return false;
}
