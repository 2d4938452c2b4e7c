export * from './tables.js';
export * from './log.js';
export * from './pubsub.js';
export * from './bus.js';
export * from './iterator.js';
export * from './runtime.js';
export * from './live-ack.js';
