import Type, { type Static, type TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';

/**
 * Input schemas of the tools the model must call, one per answer shape. They are the single
 * source for the Anthropic tool `input_schema`, the validation of what the model returns, the
 * API response types and the JSON Schema files the frontend reads (`schemas/*.json`).
 */

const Text = (max: number, description: string) => Type.String({ minLength: 1, maxLength: max, description });
const Color = (description: string) => Type.String({ pattern: '^#[0-9a-fA-F]{6}$', description: `${description} (hex #rrggbb)` });
/** Screen ids are the `id` of the screen images the request sent (`refsForMMV`). */
export const ScreenId = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 128 })], {
  description: 'Id of the screen this guide belongs to, exactly as given before the screen image.',
});

export const DEMO_CATEGORIES = ['marketing', 'product', 'step-by-step', 'na'] as const;
const Category = (description: string) => Type.Enum(DEMO_CATEGORIES, { type: 'string', description });

export const CreateGuidesRouterInput = Type.Object(
  {
    demoCategory: Category('The kind of demo the request explicitly asks for; "na" when it does not say.'),
    functionalRequirements: Type.Array(Text(1000, 'One thing the demo must achieve for its audience.'), { maxItems: 20 }),
    lookAndFeelRequirements: Type.Array(Text(1000, 'One requirement on tone, wording or visual style.'), { maxItems: 20 }),
    moduleRequirements: Type.Array(Text(1000, 'One module (chapter) the demo should contain.'), { maxItems: 20 }),
    suggestedCategory: Category('The category that fits the product and objective best ("na" only when nothing fits).'),
  },
  { additionalProperties: false },
);

export const MarketingGuide = Type.Object(
  {
    text: Text(600, 'The guide text shown on this screen: short, benefit-led, in the product voice.'),
    elementColor: Color('Colour of the highlighted element the guide points at'),
    screenId: ScreenId,
    nextButtonText: Type.Optional(Text(40, 'Label of the button that moves to the next guide.')),
    skip: Type.Boolean({ description: 'True when this screen adds nothing to the story and should get no guide.' }),
  },
  { additionalProperties: false },
);
export const CreateGuidesMarketingInput = Type.Object(
  { items: Type.Array(MarketingGuide, { minItems: 1, maxItems: 200, description: 'One entry per screen, in screen order.' }) },
  { additionalProperties: false },
);

export const SbsGuide = Type.Object(
  {
    text: Type.Optional(Text(600, 'The instruction shown on this screen.')),
    screenId: ScreenId,
    guideType: Type.Enum(['cover', 'element'] as const, {
      type: 'string',
      description: '"cover": a full-screen card (intro, section start); "element": anchored to the element the user acts on.',
    }),
    skip: Type.Boolean({ description: 'True when the screen needs no guide.' }),
  },
  { additionalProperties: false },
);
export const CreateGuidesSbsInput = Type.Object(
  { items: Type.Array(SbsGuide, { minItems: 1, maxItems: 200, description: 'One entry per screen, in screen order.' }) },
  { additionalProperties: false },
);

export const SuggestGuideThemeInput = Type.Object(
  {
    primaryColor: Color('Accent colour of buttons and highlights'),
    fontColor: Color('Text colour of the guide body'),
    backgroundColor: Color('Background colour of the guide card'),
    borderColor: Color('Border colour of the guide card'),
    borderRadius: Type.Integer({ minimum: 0, maximum: 48, description: 'Corner radius of the guide card, in pixels.' }),
  },
  { additionalProperties: false },
);

const EdgeGuide = (description: string) =>
  Type.Object(
    { title: Text(120, 'Heading of the card.'), text: Text(800, 'Body of the card.') },
    { additionalProperties: false, description },
  );

export const PostProcessDemoInput = Type.Object(
  {
    title: Text(120, 'Title of the demo.'),
    description: Text(600, 'One or two sentences describing what the demo shows.'),
    introGuide: EdgeGuide('The opening card shown before the first screen.'),
    outroGuide: EdgeGuide('The closing card with the call to action.'),
    modules: Type.Array(
      Type.Object(
        {
          name: Text(80, 'Module name.'),
          description: Text(400, 'What this module covers.'),
          startIndex: Type.Integer({ minimum: 0, description: 'Index (0-based) of the guide where the module starts.' }),
          introGuide: Type.Optional(Text(600, 'Optional text of a card that opens the module.')),
        },
        { additionalProperties: false },
      ),
      { maxItems: 20 },
    ),
    contentUpdates: Type.Array(
      Type.Object(
        {
          guideIndex: Type.Integer({ minimum: 0, description: 'Index (0-based) of the guide to rewrite.' }),
          text: Text(600, 'The new text of that guide.'),
        },
        { additionalProperties: false },
      ),
      { maxItems: 200, description: 'Guides whose text should change so the demo reads as one story.' },
    ),
  },
  { additionalProperties: false },
);

