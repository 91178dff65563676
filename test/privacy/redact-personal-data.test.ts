import { describe, expect, it } from "vitest";
import { loadClinc150, loadWaimaiReviews } from "../../src/onnx-build/offline-training-data.js";
import {
  cardPrefixPlausible,
  chineseResidentId15Valid,
  chineseResidentIdValid,
  ibanValid,
  luhnValid,
} from "../../src/privacy/check-digits.js";
import {
  PERSONAL_DATA_DETECTORS,
  type PersonalDataDetector,
} from "../../src/privacy/personal-data-detectors.js";
import {
  createPrefixRedactor,
  createRedactor,
  createTextRedactor,
  cutForPrefix,
  findPersonalData,
  PREFIX_MARGIN,
  prefixReadLength,
  redactJson,
  redactPersonalData,
  WARM_UP_TEXTS,
  warmRedactor,
} from "../../src/privacy/redact-personal-data.js";
import {
  parseRedactionConfig,
  redactionConfigJsonSchema,
} from "../../src/privacy/redaction-config.js";
import { seededRandom } from "../../src/select/strategies/seeded-random.js";

const detectors = (text: string) => findPersonalData(text).map((span) => span.detector);

describe("warm-up", () => {
  it("has every detector find something in a one-byte text and in a Chinese one", () => {
    const all = PERSONAL_DATA_DETECTORS.map((detector) => detector.name).sort();
    const oneByte = (text: string) =>
      [...text].every((character) => character.charCodeAt(0) <= 0xff);
    expect(WARM_UP_TEXTS.map(oneByte)).toEqual([true, false]);
    for (const text of WARM_UP_TEXTS) expect([...new Set(detectors(text))].sort()).toEqual(all);
  });

  it("runs the redactor on each text twice and leaves it redacting as before", () => {
    const seen: string[] = [];
    const redactor = createRedactor();
    warmRedactor((text) => {
      seen.push(text);
      return redactor(text);
    });
    expect(seen).toEqual([...WARM_UP_TEXTS, ...WARM_UP_TEXTS]);
    expect(redactor("mail jane@example.com").text).toBe("mail [EMAIL]");
  });
});

describe("check digits", () => {
  it("Chinese resident ID: MOD 11-2 check character, region and birth date", () => {
    expect(chineseResidentIdValid("11010519491231002X")).toBe(true);
    expect(chineseResidentIdValid("11010519491231002x")).toBe(true);
    expect(chineseResidentIdValid("440306199003071232")).toBe(true);
    expect(chineseResidentIdValid("110105194912310021")).toBe(false); // wrong check character
    expect(chineseResidentIdValid("990105194912310027")).toBe(false); // no province 99
    expect(chineseResidentIdValid("110105194902300020")).toBe(false); // 30 February
    expect(chineseResidentIdValid("110105189912310020")).toBe(false); // born before 1900
    expect(chineseResidentId15Valid("110105491231002")).toBe(true);
    expect(chineseResidentId15Valid("110105491331002")).toBe(false); // month 13
  });

  it("Luhn, card prefixes and IBAN mod-97", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(cardPrefixPlausible("4111111111111111")).toBe(true);
    expect(cardPrefixPlausible("7000123456789010")).toBe(false); // Luhn-valid, no network
    expect(cardPrefixPlausible("620102197808150037")).toBe(false); // 18 digits: ID length
    expect(ibanValid("DE89370400440532013000")).toBe(true);
    expect(ibanValid("DE89370400440532013001")).toBe(false);
    expect(ibanValid("GB82WEST12345698765432")).toBe(true);
    expect(ibanValid("DE8937040044053201300")).toBe(false); // one character short for DE
  });
});

