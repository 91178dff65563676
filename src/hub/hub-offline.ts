/**
 * @module
 * Whether the Hub may be asked at all: `HF_HUB_OFFLINE=1` (as the Hub's own clients read it)
 * or `MODELSCOUT_OFFLINE=1` forbid it, for downloads and for looking models up alike.
 */

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
}

export function hubOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  return isTruthy(env.HF_HUB_OFFLINE) || isTruthy(env.MODELSCOUT_OFFLINE);
}
