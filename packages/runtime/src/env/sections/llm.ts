import { SettingError, v } from '../define.ts';

export interface AnthropicAccount {
  account: string;
  key: string;
}

/** `acct|key;acct|key` (the old service's ANTHORIPC_KEY format). */
function parseAccounts(raw: string): AnthropicAccount[] {
  return raw
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const bar = entry.indexOf('|');
      const account = bar === -1 ? `account-${i + 1}` : entry.slice(0, bar).trim();
      const key = bar === -1 ? entry : entry.slice(bar + 1).trim();
      if (!key) throw new SettingError(`entry ${i + 1}: missing key (format acct|key;acct|key)`);
      return { account, key };
    });
}

export const llm = {
  anthropicAccounts: v.custom(['ANTHORIPC_KEY', 'ANTHROPIC_KEYS'], { default: [], secret: true, describe: () => '', example: 'main|sk-ant-...;backup|sk-ant-...', doc: 'Anthropic accounts, `account|key` separated by `;` (the old misspelt name is accepted).' }, parseAccounts),
  openaiKey: v.optionalString(['OPENAI_KEY', 'OPENAI_API_KEY'], { secret: true, doc: 'OpenAI API key (text-to-speech).' }),
  auth0Audiences: v.list(['AUTH0_AUDIENCES'], { default: [], doc: 'Accepted JWT audiences (comma list).' }),
  auth0IssuerUrl: v.optionalUrl(['AUTH0_ISSUER_URL'], { protocols: ['https', 'http'], doc: 'Auth0 issuer; JWKS is fetched from <issuer>/.well-known/jwks.json.' }),
};
