/**
 * @module
 * Turns a short natural-language request ("classify Chinese customer reviews as positive or
 * negative on a Raspberry Pi 5", "把中文评论分为正面或负面，在树莓派5上运行") into a task spec
 * input: the JSON a user would have written. Rules, not a model: they run offline, instantly
 * and the same way every time, and every rule that fired leaves a note saying what it matched,
 * so the spec shown before a run can be checked line by line. What the rules had to guess or
 * leave at a default is noted too. The result always passes `parseTaskSpec`.
 *
 * Task keywords are matched in three tiers: unambiguous phrases first ("detect the language",
 * "read text from images", "text to speech"), then task verbs, the earliest in the sentence
 * winning ("classify search queries" is classification, "search similar reviews" is
 * embeddings), and generic generation words ("write", "chat") last, so "generate embeddings"
 * is not text generation. Languages are matched from a curated list of English and native
 * names, not the whole ISO table, whose 7,000 names include everyday words.
 */
import { languageName, normaliseLanguage } from "../catalog/languages.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { resolveHardware } from "../hardware/resolve-hardware.js";
import type { TaskId } from "../tasks/resolve-task.js";
import { DEFAULT_OBJECTIVES, parseTaskSpec, type TaskSpecInput } from "./task-spec.js";

export interface RequestToSpecResult {
  /** The spec, as a user would write it in a task file. */
  spec: TaskSpecInput;
  /** What each rule matched, and what was guessed or left at a default. */
  notes: string[];
  /** Who wrote the spec: the rules, or an LLM (`requestToSpecWithLlm`). */
  source: "rules" | "llm";
}

interface TaskRule {
  task: TaskId;
  /** 1: unambiguous phrases; 2: task verbs (earliest wins); 3: generic generation words. */
  tier: 1 | 2 | 3;
  pattern: RegExp;
  /** Said when the rule decides the task. */
  note?: string;
  /** The spec's task_type when it names more than the pipeline tag (`language-identification`). */
  taskType?: string;
}

const LANGUAGE_ID_NOTE =
  "language identification runs as text-classification with language-identification models only, and the data's labels should be language codes (en, zh, ...).";

