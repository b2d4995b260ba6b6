// GraphQL over HTTP conformance: runs graphql-http's server audits against a URL and
// prints one JSON array of {id, name, status, reason} (status: ok | notice | warn | error).
// Usage: node audit.mjs http://127.0.0.1:8000/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}
const results = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  results.push({
    id: audit.id,
    name: audit.name,
    status: result.status,
    reason: result.status === 'ok' ? null : result.reason,
  });
}
process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
