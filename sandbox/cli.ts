/**
 * `npm run sandbox -- [--port 4100] [--persist FILE] [--api-key sk_test_…]`: the local WorkOS
 * sandbox on its own, for poking at it with curl or pointing another process at it.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SANDBOX_API_KEY, startSandbox } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4100' },
    persist: { type: 'string' },
    'api-key': { type: 'string', default: DEFAULT_SANDBOX_API_KEY },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number, not "${values.port}".`);
  process.exit(2);
}
const sandbox = await startSandbox({ port, persistPath: values.persist, apiKeys: [values['api-key']] });
console.log(`WorkOS sandbox listening on ${sandbox.url}`);
console.log(`  API key:      ${sandbox.apiKey}`);
console.log(`  App settings: WORKOS_API_HOSTNAME=${sandbox.host} WORKOS_API_PORT=${sandbox.port} WORKOS_API_HTTPS=false`);
console.log(`  Test controls: ${sandbox.url}/__sandbox (faults, requests, webhook-endpoints, clock, events, it-invitations, reset)`);
const stop = async () => {
  await sandbox.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