describe("redactPersonalData: Chinese text", () => {
  it("removes mobile, landline, email, resident ID and card from a support ticket", () => {
    const text =
      "客户张三来电，手机13812345678（备用 +86 139-1234-5678），座机 010-62345678 转 123，" +
      "邮箱zhang.san@example.com，身份证号11010519491231002X，" +
      "银行卡 6222 0212 3456 7890 128 扣款失败。";
    const result = redactPersonalData(text);
    expect(result.text).toBe(
      "客户张三来电，手机[PHONE]（备用 [PHONE]），座机 [PHONE]，" +
        "邮箱[EMAIL]，身份证号[ID]，" +
        "银行卡 [CARD] 扣款失败。",
    );
    expect(result.counts).toEqual({ email: 1, phone: 3, card: 1, id: 1, iban: 0, ip: 0 });
    expect(result.total).toBe(6);
  });

  it("finds the formats people write: parentheses, 4-digit area codes, old 15-digit IDs", () => {
    expect(redactPersonalData("请拨打(0755) 8888 8888或0571-87654321").text).toBe(
      "请拨打[PHONE]或[PHONE]",
    );
    expect(redactPersonalData("旧身份证110105491231002已作废").text).toBe("旧身份证[ID]已作废");
    expect(redactPersonalData("联系我：0086 13912345678").text).toBe("联系我：[PHONE]");
    expect(detectors("身份证440306199003071232，卡号4000123456789017")).toEqual([
      "cn-resident-id",
      "card",
    ]);
  });

  it("reads full-width digits, a country code written without +, and Taiwan's mobiles", () => {
    expect(redactPersonalData("全角 １３８１２３４５６７８ 号码").text).toBe("全角 [PHONE] 号码");
    expect(redactPersonalData("电话（＋８６）１３９－１２３４－５６７８").text).toBe(
      "电话（＋８６）[PHONE]",
    );
    expect(redactPersonalData("身份证１１０１０５１９４９１２３１００２X").text).toBe("身份证[ID]");
    expect(redactPersonalData("call 8613812345678 now").text).toBe("call [PHONE] now");
    expect(redactPersonalData("台北 0912-345-678，或 0912345678").text).toBe(
      "台北 [PHONE]，或 [PHONE]",
    );
    // Folding the digits leaves the rest of the text as it was.
    expect(redactPersonalData("第２号楼，（备注）手机13812345678，２楼").text).toBe(
      "第２号楼，（备注）手机[PHONE]，２楼",
    );
  });

  it("leaves order numbers, timestamps, prices and failed checksums alone", () => {
    const nearMisses = [
      "订单号：202401151234567890，下单时间 2024-01-15 12:30:45",
      "身份证号填错了：110105194912310021", // valid region and date, wrong check digit
      "编号620102197808150037", // 18 digits passing Luhn, failing MOD 11-2
      "990105194912310027", // 18 digits, no such province
      "金额 ¥13,800.00，优惠 ¥1,380.50，共 2 件",
      "运单号 7000123456789010 已签收",
      "订单编号：4111111111111111", // Luhn-valid and Visa-shaped, but labelled as an order
      "时间戳 1705312245123，秒级 1705312245",
      "商品编码 12345678901，批次 20240115123045",
      "圆周率 3.14159265358979",
      "版本 1.2.3.4 已发布",
      "分机 8888，区号 0755",
      "订单号 8613812345678", // a mobile's shape with the country code, labelled an order
      "订单号：0912345678",
      "全角订单号：１３８１２３４５６７８",
    ];
    for (const text of nearMisses) {
      expect({ text, redacted: redactPersonalData(text).text }).toEqual({ text, redacted: text });
    }
  });
});