export const DemoMetadataInput = Type.Object(
  {
    productEnablement: Text(2000, 'What a viewer learns to do with the product from this demo.'),
    userIntent: Text(2000, 'Why a viewer would open this demo: the job they want done.'),
  },
  { additionalProperties: false },
);

export const UpdateDemoContentInput = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          richText: Text(2000, 'The new content of the annotation (simple HTML: <p>, <b>, <i>, <br>).'),
          annotationId: Type.String({ minLength: 1, maxLength: 128, description: 'Id of the annotation, as given in the demo state.' }),
          nextButtonText: Type.String({ maxLength: 40, description: 'Label of the next button ("" keeps the current one).' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
  },
  { additionalProperties: false },
);

export const ROOT_SKILLS = ['na', 'update_demo_content', 'update_annotation_content', 'update_theme'] as const;
export const RootRouterInput = Type.Object(
  {
    skill: Type.Enum(ROOT_SKILLS, { type: 'string', description: 'The skill that can carry out the request; "na" when none can.' }),
    notSupportedMessage: Type.String({
      maxLength: 600,
      description: 'When skill is "na": a short, friendly reply saying what is not possible and what is; otherwise "".',
    }),
  },
  { additionalProperties: false },
);

export interface ToolDefinition<S extends TSchema = TSchema> {
  readonly name: string;
  readonly description: string;
  readonly schema: S;
}

function tool<S extends TSchema>(name: string, description: string, schema: S): ToolDefinition<S> {
  return { name, description, schema };
}

/** Every tool, by name (names are the model-facing ones the frontend already knows). */
export const LLM_TOOLS = {
  create_guides_router: tool(
    'create_guides_router',
    'Record what kind of interactive demo the user wants and the requirements it must meet.',
    CreateGuidesRouterInput,
  ),
  create_guides_marketing: tool('create_guides_marketing', 'Record the marketing guides of the demo, one entry per screen.', CreateGuidesMarketingInput),
  create_guides_sbs: tool('create_guides_sbs', 'Record the step-by-step guides of the demo, one entry per screen.', CreateGuidesSbsInput),
  suggest_guide_theme: tool('suggest_guide_theme', 'Record the colour theme for the guides of the demo.', SuggestGuideThemeInput),
  'post-process-demo': tool('post-process-demo', 'Record the finishing touches of the demo: title, description, intro and outro, modules and text fixes.', PostProcessDemoInput),
  'demo-metadata': tool('demo-metadata', 'Record what the demo teaches and why a viewer would watch it.', DemoMetadataInput),
  'update-demo-content': tool('update-demo-content', 'Record the new content of the annotations that must change.', UpdateDemoContentInput),
  'root-router': tool('root-router', 'Record which skill should handle the request.', RootRouterInput),
} as const;

export type LlmToolName = keyof typeof LLM_TOOLS;
export type ToolInput<N extends LlmToolName> = Static<(typeof LLM_TOOLS)[N]['schema']>;

const toolValidators = new Map<LlmToolName, Validator>();

/** Check a value against a tool's input schema: undefined when valid, else up to `max` `path: problem` lines. */
export function toolInputProblems(name: LlmToolName, value: unknown, max = 5): string | undefined {
  let v = toolValidators.get(name);
  if (!v) {
    v = Compile(LLM_TOOLS[name].schema);
    toolValidators.set(name, v);
  }
  if (v.Check(value)) return undefined;
  const lines = new Set<string>();
  for (const e of v.Errors(value)) {
    if (e.keyword === 'boolean') continue; // "schema is false": repeated by the more useful error
    lines.add(`${e.instancePath || '/'}: ${e.message}`);
    if (lines.size >= max) break;
  }
  return [...lines].join('; ') || 'does not match the schema';
}
