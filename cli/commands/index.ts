/** The list of command modules, in help order. Each engineer adds their command here. */
import type { Register } from './registry.js';

export const commands: Register[] = [
];