describe("redactPersonalData: internationalised email addresses", () => {
  it("redacts local parts and domains in any script (RFC 6531, IDNA)", () => {
    const cases: [string, string][] = [
      ["张三@例子.中国", "[EMAIL]"],
      ["josé@correo.españa.es", "[EMAIL]"],
      ["用户@example.com", "[EMAIL]"],
      ["write to 用户@example.com now", "write to [EMAIL] now"],
      ["Ünsal@bücher.de", "[EMAIL]"],
      ["Müller@example.de", "[EMAIL]"], // not "Mü[EMAIL]", as an ASCII-only local part gave
      ["почта: иван@пример.рф.", "почта: [EMAIL]."],
      ["user@example.xn--fiqs8s", "[EMAIL]"], // 中国, as DNS writes it
      ["邮箱：张三@例子.中国，谢谢", "邮箱：[EMAIL]，谢谢"],
      // No spaces in Chinese: the known domain says where the address ends, and a word that
      // introduces an address where it begins.
      ["发到张三@例子.中国谢谢", "发到[EMAIL]谢谢"],
      ["フォーム：たろう@例え.みんなまで", "フォーム：[EMAIL]まで"],
      ["이메일은 홍길동@예시.한국으로 보내세요", "이메일은 [EMAIL]으로 보내세요"],
      ["ask 𠮷野@example.jp", "ask [EMAIL]"], // a character outside the BMP
      // Another script meeting ASCII ends a local part or a domain, as before.
      ["联系我zhang@qq.com谢谢", "联系我[EMAIL]谢谢"],
      ["我的QQ邮箱是123456789@qq.com。", "我的QQ邮箱是[EMAIL]。"],
      ["メールはtaro@example.co.jpまで", "メールは[EMAIL]まで"],
    ];
    for (const [text, redacted] of cases) {
      expect({ text, redacted: redactPersonalData(text).text }).toEqual({ text, redacted });
    }
    expect(redactPersonalData("张三@例子.中国 和 josé@correo.españa.es").counts.email).toBe(2);
    // A refused candidate that begins with a surrogate pair: the search goes on past the pair
    // (from inside it, a Unicode expression found the same candidate again, for ever).
    expect(redactPersonalData("𠮷野@例子.王五，张三@例子.中国").text).toBe(
      "𠮷野@例子.王五，[EMAIL]",
    );
  });

  it("keeps a name before ASCII in an internationalised address's local part in the address", () => {
    const cases: [string, string][] = [
      ["张三123@例子.中国", "[EMAIL]"],
      ["联系邮箱：张三123@例子.中国", "联系邮箱：[EMAIL]"],
      // No separator: the address begins after the words that introduce it.
      ["请联系张三123@例子.中国", "请联系[EMAIL]"],
      ["我的邮箱是张三123@例子.中国，谢谢", "我的邮箱是[EMAIL]，谢谢"],
      ["联系人李四zhang@例子.中国", "联系人[EMAIL]"],
      ["发邮件给王五@example.com", "发邮件给[EMAIL]"],
      ["иван123@пример.рф", "[EMAIL]"],
      ["联系张三@xn--fsqu00a.xn--fiqs8s", "联系[EMAIL]"], // 例子.中国, as DNS writes it
      // Without such a word, all of the run: a name is never cut short.
      ["王五张三123@例子.中国", "[EMAIL]"],
      // A local part that is such a word is an address whole.
      ["联系人@公司.中国", "[EMAIL]"],
      ["请写信到客服邮箱@公司.中国", "请写信到[EMAIL]"],
      // An ASCII domain: where Chinese meets ASCII, the address begins, as before.
      ["联系我zhang@qq.com谢谢", "联系我[EMAIL]谢谢"],
      ["我的QQ邮箱是123456789@qq.com", "我的QQ邮箱是[EMAIL]"],
      ["ติดต่อsomchai@gmail.com", "ติดต่อ[EMAIL]"],
      // Scripts written with spaces put one before an address: the run is the local part.
      ["иван123@mail.ru", "[EMAIL]"],
      ["пишите: иван123@mail.ru", "пишите: [EMAIL]"],
      ["김철수123@naver.com", "[EMAIL]"],
    ];
    for (const [text, redacted] of cases) {
      expect({ text, redacted: redactPersonalData(text).text }).toEqual({ text, redacted });
    }
  });

  it("begins the address after a Japanese or Korean word that introduces it, never inside a name", () => {
    const cases: [string, string][] = [
      ["メールは田中@例え.コム", "メールは[EMAIL]"],
      ["メールアドレスを山田@例え.コム", "メールアドレスを[EMAIL]"],
      ["連絡先たろう@例え.みんな", "連絡先[EMAIL]"],
      ["お問い合わせは山田@例え.コムまで", "お問い合わせは[EMAIL]まで"],
      ["メールにて鈴木@例え.コム", "メールにて[EMAIL]"],
      ["이메일은hong@naver.com", "이메일은[EMAIL]"],
      ["연락처는홍길동@예시.한국", "연락처는[EMAIL]"],
      ["메일주소를김철수@예시.한국", "메일주소를[EMAIL]"],
      ["주소는홍길동@예시.한국", "주소는[EMAIL]"],
      // A particle that may begin a name in the same script goes into the placeholder: the
      // name may be `はるか` or `るか`, `은길동` (the surname 은) or `길동`.
      ["メールはるか@例え.コム", "メール[EMAIL]"],
      ["메일은홍길동@예시.한국", "메일[EMAIL]"],
      ["메일로라@예시.한국", "메일[EMAIL]"],
      // `주소` alone begins names (`주소영`), and a cue that is the whole local part is none.
      ["주소영@예시.한국", "[EMAIL]"],
      ["メール@例え.コム", "[EMAIL]"],
      // With a space or a separator, or ASCII after kana, the address began there already.
      ["이메일은 홍길동@예시.한국", "이메일은 [EMAIL]"],
      ["メール：山田@例え.コム", "メール：[EMAIL]"],
      ["メールはtaro@example.co.jpまで", "メールは[EMAIL]まで"],
    ];
    for (const [text, redacted] of cases) {
      expect({ text, redacted: redactPersonalData(text).text }).toEqual({ text, redacted });
    }
  });

  it("reads the full-width at sign and letters that Chinese input methods type", () => {
    const cases: [string, string][] = [
      // The input method's `＠` alone, in an otherwise ASCII address.
      ["zhangsan＠example.com", "[EMAIL]"],
      ["请发到zhangsan＠example.com，谢谢", "请发到[EMAIL]，谢谢"],
      // Full-width mode types every letter full-width.
      ["邮箱：ｚｈａｎｇｓａｎ＠ｅｘａｍｐｌｅ.ｃｏｍ", "邮箱：[EMAIL]"],
    ];
    for (const [text, redacted] of cases) {
      expect({ text, redacted: redactPersonalData(text).text }).toEqual({ text, redacted });
    }
    // A mention typed with the full-width sign is still a mention.
    expect(redactPersonalData("＠张三 你好").text).toBe("＠张三 你好");
  });

  it("reads the dots IDNA reads as dots in an ASCII domain, and a sentence's end after one", () => {
    const cases: [string, string][] = [
      // `。`, `．` and `｡` separate labels (RFC 3490 3.1), as Chinese text writes them to keep
      // an address from scrapers.
      ["邮箱zhangsan@example。com，谢谢", "邮箱[EMAIL]，谢谢"],
      ["zhangsan＠example．com", "[EMAIL]"],
      ["mail: zhang@mail｡example｡com", "mail: [EMAIL]"],
      // A dot that ends the sentence, then the next one, ends the address.
      ["发到zhang@qq.com。谢谢", "发到[EMAIL]。谢谢"],
      ["发到zhang@qq.com.谢谢", "发到[EMAIL].谢谢"],
      ["发到zhang@qq。com。谢谢", "发到[EMAIL]。谢谢"],
      ["发到张三@例子.中国.谢谢", "发到[EMAIL].谢谢"],
    ];
    for (const [text, redacted] of cases) {
      expect({ text, redacted: redactPersonalData(text).text }).toEqual({ text, redacted });
    }
    // In an internationalised domain, only before a known top-level domain (next test): `。`
    // ends sentences, and a mention may come before one.
    for (const text of ["谢谢@李雷。Thanks!", "收到@王五。中国队赢了"]) {
      expect({ text, redacted: redactPersonalData(text).text }).toEqual({ text, redacted: text });
    }
  });

  it("reads those dots in an internationalised domain that ends in a known top-level domain, whole", () => {
    const cases: [string, string][] = [
      ["张三@例子。中国", "[EMAIL]"],
      ["联系我：张三@例子｡中国", "联系我：[EMAIL]"],
      ["李雷@公司．中國", "[EMAIL]"],
      ["邮箱：张三@例子。公司。中国，谢谢", "邮箱：[EMAIL]，谢谢"],
      // The sentence's own dot after the address, then the next sentence.
      ["发到张三@例子。中国。谢谢", "发到[EMAIL]。谢谢"],
      ["メール：たろう@例え。コム", "メール：[EMAIL]"],
    ];
    for (const [text, redacted] of cases) {
      expect({ text, redacted: redactPersonalData(text).text }).toEqual({ text, redacted });
    }
    // A mention, the sentence's end, then a sentence that begins with a top-level domain's
    // word: longer than it, or heading a list or a label, or an utterance that is one.
    const sentences = [
      "收到@王五。中国队赢了",
      "张三@例子。中国谢谢", // with `.` the domain would end after `中国` (unknown here)
      "终于买了@华为。手机、电脑都是",
      "谢谢@小明。手机：13341772",
      "谢谢@小明。我爱你。",
      "ありがとう@太郎。みんな！",
      "谢谢@李雷。Thanks!",
      "张三@例子。com", // an ASCII top-level domain after an internationalised label
    ];
    for (const text of sentences) {
      expect({ text, redacted: redactPersonalData(text).text }).toEqual({ text, redacted: text });
    }
  });

  it("leaves mentions, code and plain text with an @ alone", () => {
    const nearMisses = [
      "@张三 你好，@李四 收到请回复",
      "张三@李四.王五", // no such top-level domain
      "今天@所有人.开会", // nor this one
      "价格 12元@件",
      "x = a@b",
      "result = matrix@weights.T",
      "@app.route('/users')",
      "josé@correo.españa", // españa is no top-level domain
      "user@example.comé", // nor a part of one
      "ivan@пример.рфабрика",
      "邮件@",
      "我@你",
    ];
    for (const text of nearMisses) {
      expect({ text, redacted: redactPersonalData(text).text }).toEqual({ text, redacted: text });
    }
  });
});

