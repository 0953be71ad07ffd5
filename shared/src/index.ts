export * from './enums.js';
export * from './system.js';
export * from './pki.js';
export * from './api-inputs.js';
export * from './auth.js';
export * from './permissions.js';
export * from './audit-verification.js';
export * from './audit.js';
