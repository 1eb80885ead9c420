/** Page size of the model (4 KiB, as on arm64 with 4K pages). */
export const PAGE_SIZE = 4096;
export const pageAlign = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
