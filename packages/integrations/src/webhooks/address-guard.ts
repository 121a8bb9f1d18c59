import { lookup } from 'node:dns/promises';
import { BlockList, isIP, isIPv4 } from 'node:net';
import type { buildConnector } from 'undici';

/** A tenant URL points (or resolves, or redirects) somewhere inside: never contacted. */
export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
  readonly code = 'WEBHOOK_BLOCKED_ADDRESS';
}

type Range = readonly [network: string, prefix: number, label: string];

// Special-purpose ranges (IANA registries): nothing a public webhook receiver may live on.
const V4: Range[] = [
  ['0.0.0.0', 8, '"this network"'],
  ['10.0.0.0', 8, 'private network'],
  ['100.64.0.0', 10, 'carrier-grade NAT (incl. cloud metadata 100.100.100.200)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local (incl. cloud metadata 169.254.169.254)'],
  ['172.16.0.0', 12, 'private network'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private network'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const V6: Range[] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::', 96, 'IPv4-compatible IPv6'],
  ['64:ff9b::', 96, 'NAT64 (embeds an IPv4 address)'],
  ['64:ff9b:1::', 48, 'local NAT64'],
  ['100::', 64, 'discard-only'],
  ['2001::', 23, 'IETF protocol assignments (incl. Teredo)'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, '6to4 (embeds an IPv4 address)'],
  ['fc00::', 7, 'unique local (incl. cloud metadata fd00:ec2::254)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local'],
  ['ff00::', 8, 'multicast'],
];

function rangeList(ranges: Range[], type: 'ipv4' | 'ipv6'): Array<{ label: string; list: BlockList }> {
  return ranges.map(([network, prefix, label]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, type);
    return { label, list };
  });
}

const V4_LISTS = rangeList(V4, 'ipv4');
const V6_LISTS = rangeList(V6, 'ipv6');

/** `::ffff:a.b.c.d` / `::ffff:7f00:1` → `a.b.c.d`; undefined for other addresses. */
export function mappedIPv4(address: string): string | undefined {
  const m = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(address);
  if (!m?.[1]) return undefined;
  const rest = m[1];
  if (isIPv4(rest)) return rest;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(rest);
  if (!hex?.[1] || !hex[2]) return undefined;
  const hi = parseInt(hex[1], 16);
  const lo = parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why an IP address may not be contacted, or undefined when it is a public address. */
export function specialRange(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return V4_LISTS.find((r) => r.list.check(address, 'ipv4'))?.label;
  if (family === 6) {
    const v4 = mappedIPv4(address);
    if (v4 !== undefined) {
      const inner = specialRange(v4);
      return `IPv4-mapped IPv6 of ${v4}${inner ? ` (${inner})` : ''}`;
    }
    return V6_LISTS.find((r) => r.list.check(address, 'ipv6'))?.label;
  }
  return 'not an IP address';
}

interface AllowEntry {
  list: BlockList;
  port: number | undefined;
}

function parseAllow(entry: string): AllowEntry {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:]+)(?::(\d+))?$/.exec(entry);
  const ip = m?.[1] ?? entry;
  const list = new BlockList();
  list.addAddress(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  return { list, port: m?.[2] ? Number(m[2]) : undefined };
}

/**
 * Decides, at connect time, whether a tenant URL's address may be contacted: every address the
 * host name resolves to must be public (a private answer among public ones refuses the lot), and
 * the connection goes to the address that was checked, so DNS rebinding cannot swap it
 * afterwards. A test allowlist (ip or ip:port) lets the test suite reach its loopback fakes.
 */
export class AddressGuard {
  readonly #allow: AllowEntry[];

  constructor(opts: { allowlist?: readonly string[] } = {}) {
    this.#allow = (opts.allowlist ?? []).map(parseAllow);
  }

  #allowed(address: string, port: number): boolean {
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    return this.#allow.some((a) => (a.port === undefined || a.port === port) && a.list.check(address, type));
  }

  /** The reason this address:port is refused, or undefined. */
  refusal(address: string, port: number): string | undefined {
    const range = specialRange(address);
    if (range === undefined || this.#allowed(address, port)) return undefined;
    return range;
  }

  /** Resolve and check; returns the address to connect to. */
  async resolve(hostname: string, port: number): Promise<{ address: string; family: number }> {
    const literal = isIP(hostname);
    const addresses = literal ? [{ address: hostname, family: literal }] : await lookup(hostname, { all: true, verbatim: true });
    if (addresses.length === 0) throw Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' });
    for (const a of addresses) {
      const why = this.refusal(a.address, port);
      if (why) {
        const via = literal ? `${hostname}` : `${hostname} resolves to ${a.address}`;
        throw new BlockedAddressError(`refused to connect: ${via}, which is not a public address (${why})`);
      }
    }
    return addresses[0] as { address: string; family: number };
  }

  /** Wrap an undici connector: resolve + check first, then connect to exactly that address. */
  connector(base: buildConnector.connector): buildConnector.connector {
    return (opts, callback) => {
      const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
      this.resolve(opts.hostname, port).then(
        ({ address }) => base({ ...opts, hostname: address, servername: opts.servername || (isIP(opts.hostname) ? '' : opts.hostname) }, callback),
        (err: Error) => callback(err, null),
      );
    };
  }
}
