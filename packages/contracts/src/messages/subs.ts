import Type from 'typebox';
import { defineMessage } from '../message-definition.ts';

export const subsSideEffect = defineMessage({
  type: 'SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT',
  description: 'An org changed plan: lock or unlock its demos and republish the changed ones.',
  schema: Type.Object(
    {
      orgIdStr: Type.String({ minLength: 1, maxLength: 64 }),
      beforePlan: Type.String({ maxLength: 64 }),
      afterPlan: Type.String({ maxLength: 64 }),
    },
    { additionalProperties: Type.String({ maxLength: 4096 }) },
  ),
  routes: (to) => ({
    all: [to('integrations.plan-change', (p) => ({ orgId: p.orgIdStr, beforePlan: p.beforePlan, afterPlan: p.afterPlan }))],
  }),
});
