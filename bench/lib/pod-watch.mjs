/**
 * A watch on one namespace's pods over HTTPS (the admin client certificate), resumed from the last
 * resourceVersion whenever the server ends it. `onEvent(type, pod, arrivedAt)` gets every ADDED,
 * MODIFIED and DELETED event, with the time its chunk arrived (performance.now()). BOOKMARKs only
 * advance the resourceVersion; ERROR events are counted in `state`. With `resumeFromNowOnExpired`,
 * a 410 Expired restarts from the current state instead of retrying the old resourceVersion.
 * Returns { state: { reconnects, errors, lastError, events }, stop() }.
 */
import https from 'node:https';

export function watchNamespacePods({ lite, tls, namespace, resourceVersion, onEvent, retryMs = 200, resumeFromNowOnExpired = false }) {
  const agent = new https.Agent({ keepAlive: false, ca: tls.ca, cert: tls.cert, key: tls.key });
  const state = { reconnects: 0, errors: 0, lastError: undefined, events: 0 };
  let rv = resourceVersion;
  let stopped = false;
  let current;
  let retrying = false;
  const retry = () => {
    if (stopped || retrying) return;
    retrying = true;
    state.reconnects++;
    setTimeout(() => {
      retrying = false;
      connect();
    }, retryMs).unref();
  };
  const connect = () => {
    if (stopped) return;
    const path = `/api/v1/namespaces/${namespace}/pods?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`;
    const req = https.request({ agent, host: lite.host, port: lite.port, method: 'GET', path, headers: { accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        state.errors++;
        state.lastError = `watch HTTP ${res.statusCode}`;
        res.resume();
        res.on('end', retry);
        return;
      }
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk) => {
        const arrived = performance.now();
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line);
          if (ev.type === 'ERROR') {
            state.errors++;
            state.lastError = ev.object?.message;
            if (resumeFromNowOnExpired && ev.object?.code === 410) rv = '';
            continue;
          }
          rv = ev.object?.metadata?.resourceVersion ?? rv;
          if (ev.type === 'BOOKMARK') continue;
          state.events++;
          onEvent(ev.type, ev.object, arrived);
        }
      });
      res.on('end', retry);
      res.on('error', retry);
    });
    req.on('error', (e) => {
      state.errors++;
      state.lastError = e.message;
      retry();
    });
    req.end();
    current = req;
  };
  connect();
  return {
    state,
    stop() {
      stopped = true;
      current?.destroy();
      agent.destroy();
    },
  };
}