const TASK_RULES: readonly TaskRule[] = [
  {
    task: "text-classification",
    tier: 1,
    pattern:
      /\b(?:detect|detecting|identify|identifying|guess|tell|determine|recogni[sz]e)\s+(?:the\s+|which\s+|what\s+)?languages?\b|\blanguage\s+(?:id|identification|detection|detector|recognition)\b|\bwhich\s+language\b|\blangid\b|语种识别|语言识别|语言检测|(?:识别|检测|判断)[^，。,.]{0,6}(?:语种|语言)|哪种语言/,
    note: LANGUAGE_ID_NOTE,
    taskType: "language-identification",
  },
  {
    task: "text-to-speech",
    tier: 1,
    pattern:
      /\btext[\s-]to[\s-]speech\b|\btts\b|\bread\s+(?:\w+\s+)?aloud\b|语音合成|(?:文字|文本)转语音|朗读/,
  },
  {
    task: "image-to-text",
    tier: 1,
    pattern:
      /\bocr\b|\b(?:read|extract|recogni[sz]e|get|pull)\s+(?:the\s+)?(?:text|words|characters)\s+(?:from|in|off|on)\s+(?:\w+\s+){0,2}(?:images?|photos?|pictures?|scans?|scanned|screenshots?|receipts?|documents?)|\boptical\s+character\s+recognition\b|文字识别|图片转文字|(?:识别|提取)[^，。,.]{0,6}(?:图片|图像|照片|扫描件)[^，。,.]{0,4}文字|(?:图片|图像|照片)[^，。,.]{0,6}(?:中|里)?的?文字/,
    note: "OCR runs as image-to-text; the data should hold image paths or URLs.",
  },
  {
    task: "image-to-text",
    tier: 1,
    pattern:
      /\bcaption(?:s|ing)?\b|\bdescribe\s+(?:the\s+)?(?:images?|photos?|pictures?)\b|图片描述|看图说话/,
  },
  {
    task: "zero-shot-classification",
    tier: 1,
    pattern: /\bzero[\s-]shot\b|零样本/,
  },
  {
    task: "object-detection",
    tier: 1,
    pattern:
      /\bobject\s+detection\b|\bdetect\s+(?:the\s+)?objects\b|\bbounding\s+boxes\b|目标检测|物体检测/,
  },
  {
    task: "image-classification",
    tier: 1,
    pattern:
      /\b(?:classify|categori[sz]e|label|sort|tag)\s+(?:\w+\s+){0,3}(?:images?|photos?|pictures?)\b|\bimage\s+classification\b|(?:图片|图像|照片)[^，。,.]{0,6}分类|分类[^，。,.]{0,6}(?:图片|图像|照片)/,
  },
  {
    task: "token-classification",
    tier: 1,
    pattern:
      /\bnamed[\s-]entit(?:y|ies)\b|\bner\b|\bextract\s+(?:the\s+)?(?:names|entities|people|organi[sz]ations)\b|\bpii\b|实体识别|命名实体/,
  },
  {
    task: "question-answering",
    tier: 1,
    pattern: /\bextractive\s+(?:qa|question\s+answering)\b|\bquestion[\s-]answering\b|阅读理解/,
  },
  {
    task: "automatic-speech-recognition",
    tier: 2,
    pattern:
      /\btranscri(?:be|bes|bing|ption|ptions)\b|\bspeech[\s-]to[\s-]text\b|\bspeech\s+recognition\b|(?<!hate\s|free\s|toxic\s|hateful\s)\bspeech\b|\bvoice\s+(?:notes?|messages?|recordings?|to\s+text)\b|\bdictation\b|\basr\b|语音识别|语音转文字|转录|转写|听写/,
  },
  {
    task: "translation",
    tier: 2,
    pattern: /\btranslat(?:e|es|ing|ion|or)\b|翻译/,
  },
  {
    task: "summarization",
    tier: 2,
    pattern:
      /\bsummar(?:y|ies|i[sz]e|i[sz]es|i[sz]ing|i[sz]ation)\b|\btl;?dr\b|摘要|总结|概括|归纳/,
  },
  {
    task: "feature-extraction",
    tier: 2,
    pattern:
      /\bembed(?:s|ding|dings)?\b|\bsimilar(?:ity)?\b|\bsemantic\s+search\b|\bsearch\b|\bretriev(?:e|al|ing)\b|\bnearest\s+neighbou?rs?\b|\bdeduplicat(?:e|ion)\b|\brag\b|向量|嵌入|相似|检索|搜索|查重/,
  },
  {
    task: "text-classification",
    tier: 2,
    pattern:
      /\bclassif(?:y|ies|ying|ication|ier)\b|\bcategori[sz](?:e|es|ing|ation)\b|\bsentiment\b|\bpositive\s+(?:or|and|vs\.?|\/)\s+negative\b|\bnegative\s+(?:or|and|vs\.?|\/)\s+positive\b|\bspam\b|\btoxic(?:ity)?\b|\bhate(?:ful)?\s+speech\b|\boffensive\b|\bintents?\b|\b(?:label|tag|triage|route)\s+(?:\w+\s+){0,2}(?:tickets?|messages?|emails?|reviews?|comments?|posts?|texts?|requests?)\b|分类|分为|归类|情感|情绪|正面|负面|正向|负向|好评|差评|垃圾(?:邮件|信息|短信)|意图/,
  },
  {
    task: "text-generation",
    tier: 3,
    pattern:
      /\bchat(?:bot|s|ting)?\b|\bassistant\b|\bconversation(?:al)?\b|\bgenerat(?:e|es|ing|ion)\b|\bwrite\b|\bdraft\b|\bcomplete\b|\banswer\s+(?:\w+\s+){0,2}questions?\b|\bllm\b|\bcopilot\b|对话|聊天|生成|写作|撰写|问答|回答问题|客服机器人/,
  },
];

/** Names users type for languages, mapped to a name `normaliseLanguage` knows. */
const LANGUAGE_NAMES: readonly (readonly [RegExp, string])[] = [
  [/\benglish\b|英语|英文|英語/, "English"],
  [/\bchinese\b|\bmandarin\b|中文|汉语|漢語|普通话|普通話|华语|華語|简体|繁体|繁體/, "Chinese"],
  [/\bcantonese\b|粤语|粵語|广东话/, "Cantonese"],
  [/\bfrench\b|\bfrançais\b|\bfrancais\b|法语|法文/, "French"],
  [/\bgerman\b|\bdeutsch\b|德语|德文/, "German"],
  [/\bspanish\b|\bespañol\b|\bespanol\b|\bcastellano\b|西班牙语/, "Spanish"],
  [/\bportuguese\b|\bportuguês\b|\bportugues\b|葡萄牙语/, "Portuguese"],
  [/\bitalian\b|\bitaliano\b|意大利语/, "Italian"],
  [/\bdutch\b|\bnederlands\b|荷兰语/, "Dutch"],
  [/\brussian\b|русский|俄语|俄文/, "Russian"],
  [/\bjapanese\b|日本語|日语|日文/, "Japanese"],
  [/\bkorean\b|한국어|韩语|韩文|韓語/, "Korean"],
  [/\barabic\b|العربية|阿拉伯语/, "Arabic"],
  [/\bhindi\b|हिन्दी|हिंदी|印地语/, "Hindi"],
  [/\bbengali\b|\bbangla\b|বাংলা/, "Bengali"],
  [/\burdu\b|اردو/, "Urdu"],
  [/\bturkish\b|\btürkçe\b|土耳其语/, "Turkish"],
  [/\bvietnamese\b|\btiếng việt\b|越南语/, "Vietnamese"],
  [/\bthai\b|ภาษาไทย|泰语/, "Thai"],
  [/\bindonesian\b|\bbahasa indonesia\b|印尼语/, "Indonesian"],
  [/\bmalay\b|\bbahasa melayu\b|马来语/, "Malay"],
  [/\bpolski\b|波兰语/, "Polish"],
  [/\bukrainian\b|українська|乌克兰语/, "Ukrainian"],
  [/\bswedish\b|\bsvenska\b|瑞典语/, "Swedish"],
  [/\bnorwegian\b|\bnorsk\b/, "Norwegian"],
  [/\bdanish\b|\bdansk\b/, "Danish"],
  [/\bfinnish\b|\bsuomi\b/, "Finnish"],
  [/\bgreek\b|ελληνικά|希腊语/, "Greek"],
  [/\bhebrew\b|עברית/, "Hebrew"],
  [/\bpersian\b|\bfarsi\b|فارسی/, "Persian"],
  [/\bczech\b|\bčeština\b/, "Czech"],
  [/\bromanian\b|\bromână\b/, "Romanian"],
  [/\bhungarian\b|\bmagyar\b/, "Hungarian"],
  [/\bswahili\b|\bkiswahili\b/, "Swahili"],
  [/\btamil\b|தமிழ்/, "Tamil"],
  [/\btelugu\b|తెలుగు/, "Telugu"],
  [/\btagalog\b|\bfilipino\b/, "Tagalog"],
  [/\bcatalan\b|\bcatalà\b/, "Catalan"],
];

