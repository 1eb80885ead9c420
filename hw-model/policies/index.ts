/** policies/: protected-mode scheduling and missing-heap policies. */
export * from './protm.js';
export * from './heap.js';
export * from './review-fixes.js';
