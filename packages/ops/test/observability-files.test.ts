import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { QueueSet, registerQueueGauges } from '@fable-jobs/queue';
import { Metrics, createRedis } from '@fable-jobs/runtime';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const RULES = join(DEPLOY, 'prometheus/alerts.yml');
const RULE_TESTS = join(DEPLOY, 'prometheus/alerts.test.yml');
const DASHBOARD = join(DEPLOY, 'grafana/fable-jobs.json');

/**
 * Registered by the domain packages on the process registry, which runtime cannot import:
 * packages/llm/src/metrics.ts (llmMetrics) and packages/media/src/metrics.ts (transcodedSecondsCounter).
 */
const DOMAIN_METRICS = ['fable_llm_tokens_total', 'fable_llm_cost_usd_total', 'fable_media_transcoded_seconds_total'];

/** Alerts the fleet must have (issue 7): renaming one fails here, not silently in production. */
const REQUIRED_ALERTS = ['FableQueueNoWorkers', 'FableQueueNotProgressing', 'FableQueueWaitOverSLO', 'FableDeadLettersGrowing', 'FableJobsStalling', 'FableBridgeNotReceiving'];

const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'atan2', 'inf', 'nan']);

/** Metric names a PromQL expression selects (Grafana variables allowed). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`/g, '""')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\boffset\s+-?[\w$]+/g, '');
  const names: string[] = [];
  for (const m of bare.matchAll(/(?<![\w.$])[A-Za-z_:][\w:]*/g)) {
    const after = bare.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(after) || PROMQL_KEYWORDS.has(m[0].toLowerCase())) continue;
    names.push(m[0]);
  }
  return names;
}

/** Sample names of an exposition: each family, plus _bucket/_sum/_count of histograms and summaries. */
function exposedNames(text: string): { families: Set<string>; samples: Set<string> } {
  const families = new Set<string>();
  const samples = new Set<string>();
  for (const [, name = '', type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    families.add(name);
    samples.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) samples.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) samples.add(name + s);
  }
  return { families, samples };
}

const familyOf = (sample: string, families: Set<string>) => (families.has(sample) ? sample : [...families].find((f) => sample === `${f}_bucket` || sample === `${f}_sum` || sample === `${f}_count`));

const promtool = spawnSync('promtool', ['--version']).status === 0;

function runPromtool(args: string[], cwd: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface Rule {
  alert?: string;
  record?: string;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

interface Panel {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: { h?: number; w?: number; x?: number; y?: number };
  datasource?: { uid?: string };
  targets?: Array<{ refId?: string; expr?: string }>;
  panels?: Panel[];
}

/** Every name the fleet exports: a real scrape of Metrics (with Node defaults) and the queue gauges against Redis, plus the domain counters. */
let known: Set<string>;
/** The fleet's own metric families (no Node defaults): each must have a panel. */
let fleetFamilies: Set<string>;
let allFamilies: Set<string>;

beforeAll(async () => {
  const redis = createRedis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', 'producer');
  const prefix = `t-obs-${randomBytes(4).toString('hex')}`;
  const queues = new QueueSet({ connection: redis, prefix });
  try {
    const metrics = new Metrics();
    registerQueueGauges(metrics, queues);
    const scraped = exposedNames(await metrics.text());
    const own = new Metrics({ defaultMetrics: false });
    registerQueueGauges(own, queues);
    const ownScraped = exposedNames(await own.text());
    // The gauges answered from Redis: every queue of the catalogue has a worker count (none on this prefix).
    expect(await own.registry.getSingleMetricAsString('fable_queue_workers')).toMatch(/fable_queue_workers\{queue="system\.noop"\} 0/);
    known = new Set([...scraped.samples, ...DOMAIN_METRICS]);
    allFamilies = new Set([...scraped.families, ...DOMAIN_METRICS]);
    fleetFamilies = new Set([...ownScraped.families, ...DOMAIN_METRICS]);
  } finally {
    await queues.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.unlink(...keys);
    redis.disconnect();
  }
});

describe('metricNames', () => {
  it('finds selected metrics and skips functions, labels, keywords, strings and Grafana variables', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, queue) (rate(a_bucket{queue=~"$queue", x="b_total"}[$__rate_interval])))')).toEqual(['a_bucket']);
    expect(metricNames('sum by (queue) (max by (queue, state) (b{state=~"w"})) > 0 and on (queue) max by (queue) (c) == 0')).toEqual(['b', 'c']);
    expect(metricNames('time() - d{process=~"bridge"} > 120 unless on (instance) e == 1 or f offset 5m')).toEqual(['d', 'e', 'f']);
    expect(metricNames('sum(rate(g[5m])) * 3600 > 1e3')).toEqual(['g']);
  });
});