/** "Polish" the language, not "polish" the verb: only the capitalised word counts. */
const CASE_SENSITIVE_LANGUAGES: readonly (readonly [RegExp, string])[] = [[/\bPolish\b/, "Polish"]];

const MULTILINGUAL =
  /\bmultilingual\b|\bmany\s+languages\b|\bany\s+language\b|\bmixed\s+languages\b|多语言|多语种|多种语言/;

interface HardwareRule {
  pattern: RegExp;
  /** A name `resolveHardware` accepts. */
  hardware: string;
  note?: string;
}

const HARDWARE_RULES: readonly HardwareRule[] = [
  { pattern: /raspberry\s*pi\s*5|\brpi\s*5\b|\bpi\s*5\b|树莓派\s*5/, hardware: "rpi5" },
  { pattern: /raspberry\s*pi\s*4|\brpi\s*4\b|\bpi\s*4\b|树莓派\s*4/, hardware: "rpi4" },
  {
    pattern: /raspberry\s*pi|\brpi\b|树莓派/,
    hardware: "rpi5",
    note: 'no model number given, so the newest, Raspberry Pi 5, is assumed; say "Raspberry Pi 4" if it is one',
  },
  { pattern: /(?:jetson\s*)?orin\s*nano/, hardware: "jetson-orin-nano" },
  { pattern: /(?:jetson\s*)?agx\s*orin|orin\s*agx/, hardware: "jetson-agx-orin" },
  {
    pattern: /\bjetson\b/,
    hardware: "jetson-orin-nano",
    note: '"Jetson" without a model is taken as the Orin Nano; say "AGX Orin" for the larger board',
  },
  { pattern: /\ba100\b[\s-]*(?:with\s+)?40\s*gb?\b|\ba100[\s-]?40g/, hardware: "a100-40gb" },
  {
    pattern: /\ba100\b/,
    hardware: "a100-80gb",
    note: 'A100 is taken as the 80 GB model; say "A100 40GB" for the smaller one',
  },
  { pattern: /\bh100\b/, hardware: "h100" },
  { pattern: /\bh200\b/, hardware: "h200" },
  { pattern: /\ba10g?\b/, hardware: "a10g" },
  { pattern: /\bl4\b/, hardware: "l4" },
  { pattern: /\b(?:tesla\s*)?t4\b/, hardware: "t4" },
  { pattern: /rtx\s*pro\s*6000/, hardware: "rtx-pro-6000-max-q" },
  { pattern: /\b(?:rtx\s*)?5090\b/, hardware: "rtx-5090" },
  { pattern: /\b(?:rtx\s*)?4090\b/, hardware: "rtx-4090" },
  { pattern: /\b(?:rtx\s*)?3090\b/, hardware: "rtx-3090" },
  {
    pattern:
      /\b(?:my|this|our|the\s+current)\s+(?:own\s+)?(?:laptop|computer|machine|pc|desktop|workstation|server|box|mac(?:book)?(?:\s+(?:air|pro))?)\b|\blocally\b|\bon\s+this\s+(?:machine|computer|host)\b|本机|本地运行|在本地|我的电脑|我的笔记本|这台(?:机器|电脑)/,
    hardware: "local",
  },
  {
    pattern: /\b(?:a|an|any|typical|ordinary)\s+laptop\b|\blaptops?\b|笔记本/,
    hardware: "cpu-laptop",
    note: 'a laptop is taken as the cpu-laptop profile (12th-gen Core i7 class, 16 GB); say "my laptop" to measure on this machine instead',
  },
  {
    pattern:
      /\bcpus?\b|\bcpu[\s-]only\b|\bno\s+gpu\b|\bwithout\s+(?:a\s+)?gpu\b|没有\s*gpu|无\s*gpu/,
    hardware: "cpu-laptop",
    note: '"CPU" is taken as the cpu-laptop profile (12th-gen Core i7 class, 16 GB); say "this machine" to measure here instead',
  },
];

