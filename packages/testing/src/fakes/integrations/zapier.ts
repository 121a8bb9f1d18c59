import { randomUUID } from 'node:crypto';
import { RecordingServer, type RecordedRequest } from './recording-server.ts';

/**
 * Zapier "Catch Hook" (https://hooks.zapier.com/hooks/catch/{account}/{hook}/): any POST body is
 * accepted and answered with Zapier's fixed success payload.
 */
export class FakeZapier extends RecordingServer {
  constructor() {
    super((r) => {
      if (r.method !== 'POST' || !/^\/hooks\/catch\/[^/]+\/[^/]+\/?$/.test(r.path)) return { status: 404, body: { status: 'error', message: 'Not found' } };
      return { status: 200, body: { attempt: randomUUID(), id: randomUUID(), request_id: randomUUID(), status: 'success' } };
    });
  }

  hookUrl(account = '123456', hook = 'abcdef'): string {
    return `${this.url}/hooks/catch/${account}/${hook}/`;
  }

  hooks(): RecordedRequest[] {
    return this.received((r) => r.path.startsWith('/hooks/catch/'));
  }
}
