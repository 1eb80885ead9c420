/** firmware/: the CSF MCU model (interfaces, doorbells, IRQs, protected mode: fw.ts; the CS interpreter: cs-interp.ts; FW unknowns: assumptions.ts). */
export * from './fw.js';
export * from './cs-interp.js';
export * from './assumptions.js';