const APPLE_CHIP = /\bm([1-4])(?:\s*(pro|max))?\b/;
const APPLE_CONTEXT = /\bapple\b|\bmac(?:book)?(?:\s+(?:air|pro|mini|studio))?\b|\bmacs\b/;

const BOUND = String.raw`(?:under|below|less\s+than|lower\s+than|within|at\s+most|no\s+more\s+than|not\s+more\s+than|max(?:imum)?(?:\s+of)?|up\s+to|<=?|≤|低于|小于|不超过|少于|不到|以内)`;

const LATENCY_WITH_BOUND = new RegExp(
  `${BOUND}\\s*(\\d+(?:\\.\\d+)?)\\s*(ms|msec|millis(?:econds?)?|milliseconds?|s|secs?|seconds?|毫秒|秒)(?![a-z])`,
);
const LATENCY_MILLISECONDS = /(\d+(?:\.\d+)?)\s*(ms|msec|milliseconds?|毫秒)(?![a-z])/;
const LATENCY_SECONDS_IN_CONTEXT =
  /(?:latency|response\s+time|respond|answer|reply|延迟|响应)[^.;。，,]{0,20}?(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|秒)(?![a-z])|(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|秒)(?![a-z])\s*(?:latency|response|延迟|以内|之内|内)/;

const MEMORY_UNIT = "(gb|gib|mb|mib|g|m)";
const MEMORY_WITH_BOUND = new RegExp(
  `(?:${BOUND}|only|fits?\\s+in(?:to)?|with|has|have|内存|显存)\\s*(\\d+(?:\\.\\d+)?)\\s*${MEMORY_UNIT}\\b\\s*(?:of\\s+)?(ram|memory|vram|内存|显存)?`,
);
const MEMORY_NOUN = new RegExp(
  `(\\d+(?:\\.\\d+)?)\\s*${MEMORY_UNIT}\\s*(?:of\\s+)?(ram|memory|vram|内存|显存)`,
);

const LENGTH =
  /(?:(?:up\s+to|at\s+most|max(?:imum)?(?:\s+of)?|under|below|less\s+than|no\s+more\s+than|<=?|≤|不超过|最多|以内)\s*)?(\d[\d,]*)\s*(?:-\s*)?(tokens?|words?|characters?|chars?|个?字符|个?字|个?词)(?:\s*(?:long|max(?:imum)?|以内|以下))?/;

const PRIVACY =
  /\bprivate\b|\bprivacy\b|\bon[\s-]?prem(?:ise|ises)?\b|\b(?:must|can|should|may)\s*(?:not|n't|never)\s+(?:leave|be\s+sent|go|be\s+uploaded)\b|\b(?:cannot|can't|mustn't|shouldn't|never)\s+(?:leave|be\s+sent|go\s+out|be\s+uploaded)\b|\bstays?\s+(?:on|in)\s+(?:the\s+)?(?:device|machine|premises|building|network)\b|\bno\s+(?:cloud|external|third[\s-]party|remote)\b|\boffline\b|\bair[\s-]?gapped\b|\bconfidential\b|\bsensitive\s+data\b|\bgdpr\b|\bhipaa\b|\blocal[\s-]only\b|隐私|私有|本地部署|不能(?:离开|上传|外传|出)|不出(?:本地|内网)|离线|内网|保密|敏感数据/;

const FAST =
  /\b(?:fast|faster|fastest|quick|quickly|speedy|snappy|low[\s-]latency|real[\s-]?time|responsive)\b|快速|实时|低延迟|速度快|要快|尽快|更快|最快|越快越好|快一[点些]|速度优先|响应快|低时延|即时|實時|即時|低延遲/;
const ACCURATE =
  /\b(?:accurate|accuracy|precise|precision|best\s+quality|high[\s-]quality|highest\s+quality|most\s+accurate|quality\s+matters|reliable)\b|准确|精确|精度|高质量|效果最好|最好的效果|越准越好|质量优先|準確|精確|高質量|質量優先/;
const SMALL =
  /\b(?:small|tiny|compact)\s+(?:model|footprint)\b|\blight[\s-]?weight\b|\blow[\s-]memory\b|\bmemory[\s-]efficient\b|轻量|小模型|省内存|占用内存小/;
const CHEAP =
  /\b(?:cheap|cheapest|low[\s-]cost|inexpensive|cost[\s-]effective|budget[\s-]friendly|on\s+a\s+budget)\b|便宜|低成本|省钱|成本低/;

/** A JSONL or CSV path standing on its own (after a space, a quote or a CJK character). */
const DATA_PATH = /(?:^|[^\w.\-/\\~])((?:~|\.{1,2})?[\w.\-/\\]*[\w-]\.(?:jsonl|csv))(?![\w])/i;

