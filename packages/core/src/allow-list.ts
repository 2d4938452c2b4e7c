import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/**
 * IP allow-lists (API keys and organizations): CIDR ranges, IPv4 and IPv6. Parsing is ipaddr.js's
 * (the same library express uses for `trust proxy`), not hand-written. An IPv4-mapped IPv6 address
 * (`::ffff:10.1.2.3`, what a dual-stack socket reports) is matched as the IPv4 address it carries.
 */
export const MAX_ALLOW_LIST_ENTRIES = 100;

/** The canonical form of a CIDR (`10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 or /128), or null if it is not one. */
export function normalizeCidr(input: string): string | null {
  const text = input.trim();
  const address = text.split('/')[0] ?? '';
  // ipaddr.js also reads old forms such as `127.1` or `0x7f.0.0.1`; a list should hold none of them.
  if (!address.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(address)) return null;
  try {
    if (text.includes('/')) {
      const [address, bits] = ipaddr.parseCIDR(text);
      // The network address: `10.1.2.3/8` is stored as `10.0.0.0/8`, so a list reads as what it allows.
      const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text) : networkV6(address as ipaddr.IPv6, bits);
      return `${network.toString()}/${bits}`;
    }
    const single = ipaddr.parse(text);
    return `${single.toString()}/${single.kind() === 'ipv4' ? 32 : 128}`;
  } catch {
    return null;
  }
}

function networkV6(address: ipaddr.IPv6, bits: number): ipaddr.IPv6 {
  const bytes = address.toByteArray();
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return ipaddr.fromByteArray(bytes) as ipaddr.IPv6;
}

/**
 * Whether `ip` is inside one of `cidrs`. An empty or absent list allows every address; a list
 * given with no known client address allows nothing (fail closed).
 */
export function ipAllowed(cidrs: readonly string[] | null | undefined, ip: string | null | undefined): boolean {
  if (!cidrs || cidrs.length === 0) return true;
  if (!ip) return false;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  for (const cidr of cidrs) {
    try {
      const range = ipaddr.parseCIDR(cidr);
      if (range[0].kind() === address.kind() && (address as ipaddr.IPv4).match(range as [ipaddr.IPv4, number])) return true;
    } catch {
      // A stored entry is validated on the way in; an unreadable one allows nothing.
    }
  }
  return false;
}

/** Input schema of an allow-list (API keys and organizations alike): canonical CIDRs, duplicates dropped. */
export const allowListInput = () =>
  z
    .array(z.string().max(64))
    .max(MAX_ALLOW_LIST_ENTRIES, { message: `must have at most ${MAX_ALLOW_LIST_ENTRIES} entries` })
    .transform((list, ctx) => {
      const out: string[] = [];
      list.forEach((entry, index) => {
        const cidr = normalizeCidr(entry);
        if (!cidr) ctx.addIssue({ code: 'custom', path: [index], message: 'must be an IPv4 or IPv6 address or CIDR range' });
        else if (!out.includes(cidr)) out.push(cidr);
      });
      return out;
    });
