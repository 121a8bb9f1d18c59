import { randomBytes } from 'node:crypto';
import { AwsError, FaultPlan, jobServiceFake, startRestJsonServer, type AwsErrorSpec, type JobServiceFake, type RecordedRequest } from './aws-rest-json.ts';

export type EtsStatus = 'Submitted' | 'Progressing' | 'Complete' | 'Canceled' | 'Error';

/** How each job the fake creates evolves. */
export interface EtsPlan {
  /** Status shown by successive ReadJob calls (CreateJob shows Submitted); the last one sticks. */
  statuses: EtsStatus[];
  /** On Error: the output's StatusDetail (Elastic Transcoder puts its numeric code first, e.g. "4000 ..."). */
  statusDetail?: string;
  /** On Complete: the output's DurationMillis (Duration is whole seconds). */
  durationMillis?: number;
}

export type EtsOperation = 'CreateJob' | 'ReadJob' | 'CancelJob';

interface FakeOutput {
  Key: string;
  PresetId: string;
  SegmentDuration?: string;
  ThumbnailPattern?: string;
}

interface FakeJob {
  id: string;
  body: { PipelineId: string; Input: Record<string, unknown>; OutputKeyPrefix?: string; Outputs: FakeOutput[] };
  plan: EtsPlan;
  polls: number;
  canceled: boolean;
  /** Set when an output already existed at creation (Elastic Transcoder error 3002). */
  conflict?: string;
  written: boolean;
}

export type ElasticTranscoderFake = JobServiceFake<EtsOperation, EtsPlan>;

export const ETS_THROTTLED: AwsErrorSpec = { status: 429, type: 'ThrottlingException', message: 'Rate exceeded' };

const ACCOUNT = '000000000000';

/** The object key a job output occupies: an HLS output's playlist is `<Key>.m3u8`. */
export function etsMainKey(prefix: string, o: { Key: string; SegmentDuration?: string }): string {
  return `${prefix}${o.Key}${o.SegmentDuration ? '.m3u8' : ''}`;
}

/**
 * Amazon Elastic Transcoder's REST-JSON API (2012-09-25) as the old service used it: CreateJob
 * `POST /2012-09-25/jobs` (201 `{"Job": ...}`), ReadJob `GET /2012-09-25/jobs/{Id}`, CancelJob
 * `DELETE /2012-09-25/jobs/{Id}` (202; 409 ResourceInUseException unless Submitted). PascalCase
 * fields; errors as `x-amzn-ErrorType` + `{"message"}`. Like the real service, a job whose output
 * object already exists ends in Error with code 3002 (`objectExists` asks the test's S3).
 */