const POLARITY =
  /\bpositive\s+(?:or|and|vs\.?|\/)\s+negative\b|\bnegative\s+(?:or|and|vs\.?|\/)\s+positive\b|正面[^，。]{0,3}负面|负面[^，。]{0,3}正面|好评[^，。]{0,3}差评|正向[^，。]{0,3}负向/;

const BUDGET_TIME =
  /(?:within|in|under|at\s+most|no\s+more\s+than|budget\s+(?:of\s+)?)\s*(\d+(?:\.\d+)?)\s*(minutes?|mins?|hours?|hrs?)\b|(\d+(?:\.\d+)?)\s*(分钟|小时)(?:以内|之内|内)?/;
const BUDGET_PROBES = /(\d[\d,]*)\s*probes?\b|(\d[\d,]*)\s*次(?:探测|调用)/;

const LICENSE = /\b(apache[\s-]?2(?:\.0)?|mit|bsd[\s-]?3(?:[\s-]clause)?|cc[\s-]by[\s-]4\.0)\b/;

const EXAMPLE_PHRASES =
  '"classify reviews as positive or negative", "embed documents for semantic search", "transcribe speech", "read text from images (OCR)", "summarize articles", "translate English to French", "chat with customers"';

function parseNumber(text: string): number {
  return Number(text.replaceAll(",", ""));
}

function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

interface TaskMatch {
  rule: TaskRule;
  index: number;
  text: string;
}

function findTask(text: string): { chosen: TaskMatch; others: TaskMatch[] } | null {
  const matches: TaskMatch[] = [];
  for (const rule of TASK_RULES) {
    const match = rule.pattern.exec(text);
    if (match !== null) matches.push({ rule, index: match.index, text: match[0] });
  }
  if (matches.length === 0) return null;
  const ordered = [...matches].sort(
    (left, right) => left.rule.tier - right.rule.tier || left.index - right.index,
  );
  const chosen = ordered[0] as TaskMatch;
  const others = ordered.filter(
    (match, index) =>
      index > 0 &&
      match.rule.task !== chosen.rule.task &&
      ordered.findIndex((other) => other.rule.task === match.rule.task) === index,
  );
  return { chosen, others };
}

interface LanguageMatch {
  code: string;
  name: string;
  index: number;
  text: string;
}

function findLanguages(original: string, text: string): LanguageMatch[] {
  const found = new Map<string, LanguageMatch>();
  const consider = (pattern: RegExp, name: string, haystack: string) => {
    const match = pattern.exec(haystack);
    if (match === null) return;
    const code = normaliseLanguage(name);
    if (code === null) return;
    const existing = found.get(code);
    if (existing === undefined || match.index < existing.index) {
      found.set(code, {
        code,
        name: languageName(code) ?? name,
        index: match.index,
        text: match[0],
      });
    }
  };
  for (const [pattern, name] of LANGUAGE_NAMES) consider(pattern, name, text);
  for (const [pattern, name] of CASE_SENSITIVE_LANGUAGES) consider(pattern, name, original);
  return [...found.values()].sort((left, right) => left.index - right.index);
}

function findHardware(text: string): { hardware: string; matched: string; note?: string }[] {
  const found: { hardware: string; matched: string; index: number; note?: string }[] = [];
  for (const rule of HARDWARE_RULES) {
    const match = rule.pattern.exec(text);
    if (match === null || found.some((entry) => entry.hardware === rule.hardware)) continue;
    // A less specific rule that matched inside a more specific one's text ("pi" in "pi 5").
    if (
      found.some(
        (entry) => match.index >= entry.index && match.index < entry.index + entry.matched.length,
      )
    )
      continue;
    found.push({
      hardware: rule.hardware,
      matched: match[0],
      index: match.index,
      ...(rule.note !== undefined && { note: rule.note }),
    });
  }
  if (APPLE_CONTEXT.test(text)) {
    const chip = APPLE_CHIP.exec(text);
    if (chip !== null) {
      found.unshift({
        hardware: `apple-m${chip[1]}${chip[2] === undefined ? "" : `-${chip[2]}`}`,
        matched: chip[0],
        index: chip.index,
      });
    }
  }
  // The device named first is the target ("a T4 or an A100" means the T4).
  return found.sort((left, right) => left.index - right.index);
}

function memoryGigabytes(amount: number, unit: string): number {
  switch (unit) {
    case "mb":
    case "m":
      return amount / 1000;
    case "mib":
      return (amount * 1.048576) / 1000;
    case "gib":
      return amount * 1.073741824;
    default:
      return amount;
  }
}

function hasCjk(text: string): boolean {
  return /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/.test(text);
}

/**
 * Reads a request with rules and returns the spec input and notes. Throws
 * `INVALID_ARGUMENT` when no task can be recognised, saying what was understood and how to
 * phrase the request.
 */
