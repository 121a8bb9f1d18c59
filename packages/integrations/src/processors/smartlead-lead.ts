import { PermanentError, type JobContext, type JobData } from '@fable-jobs/contracts';
import type { SmartLeadClient } from '../clients/smartlead.ts';
import type { IntegrationsSettings } from '../settings.ts';

/** NEW_USER_SIGNUP_WITH_SUBS → the lead in the SmartLead campaign of the subscription's plan. */
export function smartLeadProcessor(client: SmartLeadClient, settings: IntegrationsSettings) {
  return async (data: JobData<'integrations.smartlead-lead'>, ctx: JobContext) => {
    const email = data.email?.trim();
    const firstName = data.firstName?.trim();
    const missing = [email ? undefined : 'email (payload_email)', firstName ? undefined : 'first name (payload_firstName)'].filter(Boolean);
    if (!email || !firstName) throw new PermanentError(`the signup has no ${missing.join(' and no ')}; SmartLead needs both`, { code: 'SMARTLEAD_MISSING_FIELD' });
    const plan = data.subs?.trim() ?? '';
    const campaignId = Object.hasOwn(settings.smartLeadPlanCampaigns, plan) ? settings.smartLeadPlanCampaigns[plan] : undefined;
    if (campaignId === undefined) {
      throw new PermanentError(`no SmartLead campaign for plan ${JSON.stringify(plan)} (payload_subs); map it in SMARTLEAD_PLAN_CAMPAIGNS (known: ${Object.keys(settings.smartLeadPlanCampaigns).join(', ')})`, { code: 'SMARTLEAD_NO_CAMPAIGN' });
    }
    if (!(await client.campaignExists(campaignId, ctx.signal))) {
      throw new PermanentError(`SmartLead campaign ${campaignId} (plan ${plan}) does not exist for this API key; fix SMARTLEAD_PLAN_CAMPAIGNS`, { code: 'SMARTLEAD_CAMPAIGN_NOT_FOUND' });
    }
    const lastName = data.lastName?.trim();
    const outcome = await client.addLead(campaignId, { email, first_name: firstName, ...(lastName ? { last_name: lastName } : {}) }, ctx.signal);
    return { campaignId, plan, uploadCount: outcome['upload_count'], alreadyInCampaign: outcome['already_added_to_campaign'] };
  };
}
