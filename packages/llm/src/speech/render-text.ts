import Handlebars from 'handlebars';
import { ServiceError } from '../errors.ts';

// An isolated Handlebars: no helpers or partials registered by anyone else reach it.
const hb = Handlebars.create();

const ENTITIES: Record<string, string> = { '&nbsp;': ' ', '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&apos;': "'" };

/**
 * The spoken text of an annotation: markup removed from its display text, then `vars` rendered
 * in (built-in helpers only, no HTML escaping — this is speech, not markup, and a value is
 * spoken as given; prototype access stays off), whitespace collapsed.
 */
export function renderSpokenText(displayText: string, vars: Record<string, string | number | boolean> = {}): string {
  const plain = displayText
    .replace(/<br\s*\/?>|<\/p>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(nbsp|amp|lt|gt|quot|#39|apos);/g, (m) => ENTITIES[m] ?? m);
  let rendered: string;
  try {
    const template = hb.compile(plain, { noEscape: true, knownHelpersOnly: true, strict: false });
    rendered = template({ ...vars }, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  } catch (err) {
    throw new ServiceError('TTS_BAD_INPUT', 400, `the annotation text is not a valid template: ${(err as Error).message.split('\n')[0]}`);
  }
  return rendered.replace(/\s+/g, ' ').trim();
}
