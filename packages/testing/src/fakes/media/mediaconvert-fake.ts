import { randomBytes } from 'node:crypto';
import { AwsError, FaultPlan, jobServiceFake, startRestJsonServer, type AwsErrorSpec, type JobServiceFake, type RecordedRequest } from './aws-rest-json.ts';

export type MediaConvertStatus = 'SUBMITTED' | 'PROGRESSING' | 'COMPLETE' | 'CANCELED' | 'ERROR';

/** How each job the fake creates evolves. */
export interface MediaConvertPlan {
  /** Status shown by successive GetJob calls (CreateJob shows SUBMITTED); the last one sticks. */
  statuses: MediaConvertStatus[];
  /** On ERROR (MediaConvert's numeric error codes, e.g. 1010 = input unreadable). */
  errorCode?: number;
  errorMessage?: string;
  /** On COMPLETE: outputGroupDetails[].outputDetails[].durationInMs. */
  durationMs?: number;
}

export type MediaConvertOperation = 'CreateJob' | 'GetJob' | 'CancelJob';

interface FakeJob {
  id: string;
  arn: string;
  createdAt: number;
  body: Record<string, unknown>;
  plan: MediaConvertPlan;
  polls: number;
  canceled: boolean;
}

export type MediaConvertFake = JobServiceFake<MediaConvertOperation, MediaConvertPlan>;

export const MEDIACONVERT_THROTTLED: AwsErrorSpec = { status: 429, type: 'TooManyRequestsException', message: 'Too Many Requests' };

const ACCOUNT = '000000000000';

/**
 * AWS Elemental MediaConvert's REST-JSON API (2017-08-29) as far as the media pool uses it:
 * CreateJob `POST /2017-08-29/jobs` (201 `{"job": ...}`, idempotent on clientRequestToken),
 * GetJob `GET /2017-08-29/jobs/{id}` (status advancing per poll), CancelJob
 * `DELETE /2017-08-29/jobs/{id}` (202). Errors as `x-amzn-ErrorType` + `{"message"}`.
 */
export async function startMediaConvertFake(opts: { region?: string; plan?: MediaConvertPlan } = {}): Promise<MediaConvertFake> {
  const region = opts.region ?? 'us-east-1';
  const jobs = new Map<string, FakeJob>();
  const byToken = new Map<string, FakeJob>();
  const faults = new FaultPlan<MediaConvertOperation>();
  let plan: MediaConvertPlan = opts.plan ?? { statuses: ['PROGRESSING', 'COMPLETE'], durationMs: 6000 };

  const inject = (op: MediaConvertOperation) => faults.inject(op);

  const status = (j: FakeJob): MediaConvertStatus => (j.canceled ? 'CANCELED' : j.polls === 0 ? 'SUBMITTED' : (j.plan.statuses[Math.min(j.polls, j.plan.statuses.length) - 1] ?? 'SUBMITTED'));

  const view = (j: FakeJob) => {
    const s = status(j);
    const settings = j.body['settings'] as { outputGroups?: Array<{ outputs?: unknown[] }> } | undefined;
    return {
      arn: j.arn,
      id: j.id,
      createdAt: j.createdAt,
      role: j.body['role'],
      settings: j.body['settings'],
      queue: j.body['queue'] ?? `arn:aws:mediaconvert:${region}:${ACCOUNT}:queues/Default`,
      userMetadata: j.body['userMetadata'] ?? {},
      ...(j.body['clientRequestToken'] ? { clientRequestToken: j.body['clientRequestToken'] } : {}),
      status: s,
      timing: { submitTime: j.createdAt, ...(s !== 'SUBMITTED' ? { startTime: j.createdAt + 1 } : {}), ...(['COMPLETE', 'ERROR', 'CANCELED'].includes(s) ? { finishTime: j.createdAt + 2 } : {}) },
      ...(s === 'PROGRESSING' ? { jobPercentComplete: 50, currentPhase: 'TRANSCODING' } : {}),
      ...(s === 'ERROR' ? { errorCode: j.plan.errorCode ?? 1999, errorMessage: j.plan.errorMessage ?? 'Unknown error' } : {}),
      ...(s === 'COMPLETE'
        ? {
            outputGroupDetails: (settings?.outputGroups ?? []).map((g) => ({
              outputDetails: (g.outputs ?? []).map(() => ({ durationInMs: j.plan.durationMs ?? 0, videoDetails: { widthInPx: 1280, heightInPx: 720 } })),
            })),
          }
        : {}),
    };
  };

  const server = await startRestJsonServer([
    [
      'POST',
      /^\/2017-08-29\/jobs$/,
      (req) => {
        inject('CreateJob');
        const body = (req.body ?? {}) as Record<string, unknown>;
        const settings = body['settings'] as { inputs?: unknown[]; outputGroups?: unknown[] } | undefined;
        if (typeof body['role'] !== 'string' || !body['role']) throw new AwsError({ status: 400, type: 'BadRequestException', message: '/role: Required' });
        if (!settings?.inputs?.length) throw new AwsError({ status: 400, type: 'BadRequestException', message: '/settings/inputs: Should have at least 1 items' });
        if (!settings.outputGroups?.length) throw new AwsError({ status: 400, type: 'BadRequestException', message: '/settings/outputGroups: Should have at least 1 items' });
        const token = typeof body['clientRequestToken'] === 'string' ? body['clientRequestToken'] : undefined;
        const existing = token ? byToken.get(token) : undefined;
        if (existing) return { status: 201, body: { job: view(existing) } };
        const id = `${Date.now()}-${randomBytes(3).toString('hex')}`;
        const job: FakeJob = { id, arn: `arn:aws:mediaconvert:${region}:${ACCOUNT}:jobs/${id}`, createdAt: Math.floor(Date.now() / 1000), body, plan, polls: 0, canceled: false };
        jobs.set(id, job);
        if (token) byToken.set(token, job);
        return { status: 201, body: { job: view(job) } };
      },
    ],
    [
      'GET',
      /^\/2017-08-29\/jobs\/([^/]+)$/,
      (_req, [id]) => {
        inject('GetJob');
        const job = jobs.get(id ?? '');
        if (!job) throw new AwsError({ status: 404, type: 'NotFoundException', message: `The specified job ${id} was not found.` });
        job.polls += 1;
        return { status: 200, body: { job: view(job) } };
      },
    ],
    [
      'DELETE',
      /^\/2017-08-29\/jobs\/([^/]+)$/,
      (_req, [id]) => {
        inject('CancelJob');
        const job = jobs.get(id ?? '');
        if (!job) throw new AwsError({ status: 404, type: 'NotFoundException', message: `The specified job ${id} was not found.` });
        if (['COMPLETE', 'ERROR'].includes(status(job))) throw new AwsError({ status: 409, type: 'ConflictException', message: `Job ${id} cannot be canceled in status ${status(job)}` });
        job.canceled = true;
        return { status: 202, body: {} };
      },
    ],
  ]);

  const opOf = (r: RecordedRequest): MediaConvertOperation | undefined =>
    r.method === 'POST' && r.path === '/2017-08-29/jobs' ? 'CreateJob' : r.path.startsWith('/2017-08-29/jobs/') ? (r.method === 'GET' ? 'GetJob' : r.method === 'DELETE' ? 'CancelJob' : undefined) : undefined;

  return jobServiceFake(server, faults, { get: () => plan, set: (p) => (plan = p) }, opOf);
}
