export * from './enums.js';
export * from './system.js';
export * from './pki.js';
export * from './api-inputs.js';
export * from './auth.js';
export * from './san.js';