describe("redactPersonalData: English text", () => {
  it("removes phones, card, SSN, IBAN and addresses from a chat log", () => {
    const text =
      "Hi, I'm Jane (jane.doe+billing@mail.example.co.uk). Call me at (415) 555-2671 or " +
      "+44 20 7946 0958. My Visa 4111-1111-1111-1111 was charged twice; Amex 3782 822463 10005 " +
      "was fine. SSN 123-45-6789. Refund to IBAN GB82 WEST 1234 5698 7654 32, please. " +
      "Logged in from 203.0.113.42 and 2001:db8::8a2e:370:7334.";
    const result = redactPersonalData(text);
    expect(result.text).toBe(
      "Hi, I'm Jane ([EMAIL]). Call me at [PHONE] or " +
        "[PHONE]. My Visa [CARD] was charged twice; Amex [CARD] " +
        "was fine. SSN [ID]. Refund to IBAN [IBAN], please. " +
        "Logged in from [IP] and [IP].",
    );
    expect(result.counts).toEqual({ email: 1, phone: 2, card: 2, id: 1, iban: 1, ip: 2 });
  });

  it("redacts the SSN after its keyword without separators, and keeps the keyword", () => {
    expect(redactPersonalData("SSN: 123456789").text).toBe("SSN: [ID]");
    expect(redactPersonalData("social security number 078 05 1120").text).toBe(
      "social security number [ID]",
    );
  });

  it("finds a card next to other numbers and an IBAN followed by a currency", () => {
    expect(redactPersonalData("on 2024-01-15 4111 1111 1111 1111 was used").text).toBe(
      "on 2024-01-15 [CARD] was used",
    );
    expect(redactPersonalData("card 4111 1111 1111 1111 20 times").text).toBe(
      "card [CARD] 20 times",
    );
    expect(redactPersonalData("DE89 3704 0044 0532 0130 00 EUR").text).toBe("[IBAN] EUR");
    expect(redactPersonalData("FR14 2004 1010 0505 0001 3M02 606").text).toBe("[IBAN]");
  });

  it("leaves order numbers, timestamps, prices, versions and times alone", () => {
    const nearMisses = [
      "Order #4111111111111111 shipped", // Luhn-valid, labelled as an order
      "Invoice no. 5500000000000004 is due",
      "Tracking number 1Z999AA10123456784",
      "Created 2024-01-15T12:30:45.123Z (1705312245123 ms)",
      "Total: $1,234.56 (was $4,111.11), 20% off",
      "Call 123-456-7890", // area code cannot start with 1
      "ISBN 978-7-111-12345-6",
      "Chrome 120.0.6099.109, version 1.2.3.4",
      "Meeting at 12:30:45, MAC 00:1A:2B:3C:4D:5E",
      "Account 4111111111111112", // fails Luhn
      "Serial 000-12-3456 and 900-12-3456", // never-issued SSN areas
      "DE89 3704 0044 0532 0130 01", // IBAN with a wrong check
      "pi is 3.1415926535897932",
      "ratio 0.13812345678",
    ];
    for (const text of nearMisses) {
      expect({ text, redacted: redactPersonalData(text).text }).toEqual({ text, redacted: text });
    }
  });
});

