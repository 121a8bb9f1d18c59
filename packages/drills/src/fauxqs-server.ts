// The SQS emulator in its own process, so the code under test does not share its CPU.
import { startFauxqs } from 'fauxqs';

const server = await startFauxqs({ port: Number(process.env['PORT'] ?? 0), logger: false, host: 'localhost' });
process.stdout.write(`FAUXQS ${server.port}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
