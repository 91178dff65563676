/**
 * @module
 * Where the Hugging Face Hub is and how to authenticate to it, read from the same
 * environment variables the Hub's own clients use (`HF_ENDPOINT`, `HF_TOKEN`,
 * `HUGGING_FACE_HUB_TOKEN`), so a mirror or a token set up for `huggingface-cli` works here
 * unchanged.
 */

export const DEFAULT_HUB_ENDPOINT = "https://huggingface.co";

/** `HF_ENDPOINT` without trailing slashes, or the public Hub. */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.HF_ENDPOINT?.trim();
  if (configured === undefined || configured === "") return DEFAULT_HUB_ENDPOINT;
  return configured.replace(/\/+$/, "");
}

/**
 * The access token, if any. `HF_TOKEN` wins over the older `HUGGING_FACE_HUB_TOKEN`, as in
 * `huggingface_hub`. The value must never be logged; see `redact-secrets.ts`.
 */
export function hubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"] as const) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== "") return value;
  }
  return undefined;
}

/** Where one Hub request goes and with what credential. */
export interface HubAccess {
  /** Without trailing slashes, so paths can be appended. */
  endpoint: string;
  token: string | undefined;
}

/**
 * The endpoint and token a request uses: the caller's own when given, else the environment's
 * (`hubEndpoint`, `hubToken`). One rule, so the model info, the tree after it and the messages
 * naming them all agree on which Hub was asked.
 */
export function hubAccess(
  options: { endpoint?: string; token?: string },
  env: NodeJS.ProcessEnv = process.env,
): HubAccess {
  return {
    endpoint: (options.endpoint ?? hubEndpoint(env)).replace(/\/+$/, ""),
    token: options.token ?? hubToken(env),
  };
}