describe("configuration", () => {
  it("is on by default, narrows to the listed types, and turns off", () => {
    const text = "mail a@b.io, phone 13812345678";
    expect(redactPersonalData(text).text).toBe("mail [EMAIL], phone [PHONE]");
    expect(createRedactor({ types: ["phone"] })(text).text).toBe("mail a@b.io, phone [PHONE]");
    const off = createRedactor({ enabled: false })(text);
    expect(off.text).toBe(text);
    expect(off.total).toBe(0);
  });

  it("gives the request log the same text from createTextRedactor, per configuration", () => {
    const texts = [
      ...WARM_UP_TEXTS,
      "mail a@b.io, phone 13812345678",
      "where is my parcel, it was due yesterday",
      "order 2024-01-15 4111 1111 1111 1111, ticket #4411",
    ];
    for (const config of [undefined, { types: ["phone" as const] }, { enabled: false }]) {
      const full = createRedactor(config);
      const text = createTextRedactor(config);
      for (const input of texts) expect(text(input)).toBe(full(input).text);
    }
    // A text with nothing to remove comes back as the very string given.
    const plain = ["where is my parcel, ", "it was due yesterday"].join("");
    expect(createTextRedactor()(plain)).toBe(plain);
  });

  it("finds the same data when a detector runs again on another text (its expression is reused)", () => {
    const first = findPersonalData("call 13812345678 or 13912345678 now");
    expect(first.map((span) => span.detector)).toEqual(["cn-mobile", "cn-mobile"]);
    // The second search starts from the beginning, not where the first one stopped.
    expect(findPersonalData("13712345678").map((span) => [span.start, span.end])).toEqual([
      [0, 11],
    ]);
  });

  it("names the field in errors and publishes a JSON Schema", () => {
    expect(() => parseRedactionConfig({ types: ["email", "passport"] })).toThrow(
      /redaction\.types\.1: must be one of email, phone, card, id, iban, ip/,
    );
    expect(() => parseRedactionConfig({ enable: true })).toThrow(/unknown field\(s\) "enable"/);
    expect(() => parseRedactionConfig({ enabled: "yes" })).toThrow(/redaction\.enabled/);
    const schema = redactionConfigJsonSchema();
    expect(schema.$id).toBe("https://modelscout.dev/schemas/redaction.json");
    expect(JSON.stringify(schema)).toContain('"iban"');
  });

  it("redacts every string inside a JSON value and sums the counts", () => {
    const { value, counts, total } = redactJson({
      messages: [{ role: "user", content: "我的手机是13812345678" }],
      meta: { email: "a@b.io", count: 3, ok: true, missing: null },
    });
    expect(value).toEqual({
      messages: [{ role: "user", content: "我的手机是[PHONE]" }],
      meta: { email: "[EMAIL]", count: 3, ok: true, missing: null },
    });
    expect(counts.phone + counts.email).toBe(2);
    expect(total).toBe(2);
  });
});

