export * from './storage.js';
export { LocalDiskStorage } from './local-disk.js';
export { MemoryStorage } from './memory.js';
