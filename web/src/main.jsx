// GraphiQL for mongraph, served from the gateway's own files (no CDN).
// The page passes its settings in <script type="application/json" id="graphiql-config">.
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createClient } from 'graphql-ws';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './workers.js';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';

const config = JSON.parse(document.getElementById('graphiql-config').textContent);
const endpoint = new URL(config.endpoint, window.location.href);
const wsEndpoint = new URL(endpoint);
wsEndpoint.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

// The untouched template is no key at all: introspection (and so completion and the
// docs) works anonymously before a key is pasted, instead of failing as a bad key.
const withoutPlaceholder = (headers) =>
  Object.fromEntries(
    Object.entries(headers ?? {}).filter(([, value]) => !String(value).includes('<key>')),
  );

// Subscriptions authenticate in connection_init with the headers of the editor.
let headers = {};
const wsClient = createClient({ url: wsEndpoint.href, connectionParams: () => headers });
const httpFetcher = createGraphiQLFetcher({ url: endpoint.href, wsClient });
const fetcher = (params, options) => {
  headers = withoutPlaceholder(options?.headers);
  return httpFetcher(params, { ...options, headers });
};

createRoot(document.getElementById('graphiql')).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={config.defaultQuery}
      defaultHeaders={config.defaultHeaders}
      defaultEditorToolsVisibility="headers"
      plugins={[explorerPlugin()]}
    />
  </StrictMode>,
);
