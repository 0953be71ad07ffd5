export * from './enums.js';
export * from './system.js';
export * from './pki.js';
