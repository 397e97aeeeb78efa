/**
 * @peculiar/x509, loaded after the Reflect metadata polyfill its decorators need (the
 * reflect-metadata package must be imported first). Import X.509 tooling from here, never from
 * the package directly.
 */
import 'reflect-metadata';

export * from '@peculiar/x509';
