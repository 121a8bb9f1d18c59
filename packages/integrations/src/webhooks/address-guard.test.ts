import { describe, expect, it } from 'vitest';
import { AddressGuard, mappedIPv4, specialRange } from './address-guard.ts';
import { checkTenantUrl } from './safe-sender.ts';

describe('specialRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private network'],
    ['172.16.0.1', 'private network'],
    ['172.31.255.255', 'private network'],
    ['192.168.1.1', 'private network'],
    ['169.254.169.254', 'link-local (incl. cloud metadata 169.254.169.254)'],
    ['100.100.100.200', 'carrier-grade NAT (incl. cloud metadata 100.100.100.200)'],
    ['0.0.0.0', '"this network"'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'unique local (incl. cloud metadata fd00:ec2::254)'],
    ['fc00::1', 'unique local (incl. cloud metadata fd00:ec2::254)'],
    ['64:ff9b::7f00:1', 'NAT64 (embeds an IPv4 address)'],
    ['2002:7f00:1::', '6to4 (embeds an IPv4 address)'],
    ['2001:0:4136:e378::1', 'IETF protocol assignments (incl. Teredo)'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped IPv6 of 127.0.0.1 (loopback)'],
    ['::ffff:7f00:1', 'IPv4-mapped IPv6 of 127.0.0.1 (loopback)'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped IPv6 of 169.254.169.254 (link-local (incl. cloud metadata 169.254.169.254))'],
    ['::127.0.0.1', 'IPv4-compatible IPv6'],
  ])('%s is %s', (ip, label) => {
    expect(specialRange(ip)).toBe(label);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])('%s is public', (ip) => {
    expect(specialRange(ip)).toBeUndefined();
  });

  it('reads both notations of IPv4-mapped addresses', () => {
    expect(mappedIPv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(mappedIPv4('::ffff:0a00:0001')).toBe('10.0.0.1');
    expect(mappedIPv4('0:0:0:0:0:ffff:7f00:1')).toBe('127.0.0.1');
    expect(mappedIPv4('2001:db8::1')).toBeUndefined();
  });
});

describe('AddressGuard', () => {
  it('lets an allowlisted ip:port through, and nothing else', async () => {
    const g = new AddressGuard({ allowlist: ['127.0.0.1:4000', '[::1]:5000'] });
    expect(g.refusal('127.0.0.1', 4000)).toBeUndefined();
    expect(g.refusal('127.0.0.1', 4001)).toBe('loopback');
    expect(g.refusal('::1', 5000)).toBeUndefined();
    expect(g.refusal('::1', 4000)).toBe('loopback');
    expect(g.refusal('10.0.0.1', 4000)).toBe('private network');
    await expect(g.resolve('localhost', 4001)).rejects.toMatchObject({ name: 'BlockedAddressError', code: 'WEBHOOK_BLOCKED_ADDRESS' });
    await expect(g.resolve('127.0.0.1', 4000)).resolves.toEqual({ address: '127.0.0.1', family: 4 });
  });

  it('refuses a literal private address without a DNS lookup', async () => {
    await expect(new AddressGuard().resolve('192.168.0.10', 443)).rejects.toThrow('refused to connect: 192.168.0.10, which is not a public address (private network)');
  });
});

describe('checkTenantUrl', () => {
  it('wants https unless http is allowed, and no credentials', () => {
    expect(() => checkTenantUrl('http://example.com/hook', false)).toThrow(/must use https \(got http\)/);
    expect(checkTenantUrl('http://example.com/hook', true).host).toBe('example.com');
    expect(() => checkTenantUrl('https://user:pw@example.com/', false)).toThrow(/must not carry credentials/);
    expect(() => checkTenantUrl('ftp://example.com/', true)).toThrow(/must use https or http/);
    expect(() => checkTenantUrl('/relative', false)).toThrow(/not an absolute URL/);
  });
});
