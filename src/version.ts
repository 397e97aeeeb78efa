import { readFileSync } from 'node:fs';

/** lite's own version, from package.json. */
export const LITE_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The Kubernetes version lite implements and reports in /version. It must be 1.32: the kubectl on
 * these machines is a dispatcher that picks its kubectl by the server's minor version.
 */
export const KUBERNETES_VERSION = 'v1.32.0';
export const KUBERNETES_MINOR = '32';
