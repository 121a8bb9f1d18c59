// Tenant webhook SSRF through the real bridge and integrations pool: each inside target (direct, by name, by redirect) has its own victim.
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { migrateWithRetry } from '@fable-jobs/db';
import { testConfig } from '@fable-jobs/testing';
import { ConnectSpy, Victim } from '../lib/connect-spy.ts';
import { startFleetStack } from '../lib/fleet-stack.ts';
import { runScenario, tag, type ScenarioResult } from '../lib/result.ts';

interface Target {
  name: string;
  /** The URL (or, for a redirect, the Location) with `{P}` for the victim's port. */
  url: string;
  platform?: 'FableWebhook' | 'Zapier';
  /** Deliver to the allowed tenant endpoint, which answers with this redirect to `url`. */
  redirect?: number;
  /** Hosts (literal addresses) a connect to which counts, whatever the port (e.g. metadata on :80). */
  hosts?: string[];
}

/** Names this machine resolves to itself: /etc/hosts entries and the host name. */
function inwardNames(): string[] {
  const names = new Set<string>([hostname()]);
  try {
    for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
      const [addr, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (addr && aliases.length) for (const a of aliases) if (a) names.add(a);
    }
  } catch {
    // No /etc/hosts: the host name alone.
  }
  return [...names];
}

/** This machine's own non-loopback addresses (private, documentation or link-local ranges here). */
function ownAddresses(): string[] {
  const out: string[] = [];
  for (const [name, infos] of Object.entries(networkInterfaces())) {
    for (const i of infos ?? []) {
      if (i.internal) continue;
      // A link-local IPv6 address needs its zone (%25 in a URL).
      out.push(i.family === 'IPv6' ? `[${i.address}${i.address.toLowerCase().startsWith('fe80') ? `%25${name}` : ''}]` : i.address);
    }
  }
  return out;
}

