export * from './rules.js';
export * from './shield.js';