export async function startElasticTranscoderFake(opts: {
  region?: string;
  pipelines: readonly string[];
  plan?: EtsPlan;
  objectExists?: (key: string) => Promise<boolean>;
  /** Called once when a job completes: write its outputs where the pipeline's bucket is. */
  writeOutputs?: (job: { prefix: string; outputs: FakeOutput[] }) => Promise<void>;
}): Promise<ElasticTranscoderFake> {
  const region = opts.region ?? 'us-east-1';
  const jobs = new Map<string, FakeJob>();
  const faults = new FaultPlan<EtsOperation>();
  let plan: EtsPlan = opts.plan ?? { statuses: ['Progressing', 'Complete'], durationMillis: 6000 };

  const inject = (op: EtsOperation) => faults.inject(op);
  const status = (j: FakeJob): EtsStatus => {
    if (j.canceled) return 'Canceled';
    if (j.polls === 0) return 'Submitted';
    const s = j.plan.statuses[Math.min(j.polls, j.plan.statuses.length) - 1] ?? 'Submitted';
    return j.conflict && s === 'Complete' ? 'Error' : s;
  };
  const view = (j: FakeJob) => {
    const s = status(j);
    const detail = j.conflict ?? j.plan.statusDetail ?? '9999 Internal Service Error';
    const outputs = j.body.Outputs.map((o, i) => ({
      Id: String(i + 1),
      ...o,
      Status: s,
      ...(s === 'Error' ? { StatusDetail: `${detail.split(' ')[0]} ${j.id}: ${detail.split(' ').slice(1).join(' ')}` } : {}),
      ...(s === 'Complete' ? { Duration: Math.round((j.plan.durationMillis ?? 0) / 1000), DurationMillis: j.plan.durationMillis ?? 0, Width: 1280, Height: 720 } : {}),
    }));
    return {
      Id: j.id,
      Arn: `arn:aws:elastictranscoder:${region}:${ACCOUNT}:job/${j.id}`,
      PipelineId: j.body.PipelineId,
      Input: j.body.Input,
      OutputKeyPrefix: j.body.OutputKeyPrefix ?? '',
      Output: outputs[0],
      Outputs: outputs,
      Playlists: [],
      Status: s,
      Timing: { SubmitTimeMillis: Number(j.id.split('-')[0]) },
    };
  };

  const server = await startRestJsonServer([
    [
      'POST',
      /^\/2012-09-25\/jobs$/,
      async (req) => {
        inject('CreateJob');
        const body = (req.body ?? {}) as FakeJob['body'];
        if (typeof body.PipelineId !== 'string' || !/^\d{13}-\w{6}$/.test(body.PipelineId)) {
          throw new AwsError({ status: 400, type: 'ValidationException', message: "1 validation error detected: Value at 'pipelineId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\d{13}-\\w{6}$" });
        }
        if (!opts.pipelines.includes(body.PipelineId)) {
          throw new AwsError({ status: 404, type: 'ResourceNotFoundException', message: `The specified pipeline was not found: account=${ACCOUNT}, pipelineId=${body.PipelineId}.` });
        }
        if (typeof body.Input?.['Key'] !== 'string' || !body.Input['Key']) throw new AwsError({ status: 400, type: 'ValidationException', message: 'Input:Key is required.' });
        if (!Array.isArray(body.Outputs) || body.Outputs.length === 0) throw new AwsError({ status: 400, type: 'ValidationException', message: 'At least one output is required.' });
        for (const o of body.Outputs) {
          if (!/^\d{13}-\w{6}$/.test(o.PresetId ?? '')) throw new AwsError({ status: 400, type: 'ValidationException', message: `The specified preset was not found: presetId=${o.PresetId}.` });
        }
        const id = `${Date.now()}-${randomBytes(3).toString('hex')}`;
        const job: FakeJob = { id, body, plan, polls: 0, canceled: false, written: false };
        for (const o of body.Outputs) {
          const key = etsMainKey(body.OutputKeyPrefix ?? '', o);
          if (opts.objectExists && (await opts.objectExists(key))) {
            job.conflict = `3002 The specified object could not be saved in the specified bucket because an object by that name already exists: key=${key}.`;
          }
        }
        jobs.set(id, job);
        return { status: 201, body: { Job: view(job) } };
      },
    ],
    [
      'GET',
      /^\/2012-09-25\/jobs\/([^/]+)$/,
      async (_req, [id]) => {
        inject('ReadJob');
        const job = jobs.get(id ?? '');
        if (!job) throw new AwsError({ status: 404, type: 'ResourceNotFoundException', message: `The specified job was not found: account=${ACCOUNT}, jobId=${id}.` });
        job.polls += 1;
        if (status(job) === 'Complete' && !job.written) {
          job.written = true;
          await opts.writeOutputs?.({ prefix: job.body.OutputKeyPrefix ?? '', outputs: job.body.Outputs });
        }
        return { status: 200, body: { Job: view(job) } };
      },
    ],
    [
      'DELETE',
      /^\/2012-09-25\/jobs\/([^/]+)$/,
      (_req, [id]) => {
        inject('CancelJob');
        const job = jobs.get(id ?? '');
        if (!job) throw new AwsError({ status: 404, type: 'ResourceNotFoundException', message: `The specified job was not found: account=${ACCOUNT}, jobId=${id}.` });
        if (status(job) !== 'Submitted') throw new AwsError({ status: 409, type: 'ResourceInUseException', message: `The job cannot be canceled because its status is ${status(job)}.` });
        job.canceled = true;
        return { status: 202, body: {} };
      },
    ],
  ]);

  const opOf = (r: RecordedRequest): EtsOperation | undefined =>
    r.method === 'POST' && r.path === '/2012-09-25/jobs' ? 'CreateJob' : r.path.startsWith('/2012-09-25/jobs/') ? (r.method === 'GET' ? 'ReadJob' : r.method === 'DELETE' ? 'CancelJob' : undefined) : undefined;

  return jobServiceFake(server, faults, { get: () => plan, set: (p) => (plan = p) }, opOf);
}