function targets(): Target[] {
  const direct: Target[] = [
    { name: 'IPv4 loopback', url: 'http://127.0.0.1:{P}/admin' },
    { name: 'short loopback 127.1', url: 'http://127.1:{P}/' },
    { name: 'another loopback address 127.0.0.2', url: 'http://127.0.0.2:{P}/' },
    { name: 'octal loopback', url: 'http://0177.0.0.1:{P}/' },
    { name: 'hex loopback', url: 'http://0x7f000001:{P}/' },
    { name: 'decimal loopback', url: 'http://2130706433:{P}/' },
    { name: 'mixed hex loopback', url: 'http://0x7f.1:{P}/' },
    { name: '0.0.0.0', url: 'http://0.0.0.0:{P}/' },
    { name: 'bare 0', url: 'http://0:{P}/' },
    { name: 'IPv6 loopback', url: 'http://[::1]:{P}/' },
    { name: 'IPv6 loopback, long form', url: 'http://[0:0:0:0:0:0:0:1]:{P}/' },
    { name: 'IPv4-mapped IPv6 loopback', url: 'http://[::ffff:127.0.0.1]:{P}/' },
    { name: 'IPv4-mapped IPv6 loopback, hex', url: 'http://[::ffff:7f00:1]:{P}/' },
    { name: 'IPv4-mapped IPv6 loopback, long form', url: 'http://[0:0:0:0:0:ffff:127.0.0.1]:{P}/' },
    { name: 'IPv4-compatible IPv6 loopback', url: 'http://[::127.0.0.1]:{P}/' },
    { name: 'IPv6 unspecified', url: 'http://[::]:{P}/' },
    { name: 'IPv4-mapped 0.0.0.0', url: 'http://[::ffff:0.0.0.0]:{P}/' },
    { name: 'NAT64 of loopback', url: 'http://[64:ff9b::7f00:1]:{P}/' },
    { name: '6to4 of loopback', url: 'http://[2002:7f00:1::]:{P}/' },
    { name: 'localhost', url: 'http://localhost:{P}/' },
    { name: 'localhost with a trailing dot', url: 'http://localhost.:{P}/' },
    { name: 'LOCALHOST upper case', url: 'http://LOCALHOST:{P}/' },
    { name: 'a subdomain of localhost', url: 'http://api.localhost:{P}/' },
    { name: 'ideographic full stops', url: 'http://127。0。0。1:{P}/' },
    { name: 'enclosed alphanumerics', url: 'http://①②⑦.0.0.1:{P}/' },
    { name: 'circled letters spelling localhost', url: 'http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ:{P}/' },
    { name: 'a public-looking DNS name for loopback (nip.io)', url: 'http://127.0.0.1.nip.io:{P}/' },
    { name: 'private 10/8', url: 'http://10.0.0.1:{P}/', hosts: ['10.0.0.1'] },
    { name: 'private 172.16/12', url: 'http://172.16.0.1:{P}/', hosts: ['172.16.0.1'] },
    { name: 'private 192.168/16', url: 'http://192.168.0.1:{P}/', hosts: ['192.168.0.1'] },
    { name: 'carrier-grade NAT', url: 'http://100.64.0.1:{P}/', hosts: ['100.64.0.1'] },
    { name: 'benchmarking range', url: 'http://198.18.0.1:{P}/', hosts: ['198.18.0.1'] },
    { name: 'AWS/GCP metadata on port 80', url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', hosts: ['169.254.169.254'] },
    { name: 'metadata address', url: 'http://169.254.169.254:{P}/', hosts: ['169.254.169.254'] },
    { name: 'metadata, hex', url: 'http://0xa9fea9fe:{P}/', hosts: ['169.254.169.254'] },
    { name: 'metadata, decimal', url: 'http://2852039166:{P}/', hosts: ['169.254.169.254'] },
    { name: 'metadata, IPv4-mapped IPv6', url: 'http://[::ffff:a9fe:a9fe]:{P}/', hosts: ['169.254.169.254', '::ffff:a9fe:a9fe', '::ffff:169.254.169.254'] },
    { name: 'AWS IPv6 metadata', url: 'http://[fd00:ec2::254]:{P}/', hosts: ['fd00:ec2::254'] },
    { name: 'Alibaba metadata', url: 'http://100.100.100.200:{P}/', hosts: ['100.100.100.200'] },
    { name: 'GCP metadata name', url: 'http://metadata.google.internal/computeMetadata/v1/', hosts: ['169.254.169.254'] },
    { name: 'https to loopback', url: 'https://127.0.0.1:{P}/' },
    { name: 'credentials before a loopback host', url: 'http://evil.example@127.0.0.1:{P}/' },
    { name: 'backslash before @', url: 'http://127.0.0.1:{P}\\@evil.example/' },
    { name: 'fragment before @', url: 'http://127.0.0.1:{P}#@evil.example/' },
    { name: 'tab inside the host', url: 'http://127.0.\t0.1:{P}/' },
    { name: 'ftp scheme', url: 'ftp://127.0.0.1:{P}/' },
    { name: 'gopher scheme', url: 'gopher://127.0.0.1:{P}/_GET%20/' },
    { name: 'dict scheme', url: 'dict://127.0.0.1:{P}/info' },
    { name: 'file scheme', url: 'file:///etc/passwd' },
    { name: 'Zapier hook on loopback', url: 'http://127.0.0.1:{P}/hooks/catch/1/2/', platform: 'Zapier' },
    { name: 'Zapier hook on IPv6 loopback', url: 'http://[::1]:{P}/hooks/catch/1/2/', platform: 'Zapier' },
    { name: 'Zapier hook via localhost', url: 'http://localhost:{P}/hooks/catch/1/2/', platform: 'Zapier' },
  ];
  const names = inwardNames().map((n): Target => ({ name: `name from /etc/hosts or the host name: ${n}`, url: `http://${n}:{P}/` }));
  const own = ownAddresses().map((a): Target => ({ name: `this machine's own address ${a.replace('%25', '%')}`, url: `http://${a}:{P}/` }));
  const redirects: Target[] = [
    { name: '307 to IPv4 loopback', url: 'http://127.0.0.1:{P}/internal', redirect: 307 },
    { name: '308 to IPv6 loopback', url: 'http://[::1]:{P}/internal', redirect: 308 },
    { name: '307 to localhost', url: 'http://localhost:{P}/internal', redirect: 307 },
    { name: '307 to hex loopback', url: 'http://0x7f000001:{P}/', redirect: 307 },
    { name: '307 to the metadata address', url: 'http://169.254.169.254:{P}/latest/meta-data/', redirect: 307, hosts: ['169.254.169.254'] },
    { name: '307 to metadata on port 80', url: 'http://169.254.169.254/latest/meta-data/', redirect: 307, hosts: ['169.254.169.254'] },
    { name: '307 scheme-relative to loopback', url: '//127.0.0.1:{P}/', redirect: 307 },
    { name: '307 with credentials to loopback', url: 'http://u:p@127.0.0.1:{P}/', redirect: 307 },
    { name: '302 to loopback', url: 'http://127.0.0.1:{P}/', redirect: 302 },
    { name: '301 to loopback', url: 'http://127.0.0.1:{P}/', redirect: 301 },
    { name: '303 to loopback', url: 'http://127.0.0.1:{P}/', redirect: 303 },
    ...ownAddresses().map((a): Target => ({ name: `307 to this machine's address ${a.replace('%25', '%')}`, url: `http://${a}:{P}/`, redirect: 307 })),
  ];
  return [...direct, ...names, ...own, ...redirects];
}

export async function ssrf(): Promise<ScenarioResult> {
  return runScenario('ssrf', 120_000, async (t, defer) => {
    await migrateWithRetry(testConfig().config, { createDatabases: true });
    const spy = new ConnectSpy();
    const fleet = await startFleetStack({ pools: ['integrations'], env: { WEBHOOK_MAX_REDIRECTS: '3' } });
    defer.add('fleet', () => fleet.close());
    spy.install();
    defer.add('connect spy', () => spy.restore());
    const run = tag();
    const { mainApi, tenant } = fleet.fakes;
    mainApi.demos.set('9001', { id: 9001, rid: 'rid-9001', displayName: 'Tour' });

    let seq = 0;
    const integration = (platform: 'FableWebhook' | 'Zapier', url: string): string => {
      const id = `${Date.now() % 1_000_000_000}${String(seq++).padStart(4, '0')}`;
      const tenantConfig = platform === 'Zapier' ? { hookUrl: url } : { url, reqBody: '{"email":"{{email}}","marker":"{{marker}}"}', reqHeaders: '{}' };
      mainApi.integrations.set(id, { org: { id: 5 }, platformIntegration: { type: platform }, tenantIntegration: { id: Number(id), tenantConfig } });
      return id;
    };
    const deliver = (id: string, marker: string) =>
      fleet.send('NF', 'legacy', { eventName: 'RUN_INTEGRATION', payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_integrationId: id, payload_eventPayload: JSON.stringify({ email: 'v@example.com', ti: 9001, marker }) });

    // One victim per attack, so a connection names the attack that made it.
    const list = targets();
    const attacks: Array<{ target: Target; victim: Victim; id: string }> = [];
    for (const target of list) {
      const victim = await new Victim().start();
      defer.add('victim', () => victim.stop());
      const url = target.url.replaceAll('{P}', String(victim.port));
      let id: string;
      if (target.redirect) {
        const path = `/redirect-${run}-${attacks.length}`;
        tenant.script(`POST ${path}`, { status: target.redirect, headers: { location: url } });
        id = integration('FableWebhook', `${tenant.url}${path}`);
      } else id = integration(target.platform ?? 'FableWebhook', url);
      attacks.push({ target, victim, id });
    }
    // A redirect chain through the allowed endpoint itself before turning inward.
    const chainVictim = await new Victim().start();
    defer.add('victim', () => chainVictim.stop());
    tenant.script(`POST /chain-${run}-1`, { status: 307, headers: { location: `/chain-${run}-2` } });
    tenant.script(`POST /chain-${run}-2`, { status: 308, headers: { location: `http://127.0.0.1:${chainVictim.port}/` } });
    attacks.push({ target: { name: '307 → 308 chain through the allowed endpoint, then to loopback', url: '' }, victim: chainVictim, id: integration('FableWebhook', `${tenant.url}/chain-${run}-1`) });

    // Controls: a delivery to the allowed endpoint, directly and through an allowed 308.
    const okId = integration('FableWebhook', `${tenant.url}/ok-${run}`);
    tenant.script(`POST /hop-${run}`, { status: 308, headers: { location: `/final-${run}` } });
    const hopId = integration('FableWebhook', `${tenant.url}/hop-${run}`);

    for (const a of attacks) await deliver(a.id, `attack-${run}`);
    await deliver(okId, `ok-${run}`);
    await deliver(hopId, `hop-${run}`);
    const settled = await fleet.idle(90_000);
    t.control('every delivery job finished', settled);

    for (const a of attacks) {
      const ports = new Set([a.victim.port]);
      const spied = spy.to({ ports, hosts: new Set(a.target.hosts ?? []) });
      const through = a.victim.connections > 0 || spied.length > 0;
      t.attempt(a.target.name, through, `${a.victim.connections} connections at the victim; connect attempts: ${spied.map((s) => `${s.host}:${s.port}${s.address ? ` (${s.address})` : ''}`).join(', ')}`);
    }

    // The harness really ran each attack through the webhook processor: one delivery record each.
    const rows: Array<{ integration_id: string; error_code: string | null; reason: string | null }> = await fleet.h.mysql('webhook_deliveries').whereIn('integration_id', attacks.map((a) => a.id)).select('integration_id', 'error_code', 'reason');
    if (process.env['SECURITY_DEBUG']) for (const r of rows) process.stderr.write(`${attacks.find((a) => a.id === r.integration_id)?.target.name}: ${r.error_code} ${r.reason}\n`);
    const codes = new Map<string, number>();
    for (const r of rows) codes.set(r.error_code ?? 'none', (codes.get(r.error_code ?? 'none') ?? 0) + 1);
    t.control('every attack reached the webhook processor (a webhook_deliveries row each)', new Set(rows.map((r) => r.integration_id)).size === attacks.length, `${new Set(rows.map((r) => r.integration_id)).size}/${attacks.length}`);
    const ok = tenant.received(`POST /ok-${run}`);
    t.control('a delivery to the allowed endpoint arrives with its body', ok.length === 1 && (ok[0]?.json as { marker?: string } | undefined)?.marker === `ok-${run}`, `${ok.length} received`);
    const hop = tenant.received(`POST /final-${run}`);
    t.control('an allowed 308 redirect is followed', hop.length === 1, `${hop.length} received`);
    // The socket-level observer works: it saw the control deliveries connect to the allowed endpoint.
    t.control('the connect spy saw the controls connect', spy.to({ ports: new Set([tenant.port]) }).length > 0, `${spy.attempts.length} connects observed in all`);
    return `${attacks.length} webhook targets (loopback encodings, IPv6 forms, names resolving inward, this machine's addresses, private and metadata ranges, schemes, redirects); refusal codes the fleet recorded (not used to decide): ${[...codes].map(([c, n]) => `${c} ×${n}`).join(', ')}`;
  });
}
