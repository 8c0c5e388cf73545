// A tunnel client run as another user by same-user.int.test.ts: connects to an agent's WebSocket
// and runs the real handshake with the given token. Exit codes: 0 handshake ok, 3 refused.
//   node agent-client.mjs ws://127.0.0.1:PORT/kmirror/v1 TOKEN
import { connectAgent } from '#runtime/tunnel/agent-session.js';

const [url = '', token = ''] = process.argv.slice(2);
try {
  const session = await connectAgent({ url, token, clientName: 'same-user-test' });
  process.stdout.write('handshake ok\n');
  await session.close();
  process.exit(0);
} catch (e) {
  process.stdout.write(`refused: ${(e as Error).message}\n`);
  process.exit(3);
}
