/**
 * @module
 * The OpenAI-compatible request bodies the server accepts, validated with zod at the edge.
 * Bodies are loose objects: clients send fields this router does not use (`temperature`,
 * `top_p`, `user`, `seed`...) and must not be refused for them. Those sampling fields are
 * not forwarded: a `ModelBackend` takes inputs only, and each endpoint model's sampling
 * settings come from its declaration. Message content may be a string or an array of text
 * parts; images and tool messages are refused with a clear 400.
 */
import { z } from "zod";

const textPart = z.object({ type: z.literal("text"), text: z.string() });

const messageSchema = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant"], {
    error: (issue) =>
      `role must be system, developer, user or assistant (got ${JSON.stringify(issue.input)}); tool messages are not supported by the router`,
  }),
  content: z.union([z.string(), z.array(textPart)], {
    error: 'content must be a string or an array of text parts ({type: "text", text})',
  }),
});

export const chatCompletionRequestSchema = z.looseObject({
  /** `auto`, a route name or a model id. Default `auto`. */
  model: z.string().min(1).default("auto"),
  messages: z.array(messageSchema).min(1, "messages must hold at least one message"),
  stream: z.boolean().default(false),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

const textInput = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  error: "input must be a non-empty string or a non-empty array of strings",
});

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1).default("auto"),
  input: textInput,
  encoding_format: z.enum(["float", "base64"]).default("float"),
});
export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

const candidateLabels = z.array(z.string().min(1)).min(1);

/**
 * A task request: `{model, input, candidate_labels}`, or the Hugging Face Inference API's
 * shape, `{inputs, parameters: {candidate_labels}}`, which clients of that API already send.
 * Either way it comes out as `{model, input, candidate_labels}`; giving one field both ways
 * is refused rather than one silently winning.
 */
export const taskRequestSchema = z
  .looseObject({
    model: z.string().min(1).default("auto"),
    input: textInput.optional(),
    /** The Hugging Face Inference API's name for `input`. */
    inputs: textInput.optional(),
    /** Labels for zero-shot and prompt classifiers. */
    candidate_labels: candidateLabels.optional(),
    parameters: z.looseObject({ candidate_labels: candidateLabels.optional() }).optional(),
  })
  .transform((body, context) => {
    const hubLabels = body.parameters?.candidate_labels;
    if (body.input !== undefined && body.inputs !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["inputs"],
        message: "give the text as input or as inputs, not both",
      });
    }
    if (body.candidate_labels !== undefined && hubLabels !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["parameters", "candidate_labels"],
        message: "give candidate_labels at the top level or in parameters, not both",
      });
    }
    const input = body.input ?? body.inputs;
    if (input === undefined) {
      context.addIssue({
        code: "custom",
        path: ["input"],
        message:
          "a non-empty string or a non-empty array of strings is required (the Hugging Face Inference API's inputs also works)",
      });
      return z.NEVER;
    }
    const labels = body.candidate_labels ?? hubLabels;
    return { model: body.model, input, ...(labels !== undefined && { candidate_labels: labels }) };
  });
export type TaskRequest = z.infer<typeof taskRequestSchema>;

export interface PlainMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Messages as backends take them: `developer` is a system message, text parts are joined. */
export function plainMessages(messages: ChatCompletionRequest["messages"]): PlainMessage[] {
  return messages.map((message) => ({
    role: message.role === "developer" ? "system" : message.role,
    content:
      typeof message.content === "string"
        ? message.content
        : message.content.map((part) => part.text).join("\n"),
  }));
}

/** The text a chat is classified by: the last user message. */
export function lastUserMessage(messages: readonly PlainMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (message?.role === "user") return message.content;
  }
  return messages.at(-1)?.content ?? "";
}

/** An embedding as OpenAI's `encoding_format: "base64"`: little-endian float32 bytes. */
export function base64Embedding(vector: readonly number[]): string {
  return Buffer.from(Float32Array.from(vector).buffer).toString("base64");
}