describe("createPrefixRedactor", () => {
  const whole = createTextRedactor();
  const prefix = createPrefixRedactor();
  const expected = (text: string, keep: number) => whole(text).slice(0, keep);

  it("redacts a text no longer than keep + PREFIX_MARGIN whole, as the text redactor does", () => {
    for (const text of [...WARM_UP_TEXTS, "", "nothing personal here"]) {
      for (const keep of [0, 1, 20, 2000]) expect(prefix(text, keep)).toBe(expected(text, keep));
    }
  });

  it("gives the clipped redaction of long real texts, with findings across every cut", async () => {
    const [waimai, clinc] = await Promise.all([loadWaimaiReviews(), loadClinc150()]);
    const lines = [...waimai.train.texts.slice(0, 3000), ...clinc.train.texts.slice(0, 3000)];
    const findings = [
      "zhang.san@example.com",
      "13812345678",
      "010-62345678",
      "11010519491231002X",
      "6222 0212 3456 7890 128",
      "+44 20 7946 0958",
      "(415) 555-2671",
      "4111-1111-1111-1111",
      "SSN 123-45-6789",
      "IBAN DE89 3704 0044 0532 0130 00",
      "203.0.113.42",
      "2001:db8::8a2e:370:7334",
    ];
    const random = seededRandom(11).next;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    let compared = 0;
    let windowed = 0;
    for (let trial = 0; trial < 200; trial += 1) {
      const keep = pick([0, 1, 50, 500, 2000]);
      let text = "";
      const length = keep + Math.floor(random() * 3 * (keep + PREFIX_MARGIN));
      while (text.length < length) {
        text += `${pick(lines)} `;
        if (random() < 0.3) text += `${pick(findings)} `;
      }
      // Findings astride the kept part's end and where the redactor cuts the text: the end of
      // its first window's kept part, that window's end, the second window's kept part.
      const first = keep + (keep >> 2);
      for (const at of [keep, first, first + PREFIX_MARGIN, 2 * first + PREFIX_MARGIN]) {
        if (at > 8 && at < text.length)
          text = `${text.slice(0, at - 8)}${pick(findings)}${text.slice(at - 8)}`;
      }
      expect(prefix(text, keep), `trial ${trial}, keep ${keep}`).toBe(expected(text, keep));
      compared += 1;
      if (text.length > keep + PREFIX_MARGIN) windowed += 1;
    }
    expect(compared).toBe(200);
    // Most trials read only a window of the text.
    expect(windowed).toBeGreaterThan(100);
  });

  it("gives the clipped redaction of texts dense with findings, where the kept part reaches the cut", () => {
    // Findings shrink to placeholders, so the kept characters come from near the end of the
    // redactor's window, where a finding cut by the window's end would show.
    const random = seededRandom(12).next;
    const pieces = [
      "4111 1111 1111 1111",
      "IBAN DE89 3704 0044 0532 0130 00",
      "jane.doe@mail.example.co.uk",
      "11010519491231002X",
      "2001:db8::8a2e:370:7334",
      "ok",
      "好的",
    ];
    for (let trial = 0; trial < 400; trial += 1) {
      const keep = 1 + Math.floor(random() * 600);
      let text = "";
      const length = keep + PREFIX_MARGIN + Math.floor(random() * 4 * PREFIX_MARGIN);
      while (text.length < length) {
        text += pieces[Math.floor(random() * pieces.length)] as string;
        text += random() < 0.5 ? " " : ", ";
      }
      expect(prefix(text, keep), `trial ${trial}, keep ${keep}`).toBe(expected(text, keep));
    }
  });

  it("reads further when findings shorten the window below keep", () => {
    // Cards shrink to [CARD]: the first window's kept part, 500 characters, redacts to 175.
    const cards = "4111 1111 1111 1111 ".repeat(Math.ceil((3 * PREFIX_MARGIN) / 20));
    const text = `${cards}and then jane.doe@example.com wrote ${"a".repeat(5000)}`;
    const keep = 400;
    const result = prefix(text, keep);
    expect(result).toBe(expected(text, keep));
    expect(result).toHaveLength(keep);
    expect(result).not.toContain("4111");
  });

  it("redacts a finding that begins in the kept part and ends past it", () => {
    const text = `${"x ".repeat(995)}mail jane.doe@example.com ${"y".repeat(10_000)}`;
    const result = prefix(text, 2000);
    expect(result).toBe(expected(text, 2000));
    // The placeholder is clipped with the rest; none of the address is kept.
    expect(result.endsWith("mail [EMAI")).toBe(true);
    expect(result).not.toContain("jane");
  });

  it("gives the same as the whole text from the start that cutForPrefix keeps, marked cut", () => {
    // The writer thread gets texts cut to prefixReadLength(keep) (ADR 0085).
    const random = seededRandom(13).next;
    const findings = [
      "jane.doe@example.com",
      "13812345678",
      "4111 1111 1111 1111",
      "SSN 123-45-6789",
    ];
    for (let trial = 0; trial < 100; trial += 1) {
      const keep = [1, 50, 300, 2000][trial % 4] as number;
      let text = "";
      const length = prefixReadLength(keep) + Math.floor(random() * 3 * prefixReadLength(keep));
      while (text.length < length) {
        text += random() < 0.2 ? `${findings[trial % findings.length]} ` : "where is my parcel ";
      }
      const cut = cutForPrefix(text, keep);
      expect(cut).toHaveLength(prefixReadLength(keep));
      expect(prefix(cut, keep, true), `trial ${trial}, keep ${keep}`).toBe(expected(text, keep));
    }
    // A text no longer than that is not cut.
    expect(cutForPrefix("short", 2000)).toBe("short");
  });

  it("keeps nothing of a finding that a cut text ends in, even when it keeps less than keep", () => {
    // Long addresses shrink to [EMAIL] until even the second window redacts to fewer than
    // `keep` characters; the text is cut in the middle of one more address.
    const keep = 400;
    const address = "firstname.lastname.department@mail.subdomain.example.co.uk ";
    const addresses = address.repeat(Math.ceil(prefixReadLength(keep) / address.length));
    const text = `${addresses.slice(0, prefixReadLength(keep) - 11)}mail jane.doe@example.com and more`;
    const cut = cutForPrefix(text, keep);
    expect(cut.endsWith("mail jane.d")).toBe(true);
    const result = prefix(cut, keep, true);
    expect(result.length).toBeLessThan(keep);
    expect(result).not.toMatch(/jane|firstname/);
    expect(expected(text, keep).startsWith(result)).toBe(true);
    // Read as the whole text instead, the cut address would have been kept in part.
    expect(prefix(cut, keep)).toContain("jane.d");
  });

  it("only clips when redaction is off", () => {
    const off = createPrefixRedactor({ enabled: false });
    expect(off("mail jane.doe@example.com", 9)).toBe("mail jane");
    expect(off("short", 9)).toBe("short");
  });
});

