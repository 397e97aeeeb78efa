/**
 * @peculiar/x509, loaded after the minimal Reflect metadata polyfill it needs (see
 * reflect-metadata-shim.ts). Import X.509 tooling from here, never from the package directly.
 */
import './reflect-metadata-shim.js';

export * from '@peculiar/x509';
