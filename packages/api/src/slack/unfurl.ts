import type { MainApiClient } from '@fable-jobs/llm';
import type { Logger } from '@fable-jobs/runtime';
import type { SlackApi, Unfurl, UnfurlTarget } from './slack-api.ts';

/** A demo link found in a Slack message. */
export interface DemoLink {
  url: string;
  rid: string;
  /** `/live/...` and `/embed/...` links are public; `/demo/<rid>` is the editor's. */
  public: boolean;
  origin: string;
}

const RID = '[A-Za-z0-9_-]{1,128}';
const PUBLIC = new RegExp(`^/(?:live|embed)(?:/[^/]+)*/demo/(${RID})/?$`);
const PRIVATE = new RegExp(`^/demo/(${RID})/?$`);

/** The demo a link points at, or undefined for other links and `?nf=1` (no unfurl asked). */
export function parseDemoLink(raw: string): DemoLink | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.searchParams.get('nf') === '1') return undefined;
  const pub = PUBLIC.exec(url.pathname);
  const priv = PRIVATE.exec(url.pathname);
  const rid = pub?.[1] ?? priv?.[1];
  return rid ? { url: raw, rid, public: Boolean(pub), origin: url.origin } : undefined;
}

/** The published data fields the card shows (the rest of `0_d_data.json` is ignored). */
interface PublishedDemo {
  title: string | undefined;
  description: string | undefined;
  cta: { text: string; url: string } | undefined;
  website: string | undefined;
}

const httpUrl = (v: unknown): string | undefined => (typeof v === 'string' && /^https?:\/\/[^\s]+$/i.test(v) && v.length <= 2000 ? v : undefined);
const text = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : undefined);

export function readPublished(data: unknown): PublishedDemo {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const cta = (typeof d['cta'] === 'object' && d['cta'] !== null ? d['cta'] : {}) as Record<string, unknown>;
  const ctaUrl = httpUrl(cta['url'] ?? cta['link']);
  return {
    title: text(d['title'] ?? d['name'] ?? d['displayName'], 150),
    description: text(d['description'], 600),
    cta: ctaUrl ? { text: text(cta['text'], 60) ?? 'Learn more', url: ctaUrl } : undefined,
    website: httpUrl(d['websiteUrl'] ?? d['website'] ?? (d['site'] as Record<string, unknown> | undefined)?.['url']),
  };
}

/** Slack mrkdwn with the three characters Slack asks apps to escape. */
const mrkdwn = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function button(label: string, url: string, actionId: string, primary = false): Record<string, unknown> {
  return { type: 'button', text: { type: 'plain_text', text: label, emoji: true }, url, action_id: actionId, ...(primary ? { style: 'primary' } : {}) };
}

/** The Block Kit card of a demo link: public links sell, private links help the editor. */
export function demoCard(link: DemoLink, demo: PublishedDemo): Unfurl {
  const title = demo.title ?? 'Interactive demo';
  const blocks: Array<Record<string, unknown>> = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${mrkdwn(title)}*${demo.description ? `\n${mrkdwn(demo.description)}` : ''}` } },
  ];
  const buttons = link.public
    ? [
        ...(demo.cta ? [button(demo.cta.text, demo.cta.url, 'demo_cta', true)] : []),
        ...(demo.website ? [button('Open website', demo.website, 'demo_website')] : []),
        button('View demo', link.url, 'demo_view', !demo.cta),
      ]
    : [
        button('Preview', `${link.origin}/preview/demo/${link.rid}`, 'demo_preview', true),
        button('Edit', `${link.origin}/demo/${link.rid}`, 'demo_edit'),
        button('Analytics', `${link.origin}/a/demo/${link.rid}`, 'demo_analytics'),
      ];
  blocks.push({ type: 'actions', elements: buttons });
  return { blocks };
}

export interface UnfurlDeps {
  slack: SlackApi | undefined;
  mainApi: MainApiClient | undefined;
  log: Logger;
  timeoutMs: number;
}

/**
 * Unfurl the demo links of a `link_shared` event with one `chat.unfurl` call. The published
 * data is read from `<pubTourAssetPath><rid>/0_d_data.json` (the path from `/v1/cconfig`).
 */
export class DemoUnfurler {
  readonly #deps: UnfurlDeps;
  #assetPath: { value: string; until: number } | undefined;

  constructor(deps: UnfurlDeps) {
    this.#deps = deps;
  }

  async unfurl(event: { links?: Array<{ url?: unknown }>; channel?: unknown; message_ts?: unknown; unfurl_id?: unknown; source?: unknown }): Promise<number> {
    const { slack, log } = this.#deps;
    const links = (event.links ?? []).flatMap((l) => (typeof l.url === 'string' ? [parseDemoLink(l.url)] : [])).filter((l): l is DemoLink => l !== undefined);
    if (links.length === 0) return 0;
    if (!slack) {
      log.warn('a demo link was shared but SLACK_FABLE_BOT_BOT_USER_TOKEN is not set: not unfurled');
      return 0;
    }
    const target: UnfurlTarget | undefined =
      typeof event.unfurl_id === 'string' && typeof event.source === 'string'
        ? { unfurl_id: event.unfurl_id, source: event.source }
        : typeof event.channel === 'string' && typeof event.message_ts === 'string'
          ? { channel: event.channel, ts: event.message_ts }
          : undefined;
    if (!target) return 0;
    const unfurls: Record<string, Unfurl> = {};
    for (const link of links.slice(0, 10)) unfurls[link.url] = demoCard(link, readPublished(await this.#published(link.rid)));
    await slack.chatUnfurl(target, unfurls);
    return links.length;
  }

  async #published(rid: string): Promise<unknown> {
    const { mainApi, log, timeoutMs } = this.#deps;
    if (!mainApi) return undefined;
    try {
      if (!this.#assetPath || this.#assetPath.until < Date.now()) {
        this.#assetPath = { value: (await mainApi.clientConfig()).pubTourAssetPath, until: Date.now() + 10 * 60_000 };
      }
      const res = await fetch(`${this.#assetPath.value}${encodeURIComponent(rid)}/0_d_data.json`, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      if (!res.ok) {
        await res.arrayBuffer().catch(() => undefined);
        return undefined;
      }
      return (await res.json()) as unknown;
    } catch (err) {
      log.warn({ rid, err: (err as Error).message }, 'published demo data unavailable: unfurling without it');
      return undefined;
    }
  }
}
