import type { FeatureOverride, PlatformRepo } from './platform-repo.ts';

export interface SlashReply {
  response_type: 'ephemeral';
  text: string;
}

const reply = (text: string): SlashReply => ({ response_type: 'ephemeral', text });
const EMAIL = /^[^\s@<>|]{1,64}@[^\s@<>|]{1,255}$/;
const FEATURE_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_OVERRIDE_BYTES = 8 * 1024;

/** Slack turns typed quotes into curly ones and wraps emails as <mailto:a@b|a@b>. */
function normalise(text: string): string {
  return text
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/<mailto:[^|>]+\|([^>]+)>/g, '$1')
    .trim();
}

/** `/pango/user-details email=<email>`: the user's orgs and their subscriptions. */
export async function userDetailsCommand(repo: PlatformRepo, rawText: string): Promise<SlashReply> {
  const m = /^email=(\S+)$/i.exec(normalise(rawText));
  const email = m?.[1]?.toLowerCase();
  if (!email || !EMAIL.test(email)) return reply('Usage: `email=<address>`');
  const details = await repo.userDetails(email);
  if (!details) return reply(`No user with email ${email}.`);
  const name = [details.user.firstName, details.user.lastName].filter(Boolean).join(' ') || '(no name)';
  const lines = [`*${name}* <${details.user.email}> — user ${details.user.id}`];
  if (details.orgs.length === 0) lines.push('No orgs.');
  for (const o of details.orgs) {
    const sub = o.subscription ? `${o.subscription.plan}${o.subscription.interval ? ` / ${o.subscription.interval}` : ''}${o.subscription.status ? ` (${o.subscription.status})` : ''}` : 'no subscription';
    lines.push(`• org ${o.id} *${o.name}*${o.role ? ` — ${o.role}` : ''} — ${sub}`);
  }
  return reply(lines.join('\n'));
}

/** The JSON of a code block (```…```) or the rest of the text; undefined when there is none. */
function jsonBlock(rest: string): string | undefined {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(rest);
  const body = (fenced?.[1] ?? rest).trim();
  return body ? body : undefined;
}

function parseOverride(text: string): FeatureOverride | string {
  if (Buffer.byteLength(text) > MAX_OVERRIDE_BYTES) return `the JSON is larger than ${MAX_OVERRIDE_BYTES} bytes`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'the block is not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the JSON must be an object of feature → value';
  for (const [k, v] of Object.entries(value)) {
    if (!FEATURE_KEY.test(k)) return `feature name ${JSON.stringify(k.slice(0, 80))} is not allowed (letters, digits, _ . -)`;
    if (v !== null && typeof v !== 'boolean' && typeof v !== 'number' && typeof v !== 'string') return `feature ${k}: values must be true/false, a number, a string or null`;
    if (typeof v === 'string' && v.length > 256) return `feature ${k}: string values are limited to 256 characters`;
  }
  return value as FeatureOverride;
}

/** `/pango/update-feature orgId=<n>` shows the org's feature-gate override; with a JSON block, sets it. */
export async function updateFeatureCommand(repo: PlatformRepo, rawText: string): Promise<SlashReply> {
  const text = normalise(rawText);
  const m = /^orgId=(\d{1,15})\b([\s\S]*)$/i.exec(text);
  if (!m?.[1]) return reply('Usage: `orgId=<n>` to show the feature-gate override, then a ```{"feature": true}``` block to set it.');
  const orgId = Number(m[1]);
  const json = jsonBlock(m[2] ?? '');
  const current = await repo.featureOverride(orgId);
  if (!current) return reply(`No org ${orgId}.`);
  if (json === undefined) return reply(`Org ${orgId} *${current.name}* feature-gate override:\n\`\`\`${JSON.stringify(current.override ?? {}, null, 2)}\`\`\``);
  const override = parseOverride(json);
  if (typeof override === 'string') return reply(`Not changed: ${override}.`);
  await repo.setFeatureOverride(orgId, override);
  return reply(`Org ${orgId} *${current.name}* feature-gate override set to:\n\`\`\`${JSON.stringify(override, null, 2)}\`\`\``);
}
