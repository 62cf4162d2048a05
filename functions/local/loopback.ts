import type { IncomingHttpHeaders } from 'node:http';

/** The names a browser or a tool may give this machine's loopback interface. */
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;

/** A refusal of the local servers: always 403, with a JSON body that names what to do. */
export interface LoopbackRefusal {
  readonly status: 403;
  readonly body: { readonly error: 'Forbidden'; readonly message: string };
}

/** `127.0.0.1:3000`, `localhost:3000` and `[::1]:3000` (and the bare names on port 80). */
function loopbackHosts(port: number): string[] {
  return LOOPBACK_NAMES.flatMap((name) => (port === 80 ? [`${name}:${port}`, name] : [`${name}:${port}`]));
}

/**
 * Why a request to a local server listening on `port` is refused, or undefined when it may go on.
 *
 * The local servers listen on 127.0.0.1 only, yet a web page open in the developer's browser can still
 * reach them: directly (a cross-origin "simple" POST needs no permission to be sent) or through DNS
 * rebinding (a name of the attacker's that resolves to 127.0.0.1, which makes the page same-origin). So:
 * - the Host header must name the loopback interface and this port: a rebound name never does;
 * - with `crossOrigin: 'refuse'`, a request sent by a web page of another origin is refused: its `Origin`
 *   (sent by browsers on every POST) must be this server's own loopback origin, and its `Sec-Fetch-Site`
 *   `same-origin` or `none` (typed in the address bar). Tools such as curl or the SDKs send neither.
 * Nothing from the request is echoed in the answer.
 */
export function loopbackRefusal(
  headers: IncomingHttpHeaders,
  port: number,
  options: { readonly crossOrigin: 'refuse' | 'allow' },
): LoopbackRefusal | undefined {
  const hosts = loopbackHosts(port);
  const host = headers.host?.toLowerCase();
  if (host === undefined || !hosts.includes(host)) {
    return refusal(`this local server answers only requests addressed to ${hosts[0]}, ${hosts[1]} or ${hosts[2]}`);
  }
  if (options.crossOrigin === 'allow') return undefined;
  const origin = headers.origin?.toLowerCase();
  const fetchSite = headers['sec-fetch-site']?.toLowerCase();
  if (
    (origin !== undefined && !hosts.some((name) => origin === `http://${name}`)) ||
    (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none')
  ) {
    return refusal(
      'cross-origin requests are refused: the local endpoints answer the command line (curl, lifecycle) and their own pages, not other web sites',
    );
  }
  return undefined;
}

function refusal(message: string): LoopbackRefusal {
  return { status: 403, body: { error: 'Forbidden', message } };
}
