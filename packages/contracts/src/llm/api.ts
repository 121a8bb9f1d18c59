import Type, { type Static } from 'typebox';
import { USECASES } from './operations.ts';

/** A screen image of the demo: `url` is its key in the private bucket (leading `/` optional). */
export const RefForMmv = Type.Object(
  {
    id: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 128 })]),
    url: Type.String({ minLength: 1, maxLength: 1024, pattern: "^(?!.*(?:^|/)\\.{1,2}(?:/|$))/?[A-Za-z0-9!_.*'()/ =+,@~-]+$", description: 'Object key of the screen image in the private bucket.' }),
    moreInfo: Type.Optional(Type.String({ maxLength: 4000 })),
    type: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type RefForMmv = Static<typeof RefForMmv>;

const Field = (max: number, description: string) => Type.Optional(Type.String({ maxLength: max, description }));

/**
 * `user_payload` of `/v1/f/llmops`: what the frontend knows about the demo. Every field is
 * optional; each operation uses the ones it needs. Unknown fields are accepted and ignored.
 */
export const UserPayload = Type.Object(
  {
    product_details: Field(20_000, 'What the product is and who it is for.'),
    demo_objective: Field(10_000, 'What the demo should achieve.'),
    req: Field(20_000, 'Product enablement / user intent, or the user request for the router.'),
    demo_state: Field(4_500_000, 'The current demo as a JSON string of its annotations.'),
    theme_objective: Field(4_000, 'How the guides should look.'),
    existing_palette: Type.Optional(Type.Unknown({ description: 'Colours already used by the product (string or object).' })),
    info_retrieval: Field(20_000, 'Facts about the product gathered earlier.'),
    module_recommendations: Field(20_000, 'Modules recommended earlier.'),
    change_type: Field(64, 'Kind of change requested, e.g. single-annotation.'),
    requested_change: Field(10_000, 'The change the user asked for.'),
    usecase: Type.Optional(Type.Enum(USECASES, { type: 'string' })),
    totalBatch: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    refsForMMV: Type.Optional(Type.Array(RefForMmv, { maxItems: 100 })),
  },
  { additionalProperties: Type.Unknown() },
);
export type UserPayload = Static<typeof UserPayload>;

export const LlmOpsRequest = Type.Object(
  {
    v: Type.Union([Type.Integer(), Type.String({ maxLength: 32 })], { description: 'Client version of the request shape.' }),
    type: Type.String({ minLength: 1, maxLength: 64, description: 'The operation (unknown → 404, errCode 101).' }),
    model: Type.String({ maxLength: 128, description: 'Model the client asks for; used only when allowed by LLM_ALLOWED_MODELS.' }),
    thread: Type.String({ minLength: 1, maxLength: 128, description: 'Conversation id; a thread sticks to one provider account.' }),
    entityId: Type.Optional(Type.Union([Type.Integer(), Type.String({ maxLength: 128 })])),
    user_payload: UserPayload,
  },
  { additionalProperties: false },
);
export type LlmOpsRequest = Static<typeof LlmOpsRequest>;

/** A content block of the model's answer as the frontend receives it. */
export const AssistantContentBlock = Type.Union([
  Type.Object({ type: Type.Literal('text'), text: Type.String() }),
  Type.Object({ type: Type.Literal('tool_use'), id: Type.String(), name: Type.String(), input: Type.Record(Type.String(), Type.Unknown()) }),
]);
export const AssistantMessage = Type.Object({ role: Type.Literal('assistant'), content: Type.Array(AssistantContentBlock) });
export type AssistantMessage = Static<typeof AssistantMessage>;

export const LlmOpsResponse = Type.Object({
  status: Type.Literal('Success'),
  data: Type.Object({ err: Type.Null(), data: AssistantMessage }),
});

export const LLM_JOB_STATES = ['queued', 'running', 'succeeded', 'failed'] as const;
export const LlmJobStatus = Type.Object({
  status: Type.Literal('Success'),
  data: Type.Object({
    jobId: Type.String(),
    state: Type.Enum(LLM_JOB_STATES, { type: 'string' }),
    result: Type.Union([AssistantMessage, Type.Null()]),
    error: Type.Union([Type.Object({ err: Type.String(), errCode: Type.String() }), Type.Null()]),
  }),
});

export const AudGenRequest = Type.Object(
  {
    reason: Type.Literal('vo'),
    indexUri: Type.String({ minLength: 1, maxLength: 1024, description: 'Key (or URL) of the demo index JSON in the asset bucket.' }),
    voice: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9_-]*$', description: 'OpenAI voice, e.g. alloy, echo, fable, onyx, nova, shimmer.' }),
    entityUri: Type.String({ minLength: 3, maxLength: 300, pattern: '^[^/]+/[^/]+$', description: '<screenId>/<refId> of the annotation.' }),
    entityType: Type.Literal('q_ann'),
    vars: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean()]))),
  },
  { additionalProperties: false },
);
export type AudGenRequest = Static<typeof AudGenRequest>;

export const AudGenResponse = Type.Object({
  status: Type.Literal('Success'),
  data: Type.Object({ url: Type.String(), mediaType: Type.Literal('audio/mpeg') }),
});

/** The error envelope of every route: `errCode` is a string code or the old numeric one. */
export const ApiFailure = Type.Object({
  status: Type.Literal('Failure'),
  data: Type.Object({ err: Type.String(), errCode: Type.Union([Type.String(), Type.Integer()]) }),
});
