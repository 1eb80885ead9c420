/** firmware/: the CSF MCU model (interfaces, doorbells, IRQs, CS interpreter, protected mode). */
export * from './regs.js';
export * from './fw.js';
export * from './assumptions.js';
