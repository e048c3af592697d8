// Strategy lookup: one small file per resource family, each registering itself;
// resources without one get the generic behaviour.

import './namespaces.js';
import './pods.js';
import './services.js';
import './config.js';
import './events.js';
import './core-workloads.js';
import './apps.js';
import './batch.js';
import './autoscaling.js';

export { registerStrategy, strategyFor } from './register.js';