describe('deploy/prometheus/alerts.yml', () => {
  const doc = parse(readFileSync(RULES, 'utf8')) as { groups?: Array<{ name?: string; rules?: Rule[] }> };
  const rules = (doc.groups ?? []).flatMap((g) => g.rules ?? []);
  const alerts = rules.filter((r) => r.alert !== undefined);

  it('every alert has expr, for, labels.severity and annotations.summary', () => {
    expect(doc.groups?.length).toBeGreaterThan(0);
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) {
      expect(typeof a.expr === 'string' && a.expr.trim().length > 0, `${a.alert}: expr`).toBe(true);
      expect(String(a.for), `${a.alert}: for`).toMatch(/^\d+[smhdw]$/);
      expect(['critical', 'warning', 'info'], `${a.alert}: labels.severity`).toContain(a.labels?.['severity']);
      expect(typeof a.annotations?.['summary'] === 'string' && a.annotations['summary'].length > 0, `${a.alert}: annotations.summary`).toBe(true);
    }
    expect(alerts.map((a) => a.alert)).toEqual(expect.arrayContaining(REQUIRED_ALERTS));
  });

  it('every expression selects metrics the fleet exports', () => {
    const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
    for (const r of rules) {
      const names = metricNames(String(r.expr));
      expect(names.length, `${r.alert ?? r.record}: selects no metric`).toBeGreaterThan(0);
      for (const n of names) expect(known.has(n) || recorded.has(n), `${r.alert ?? r.record}: ${n} is not a metric of the fleet`).toBe(true);
    }
  });

  it('passes promtool check rules and the rule unit tests (when promtool is installed)', () => {
    if (!promtool) {
      console.warn('promtool not installed (Debian package `prometheus`): rules checked by parsing only');
      return;
    }
    const check = runPromtool(['check', 'rules', RULES], DEPLOY);
    expect(check.status, check.output).toBe(0);
    const tests = runPromtool(['test', 'rules', RULE_TESTS], join(DEPLOY, 'prometheus'));
    expect(tests.status, tests.output).toBe(0);
  });
});

describe('deploy/grafana/fable-jobs.json', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid?: string; title?: string; panels?: Panel[]; templating?: { list?: Array<{ name?: string; type?: string; definition?: string; query?: unknown }> } };
  const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
  const graphs = panels.filter((p) => p.type !== 'row');
  const variables = dashboard.templating?.list ?? [];
  const exprs = [
    ...graphs.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${p.title} ${t.refId}`, expr: t.expr ?? '' }))),
    ...variables.flatMap((v) => {
      const q = typeof v.query === 'string' ? v.query : ((v.query as { query?: string } | undefined)?.query ?? '');
      const m = /^label_values\((.+),\s*\w+\)$/.exec(q.trim());
      return v.type === 'query' ? [{ where: `variable ${v.name}`, expr: m?.[1] ?? q }] : [];
    }),
  ];

  it('is a dashboard of well-formed panels on the datasource variable', () => {
    expect(dashboard.uid).toBe('fable-jobs');
    expect(variables.map((v) => v.name)).toEqual(expect.arrayContaining(['datasource', 'queue']));
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size, 'panel ids are unique').toBe(ids.length);
    for (const p of panels) {
      expect(p.gridPos?.w && p.gridPos.h && p.gridPos.x !== undefined && p.gridPos.y !== undefined, `${p.title}: gridPos`).toBeTruthy();
      expect((p.gridPos?.x ?? 0) + (p.gridPos?.w ?? 0), `${p.title}: fits 24 columns`).toBeLessThanOrEqual(24);
    }
    for (const p of graphs) {
      expect(p.title, `panel ${p.id}: title`).toBeTruthy();
      expect(p.datasource?.uid, `${p.title}: datasource`).toBe('${datasource}');
      expect(p.targets?.length, `${p.title}: queries`).toBeGreaterThan(0);
      const refs = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refs).size, `${p.title}: refIds`).toBe(refs.length);
    }
  });

  it('queries only metrics the fleet exports, and every fleet metric has a panel', () => {
    const used = new Set<string>();
    for (const { where, expr } of exprs) {
      const names = metricNames(expr);
      expect(names.length, `${where}: selects no metric`).toBeGreaterThan(0);
      for (const n of names) {
        expect(known.has(n), `${where}: ${n} is not a metric of the fleet`).toBe(true);
        const family = familyOf(n, allFamilies);
        if (family) used.add(family);
      }
    }
    const missing = [...fleetFamilies].filter((f) => !used.has(f));
    expect(missing, 'metrics without a panel in deploy/grafana/fable-jobs.json').toEqual([]);
  });

  it('every query is valid PromQL (promtool, when installed)', () => {
    if (!promtool) {
      console.warn('promtool not installed (Debian package `prometheus`): dashboard queries checked by parsing only');
      return;
    }
    // Grafana's variables replaced by values Prometheus accepts; each query becomes a recording rule.
    const grafana = (e: string) => e.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h').replaceAll('$__interval', '1m').replaceAll('$queue', '.*');
    const records = exprs.map((x, i) => ({ record: `dashboard:query_${i}`, expr: grafana(x.expr) }));
    const dir = mkdtempSync(join(tmpdir(), 'fable-dashboard-'));
    try {
      writeFileSync(join(dir, 'queries.yml'), JSON.stringify({ groups: [{ name: 'dashboard', rules: records }] }));
      const check = runPromtool(['check', 'rules', 'queries.yml'], dir);
      expect(check.status, check.output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
