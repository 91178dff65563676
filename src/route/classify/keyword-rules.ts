/**
 * @module
 * The `rules` classification step: keyword and regular-expression rules, tried in order;
 * the first rule that matches names the route. Keywords in spaced scripts match as whole
 * words (`refund` does not match `refunded`; list both), case-insensitively; keywords in
 * Chinese or Japanese, which have no spaces, match anywhere. Each rule's keywords compile
 * into one expression, so a rule costs one regex test.
 */
import type { ClassificationStep } from "../routes-config.js";

const NO_SPACE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** One Latin-1 text and one beyond it: V8 compiles an expression for each kind of string. */
const WARM_UP_TEXTS = ["warming up the routing rules", "预热路由规则 warming up"];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface CompiledRule {
  route: string;
  keywords: RegExp | null;
  patterns: RegExp[];
}

export interface RuleMatch {
  route: string;
  detail: string;
}

export class KeywordRules {
  readonly #rules: CompiledRule[];

  constructor(step: Extract<ClassificationStep, { kind: "rules" }>) {
    this.#rules = step.rules.map((rule) => {
      const alternatives = rule.keywords.map((keyword) => {
        const escaped = escapeRegExp(keyword.normalize("NFKC"));
        return NO_SPACE_SCRIPT.test(keyword)
          ? escaped
          : `(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`;
      });
      return {
        route: rule.route,
        keywords: alternatives.length === 0 ? null : new RegExp(alternatives.join("|"), "iu"),
        patterns: rule.patterns,
      };
    });
  }

  /**
   * Runs every expression on sample text, so that V8 compiles them now rather than on the
   * first requests. It compiles an expression on its first run (once for Latin-1 text and
   * once for text outside it, such as Chinese) and again to machine code on its second:
   * without this the first two requests spent 15-22 ms here instead of microseconds
   * (docs/benchmarks.md, "Customer-service routes"). Matching is unchanged.
   */
  warm(): void {
    for (const rule of this.#rules) {
      for (const expression of [rule.keywords, ...rule.patterns]) {
        if (expression === null) continue;
        for (const sample of WARM_UP_TEXTS) {
          expression.test(sample);
          expression.test(sample);
        }
      }
    }
  }

  /** The first rule that matches, among rules for `eligible` routes (all when absent). */
  match(text: string, eligible?: ReadonlySet<string>): RuleMatch | null {
    const normalised = text.normalize("NFKC");
    for (const rule of this.#rules) {
      if (eligible !== undefined && !eligible.has(rule.route)) continue;
      const keyword = rule.keywords?.exec(normalised);
      if (keyword) return { route: rule.route, detail: `keyword "${keyword[0]}"` };
      for (const pattern of rule.patterns) {
        if (pattern.test(normalised)) {
          return { route: rule.route, detail: `pattern /${pattern.source}/` };
        }
      }
    }
    return null;
  }
}
