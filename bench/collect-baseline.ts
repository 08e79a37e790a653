// The baseline of `npm run bench:collect`: this machine's limit for a durable acknowledgement. A minimal
// Node HTTP server that appends each request's body to one file and fsyncs (fdatasync) before it answers
// 202: no parsing, no limits, no keys. Run as a child process: node bench/collect-baseline.ts FILE
// (it prints its port on stdout).
import { createServer } from 'node:http';
import { open } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';

const file = await open(process.argv[2]!, 'a');
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    void (async () => {
      await file.write(body);
      await file.datasync();
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{}');
    })();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
