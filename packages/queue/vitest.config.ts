import { servicesConfig } from '../../vitest.shared.ts';

export default servicesConfig();