export function requestToSpec(request: string): RequestToSpecResult {
  // NFKC folds full-width digits and letters (５, ＧＢ) that Chinese input methods produce.
  const original = request.normalize("NFKC").replace(/[‘’]/g, "'").replace(/\s+/g, " ").trim();
  const text = original.toLowerCase();
  /** A matched snippet as the user typed it (rules match the lower-cased text). */
  const quote = (snippet: string): string => {
    const trimmed = snippet.trim();
    const index = text.indexOf(trimmed);
    // Lower-casing keeps offsets except for a few letters (İ); then the lower-case text is shown.
    const shown =
      index >= 0 && text.length === original.length
        ? original.slice(index, index + trimmed.length)
        : trimmed;
    return `"${shown}"`;
  };
  const notes: string[] = [];
  const understood: string[] = [];
  const spec: {
    task_type?: string;
    input_constraints?: { language?: string; max_length?: number };
    hardware?: string;
    objectives?: { quality: number; latency: number; memory?: number; cost?: number };
    slo?: { max_p95_latency_ms?: number; max_memory_gb?: number };
    candidates?: { query: { license: string } };
    data?: { path: string };
    labels?: string[];
    budget?: { max_probes?: number; max_seconds?: number };
    privacy?: "local-only";
  } = {};

  // Task.
  const task = findTask(text);
  if (task !== null) {
    spec.task_type = task.chosen.rule.taskType ?? task.chosen.rule.task;
    notes.push(
      `Task: ${spec.task_type}, from ${quote(task.chosen.text)}${task.chosen.rule.note === undefined ? "." : `; ${task.chosen.rule.note}`}`,
    );
    if (task.others.length > 0) {
      notes.push(
        `Also mentioned: ${task.others.map((other) => `${other.rule.task} (${quote(other.text)})`).join(", ")}; ${task.chosen.rule.task} was chosen as ${task.chosen.rule.tier < (task.others[0]?.rule.tier ?? 3) ? "the more specific phrase" : "the first task named"}. Set task_type if you meant another.`,
      );
    }
  }
  const isLanguageId = task?.chosen.rule.note === LANGUAGE_ID_NOTE;

  // Language.
  const languages = findLanguages(original, text);
  let language: string | null = null;
  if (isLanguageId) {
    if (languages.length > 1) {
      spec.labels = languages.map((entry) => entry.code);
      notes.push(
        `Labels: ${spec.labels.join(", ")}: the languages named (${languages.map((entry) => entry.name).join(", ")}) are read as the classes to tell apart, not as the input language, so no language filter is set.`,
      );
    } else if (languages.length === 1) {
      notes.push(
        `Language named (${languages.map((entry) => entry.name).join(", ")}) is read as a class to tell apart, not as the input language, so no language filter is set.`,
      );
    }
  } else if (spec.task_type === "translation" && languages.length > 0) {
    const from = /\bfrom\s+(\S+)|从\s*(\S{2,4}?)(?:翻译|译)/.exec(text);
    const source =
      languages.find(
        (entry) => from !== null && (from[1] ?? from[2] ?? "").startsWith(entry.text.toLowerCase()),
      ) ?? languages[0];
    if (source !== undefined) {
      language = source.code;
      const targets = languages.filter((entry) => entry.code !== source.code);
      notes.push(
        `Language: ${source.code} (${source.name}), from ${quote(source.text)}, read as the source language${targets.length > 0 ? `; the target (${targets.map((entry) => entry.name).join(", ")}) is not a spec field, so pick candidates that translate into it` : ""}.`,
      );
    }
  } else if (languages.length === 1) {
    const only = languages[0] as LanguageMatch;
    language = only.code;
    notes.push(`Language: ${only.code} (${only.name}), from ${quote(only.text)}.`);
  } else if (languages.length > 1) {
    notes.push(
      `Several languages named (${languages.map((entry) => entry.name).join(", ")}): the spec holds one input language, so none is set and multilingual and single-language models all stay in. Name one language to filter on it.`,
    );
  } else if (MULTILINGUAL.test(text)) {
    notes.push("Multilingual inputs: no language filter is set.");
  } else if (hasCjk(original)) {
    notes.push(
      'No input language named. The request is written in Chinese, Japanese or Korean, but that does not say what the data is in: add the language (e.g. "Chinese reviews") to filter on it.',
    );
  } else {
    notes.push("No input language named: candidates are not filtered by language.");
  }
  if (language !== null) {
    spec.input_constraints = { language };
    understood.push(`language ${language}`);
  }

  // Input length.
  const length = LENGTH.exec(text);
  if (length !== null) {
    const amount = parseNumber(length[1] ?? "");
    const unit = length[2] ?? "";
    let tokens: number | null = null;
    let how = "";
    if (/^tokens?$/.test(unit)) {
      tokens = amount;
    } else if (/^words?$|词$/.test(unit)) {
      tokens = Math.ceil((amount * 4) / 3);
      how = `; ${amount} words taken as about ${tokens} tokens (4 tokens per 3 words)`;
    } else {
      const cjk = language === "zh" || language === "ja" || language === "ko" || /字/.test(unit);
      tokens = cjk ? amount : Math.ceil(amount / 4);
      how = cjk
        ? `; ${amount} characters taken as ${tokens} tokens (about one token per Chinese, Japanese or Korean character)`
        : `; ${amount} characters taken as about ${tokens} tokens (4 characters per token)`;
    }
    if (Number.isInteger(tokens) && tokens > 0) {
      spec.input_constraints = { ...spec.input_constraints, max_length: tokens };
      notes.push(`Max input length: ${tokens} tokens, from ${quote(length[0])}${how}.`);
      understood.push(`max length ${tokens} tokens`);
    }
  }

  // Hardware.
  const hardware = findHardware(text);
  const firstHardware = hardware[0];
  if (firstHardware !== undefined) {
    try {
      const profile = resolveHardware(firstHardware.hardware);
      spec.hardware = profile.id;
      notes.push(
        `Hardware: ${profile.id} = ${profile.name}, from ${quote(firstHardware.matched)}${firstHardware.note === undefined ? "." : `; ${firstHardware.note}.`}`,
      );
      understood.push(`hardware ${profile.id}`);
      if (hardware.length > 1) {
        notes.push(
          `Other hardware mentioned (${hardware
            .slice(1)
            .map((entry) => quote(entry.matched))
            .join(", ")}) was ignored: a spec targets one device.`,
        );
      }
    } catch (error) {
      // The rule table names only known profiles; reaching this is a bug, said plainly.
      notes.push(
        `Hardware ${quote(firstHardware.matched)} could not be resolved (${errorMessage(error)}); none set.`,
      );
    }
  } else if (/\bgpus?\b|显卡/.test(text)) {
    notes.push(
      "A GPU is mentioned but not which one: no hardware set. Name it (T4, A100, RTX 4090) to filter on memory fit and estimate latency for it.",
    );
  } else {
    notes.push(
      'No hardware named: latency is measured on this machine and memory is not filtered. Name the target ("on a Raspberry Pi 5", "on a T4") to filter and estimate for it.',
    );
  }

  // Latency limit.
  const latency =
    LATENCY_WITH_BOUND.exec(text) ??
    LATENCY_MILLISECONDS.exec(text) ??
    LATENCY_SECONDS_IN_CONTEXT.exec(text);
  if (latency !== null) {
    const captured = latency.slice(1).filter((value) => value !== undefined);
    const amount = Number(captured[0]);
    const unit = captured[1] ?? "ms";
    const milliseconds = /^(?:ms|msec|millis|毫秒)/.test(unit) ? amount : amount * 1000;
    spec.slo = { ...spec.slo, max_p95_latency_ms: roundTo(milliseconds, 3) };
    const median = /\b(?:median|average|mean|p50|typical)\b|平均|中位/.test(text);
    notes.push(
      `Latency limit: p95 at most ${roundTo(milliseconds, 3)} ms per item (slo.max_p95_latency_ms), from ${quote(latency[0])}${median ? "; a median or average was mentioned, but the spec limits p95, which is stricter" : ""}.`,
    );
    understood.push(`p95 latency ≤ ${roundTo(milliseconds, 3)} ms`);
  }

  // Memory limit.
  const memory = MEMORY_WITH_BOUND.exec(text) ?? MEMORY_NOUN.exec(text);
  if (memory !== null) {
    const amount = Number(memory[1]);
    const unit = memory[2] ?? "gb";
    const bareUnit = unit === "g" || unit === "m";
    const noun = memory[3] !== undefined || /内存|显存/.test(memory[0]);
    if (!bareUnit || noun) {
      const gigabytes = roundTo(memoryGigabytes(amount, unit), 3);
      spec.slo = { ...spec.slo, max_memory_gb: gigabytes };
      const describesDevice = /^(?:with|has|have)\b/.test(memory[0]);
      notes.push(
        `Memory limit: at most ${gigabytes} GB (slo.max_memory_gb), from ${quote(memory[0])}${describesDevice ? "; this reads like the device's memory, used as the limit for the model" : ""}.`,
      );
      understood.push(`memory ≤ ${gigabytes} GB`);
    }
  }

  // Objectives.
  const fast = FAST.exec(text);
  const accurate = ACCURATE.exec(text);
  const small = SMALL.exec(text);
  const cheap = CHEAP.exec(text);
  if (fast !== null || accurate !== null || small !== null || cheap !== null) {
    const [quality, latencyWeight] =
      fast !== null && accurate !== null
        ? [0.5, 0.5]
        : fast !== null
          ? [0.4, 0.6]
          : accurate !== null
            ? [0.9, 0.1]
            : [DEFAULT_OBJECTIVES.quality, DEFAULT_OBJECTIVES.latency];
    spec.objectives = {
      quality,
      latency: latencyWeight,
      ...(small !== null && { memory: 0.2 }),
      ...(cheap !== null && { cost: 0.2 }),
    };
    const because = [fast, accurate, small, cheap]
      .filter((match) => match !== null)
      .map((match) => quote(match[0]))
      .join(", ");
    notes.push(
      `Objectives: ${Object.entries(spec.objectives)
        .map(([name, weight]) => `${name} ${weight}`)
        .join(", ")} (weights, normalised to sum to 1), from ${because}.`,
    );
    understood.push("objective weights");
  } else {
    notes.push(
      'Objectives: the default, quality 0.7 and latency 0.3. Say "fast" or "accurate" to shift them.',
    );
  }

  // Privacy.
  const privacy = PRIVACY.exec(text);
  if (privacy !== null) {
    spec.privacy = "local-only";
    notes.push(
      `Privacy: local-only (no remote backends; inputs never leave this machine), from ${quote(privacy[0])}.`,
    );
    understood.push("privacy local-only");
  } else {
    notes.push(
      'Privacy: not mentioned, so remote backends are allowed. Say "private" or "data must not leave" to keep inputs on this machine.',
    );
  }

  // Licence.
  if (/licen[cs]e|licensed|许可/.test(text)) {
    const license = LICENSE.exec(text);
    if (license !== null) {
      const id = license[1]?.startsWith("apache")
        ? "apache-2.0"
        : license[1]?.startsWith("bsd")
          ? "bsd-3-clause"
          : license[1]?.startsWith("cc")
            ? "cc-by-4.0"
            : "mit";
      spec.candidates = { query: { license: id } };
      notes.push(`Licence: ${id} (candidates.query.license), from ${quote(license[0])}.`);
      understood.push(`licence ${id}`);
    }
  }

  // Budget.
  const budgetTime = BUDGET_TIME.exec(text);
  if (budgetTime !== null) {
    const amount = Number(budgetTime[1] ?? budgetTime[3]);
    const unit = budgetTime[2] ?? budgetTime[4] ?? "";
    const seconds = /^(?:h|小时)/.test(unit) ? amount * 3600 : amount * 60;
    spec.budget = { ...spec.budget, max_seconds: seconds };
    notes.push(
      `Budget: at most ${seconds} s of selection (budget.max_seconds), from ${quote(budgetTime[0])}.`,
    );
    understood.push(`budget ${seconds} s`);
  }
  const budgetProbes = BUDGET_PROBES.exec(text);
  if (budgetProbes !== null) {
    const probes = parseNumber(budgetProbes[1] ?? budgetProbes[2] ?? "");
    if (Number.isInteger(probes) && probes > 0) {
      spec.budget = { ...spec.budget, max_probes: probes };
      notes.push(
        `Budget: at most ${probes} probes (budget.max_probes), from ${quote(budgetProbes[0])}.`,
      );
      understood.push(`budget ${probes} probes`);
    }
  }

  // Data.
  const data = DATA_PATH.exec(original);
  if (data?.[1] !== undefined) {
    spec.data = { path: data[1] };
    notes.push(
      `Data: ${data[1]} (data.path); inputs are read from the "text" field and labels from "label" unless data.columns says otherwise.`,
    );
    understood.push(`data ${data[1]}`);
  } else {
    notes.push(
      "No data file named: add data.path (JSONL or CSV with text and optional label) so candidates are probed on your own examples.",
    );
  }
  const polarity = POLARITY.exec(text);
  if (polarity !== null) {
    spec.labels = ["positive", "negative"];
    notes.push(
      `Labels: positive and negative (labels), from ${quote(polarity[0])}: classifiers that predict neither are left out. Data labels such as 1/0 or 好评/差评 are matched to model labels by polarity; set data.label_map if they are not.`,
    );
  }

  if (spec.task_type === undefined) {
    const shown = original.length > 200 ? `${original.slice(0, 199)}…` : original;
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Could not tell which task "${shown}" asks for. Understood: ${understood.length === 0 ? "nothing" : understood.join(", ")}. Say what the model should do, for example ${EXAMPLE_PHRASES}; or write a task spec (its schema: \`modelscout schema task\`).`,
      { details: { request, understood: spec, notes } },
    );
  }

  const ordered: TaskSpecInput = {
    task_type: spec.task_type,
    ...(spec.input_constraints !== undefined && { input_constraints: spec.input_constraints }),
    ...(spec.hardware !== undefined && { hardware: spec.hardware }),
    ...(spec.objectives !== undefined && { objectives: spec.objectives }),
    ...(spec.slo !== undefined && { slo: spec.slo }),
    ...(spec.candidates !== undefined && { candidates: spec.candidates }),
    ...(spec.data !== undefined && { data: spec.data }),
    ...(spec.labels !== undefined && { labels: spec.labels }),
    ...(spec.budget !== undefined && { budget: spec.budget }),
    ...(spec.privacy !== undefined && { privacy: spec.privacy }),
  };
  // The contract: whatever the rules build is a valid spec. A failure here is a rule bug.
  parseTaskSpec(ordered);
  return { spec: ordered, notes, source: "rules" };
}

// The LLM variant lives in its own module (it needs the HTTP backend); re-exported so callers
// find both readers in one place. The cycle is safe: neither module calls the other at load.
export {
  type RequestToSpecLlmOptions,
  requestToSpecWithLlm,
} from "./request-to-spec-with-llm.js";
