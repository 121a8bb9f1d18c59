import net from 'node:net';

export interface RawAnswer {
  /** HTTP status of the answer, 0 when none came (socket closed or timed out). */
  status: number;
  /** Body bytes the server let us write before it answered or closed. */
  sentBodyBytes: number;
  text: string;
  ms: number;
}

/** One HTTP/1.1 exchange on a raw socket, for framing a client library will not send; stops streaming once the server answers. */
export function rawExchange(port: number, head: string, opts: { bodyBytes: number; chunked?: boolean; timeoutMs?: number; fill?: string }): Promise<RawAnswer> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    let sent = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      resolve({ status: m ? Number(m[1]) : 0, sentBodyBytes: sent, text: answer.slice(0, 2000), ms: Date.now() - t0 });
    };
    const timer = setTimeout(finish, opts.timeoutMs ?? 15_000);
    socket.on('data', (b: Buffer) => {
      answer += b.toString('latin1');
      // The whole answer has arrived once its body length is met (or it closes).
      const end = answer.indexOf('\r\n\r\n');
      const len = /content-length: *(\d+)/i.exec(answer.slice(0, end));
      if (end >= 0 && len && answer.length - end - 4 >= Number(len[1])) finish();
    });
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on('connect', async () => {
      socket.write(head);
      const chunk = Buffer.alloc(64 * 1024, opts.fill ?? 'a');
      while (!done && sent < opts.bodyBytes) {
        const n = Math.min(chunk.length, opts.bodyBytes - sent);
        const piece = chunk.subarray(0, n);
        const ok = socket.write(opts.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
        sent += n;
        if (!ok) await new Promise<void>((r) => {
          socket.once('drain', r);
          socket.once('close', r);
        });
      }
      if (!done && opts.chunked) socket.write('0\r\n\r\n');
    });
  });
}
