import { v } from '../define.ts';

export const integrations = {
  apiServerEndpoint: v.optionalUrl(['API_SERVER_ENDPOINT', 'MAIN_API_URL'], { protocols: ['http', 'https'], doc: 'Base URL of the main API server (paths under /v1).' }),
  mailchimpApiKey: v.optionalString(['MAILCHIMP_API_KEY'], { secret: true, doc: 'Mailchimp Marketing API key.' }),
  mailchimpServerPrefix: v.optionalString(['MAILCHIP_SERVER_PREFIX', 'MAILCHIMP_SERVER_PREFIX'], { doc: 'Mailchimp data-centre prefix, e.g. us21.' }),
  cobaltApiKey: v.optionalString(['COBALT_API_KEY'], { secret: true, doc: 'Cobalt API key.' }),
  smartLeadApiKey: v.optionalString(['SMART_LEAD_API_KEY', 'SMARTLEAD_API_KEY'], { secret: true, doc: 'SmartLead API key.' }),
  slackBotToken: v.optionalString(['SLACK_FABLE_BOT_BOT_USER_TOKEN', 'SLACK_BOT_TOKEN'], { secret: true, doc: 'Slack bot user token (chat.unfurl).' }),
};
