export * from './enums.js';
export * from './system.js';
