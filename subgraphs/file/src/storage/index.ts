export * from './storage.js';
export { LocalDiskStorage } from './local-disk.js';
export { S3Storage, type S3StorageOptions } from './s3.js';
