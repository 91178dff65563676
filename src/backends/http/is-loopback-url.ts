/**
 * @module
 * Whether a server URL points at this machine. HTTP backends report `local: true` only then,
 * and `privacy: local-only` relies on that flag, so the rule is deliberately narrow: the
 * literal loopback addresses and `localhost`, never a LAN address or a host name that merely
 * resolves to this machine today (DNS can change; a user who knows better passes `local`).
 */

export function isLoopbackUrl(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (hostname === "localhost" || hostname.endsWith(".localhost")) return true;
  if (hostname === "[::1]" || hostname === "::1") return true;
  // IPv4 loopback is the whole 127.0.0.0/8 block; the URL parser has already normalised it.
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)) return true;
  // IPv4-mapped IPv6 loopback, as the URL parser writes it.
  return hostname === "[::ffff:7f00:1]";
}
