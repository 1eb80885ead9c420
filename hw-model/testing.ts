/**
 * hw-model/'s test doubles: a fake kernel that answers the uAPI without the driver model, so user
 * space can be tested alone. Production code never imports this file (eslint.config.js).
 */
export { FakeKernel, type FakeKernelOptions } from './userspace/fake-kernel.js';