describe("detectors that try only where a match can start", () => {
  const tried = PERSONAL_DATA_DETECTORS.filter((detector) => detector.findEverywhere);
  const spans =
    (run: (text: string, found: (start: number, end: number) => void) => void) =>
    (text: string) => {
      const found: [number, number][] = [];
      run(text, (start, end) => found.push([start, end]));
      return found;
    };

  it("are every detector but the international phone and SSN ones", () => {
    expect(tried.map((detector) => detector.name).sort()).toEqual([
      "card",
      "cn-landline",
      "cn-mobile",
      "cn-resident-id",
      "cn-resident-id-15",
      "email",
      "iban",
      "ipv4",
      "ipv6",
      "tw-mobile",
      "us-phone",
    ]);
  });

  it("find what trying every position finds, on real lines and on edge cases", async () => {
    const [waimai, clinc] = await Promise.all([loadWaimaiReviews(), loadClinc150()]);
    const random = seededRandom(13).next;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const pieces = [
      "jane.doe@mail.example.co.uk",
      "a@b.co",
      "_x@y.com",
      ".dot@start.com",
      "@",
      "@@",
      "me@",
      "@example.com",
      `${"l".repeat(63)}@long.example.com`,
      `${"l".repeat(64)}@long.example.com`,
      `${"l".repeat(65)}@long.example.com`,
      "+44 20 7946 0958",
      "++44 20 7946 0958",
      "+1 (415) 555-2671",
      "+",
      "2001:db8::8a2e:370:7334",
      "::1",
      "fe80::1%eth0",
      "12:30:45",
      "a:b:c:d",
      "abcd:",
      ":",
      "联系zhang.san@example.com，",
      "张三@例子.中国",
      "发到张三@例子.中国谢谢",
      "josé@correo.españa.es",
      "用户@example.com",
      "иван@пример.рф",
      "张三@李四.王五",
      "𠮷野@example.jp",
      "联系我zhang@qq.com谢谢",
      "zhang@qq.com。谢谢",
      "zhang@qq。com",
      "zhang@example．co｡uk",
      "张三@例子。中国",
      "张三@例子.中国.谢谢",
      "请联系张三123@例子.中国",
      "张三123@qq.com",
      "联系人@公司.中国",
      `${"张".repeat(60)}abc张三1@例子.中国`,
      `${"张".repeat(60)}ab张c1@example.com`,
      "𠮷1𠮷2@例子.中国",
      `${"张".repeat(63)}@例子.中国`,
      `${"张".repeat(64)}@例子.中国`,
      `${"张".repeat(70)}abc@example.com`,
      `${"𠮷".repeat(64)}@example.jp`,
      `${"𠮷".repeat(65)}@example.jp`,
      "IP 203.0.113.42",
      "version 1.2.3.4",
      "IBAN DE89 3704 0044 0532 0130 00",
      "GB82 WEST 1234 5698 7654 32",
      "GB82WEST12345698765432",
      "+86 138 1234 5678",
      "0086-13812345678",
      "0912-345-678",
      "0912 345 678",
      "0912345678",
      "0912-345 678",
      "8613812345678",
      "13812345678",
      "3.13812345678",
      "(010)62345678",
      "010-62345678 转 123",
      "+1 (415) 555-2671",
      "1-415-555-2671",
      "415.555.2671",
      "11010519491231002X",
      "110105491231002",
      "4111 1111 1111 1111",
      "4111-1111-1111-1111 20",
      "订单号202401151234567890",
      "a1b2c3",
      "12345678901234567890",
      "2024-01-15 4111 1111 1111 1111",
    ];
    const lines = [
      ...WARM_UP_TEXTS,
      ...waimai.train.texts.slice(0, 500),
      ...clinc.train.texts.slice(0, 500),
    ];
    const findings = new Map<string, number>();
    for (let trial = 0; trial < 1500; trial += 1) {
      let text = trial < lines.length ? (lines[trial] as string) : "";
      const extra = Math.floor(random() * 6);
      for (let index = 0; index < extra; index += 1) {
        const at = Math.floor(random() * (text.length + 1));
        const glue = pick(["", " ", ",", "_", ".", "-", "+", ":", "@"]);
        text = `${text.slice(0, at)}${glue}${pick(pieces)}${pick(["", " ", glue])}${text.slice(at)}`;
      }
      for (const detector of tried) {
        const everywhere = spans(detector.findEverywhere as PersonalDataDetector["find"])(text);
        const label = `${detector.name} on ${JSON.stringify(text)}`;
        expect(spans(detector.find)(text), label).toEqual(everywhere);
        // Every start tried, whatever their number (find scans everywhere past a density).
        const starts = detector.listStarts?.(text) ?? [];
        const atStarts = spans((input, found) => detector.findAt?.(input, starts, found))(text);
        expect(atStarts, label).toEqual(everywhere);
        findings.set(detector.name, (findings.get(detector.name) ?? 0) + everywhere.length);
      }
    }
    // The texts hold findings to agree on, not only texts where both find nothing.
    for (const detector of tried) {
      expect(findings.get(detector.name), detector.name).toBeGreaterThan(20);
    }
  });

  it("scan everywhere when the characters they start from are dense", () => {
    const email = tried.find((detector) => detector.name === "email") as PersonalDataDetector;
    const addresses = "ann@example.com, ".repeat(200);
    // One `@` in 17 characters is more than one start in 32.
    expect(email.listStarts?.(addresses, Math.floor(addresses.length / 32))).toBeNull();
    expect(email.listStarts?.(addresses)).toHaveLength(200);
    const found: number[] = [];
    email.find(addresses, (start) => found.push(start));
    expect(found).toHaveLength(200);
  });
});
