import { RecordingServer, type FakeResponse } from './recording-server.ts';

/** A tenant's webhook receiver: records every request, answers 200 {"received": true} unless scripted. */
export class FakeTenantEndpoint extends RecordingServer {
  constructor(opts: { host?: string; answer?: FakeResponse } = {}) {
    super(() => opts.answer ?? { status: 200, body: { received: true } }, opts.host ? { host: opts.host } : {});
  }
}
