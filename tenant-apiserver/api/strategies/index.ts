// Strategy lookup: one small file per resource family registers its strategies
// (side-effect imports below); resources without one get the generic behaviour.

import './pods.js';
import './namespaces.js';
import './services.js';
import './config.js';
import './events.js';
import './core-workloads.js';
import './volumes.js';
import './cluster.js';
import './apps.js';
import './batch.js';
import './autoscaling.js';
import './networking.js';
import './policy.js';
import './rbac.js';
import './storage.js';
import './scheduling.js';
import './coordination.js';

export { registerStrategy, registeredStrategies, strategyFor } from './register.js';

// Helpers other layers reuse (admission, controllers, the syncer).
export { defaultPodSpec, defaultPodTemplateSpec, podQosClass, validatePodSpec, validatePodTemplateSpec, imagePullPolicyFor } from './pod-spec.js';
export type { PodSpecOptions, QosClass } from './pod-spec.js';
export { parseQuantity, formatQuantity, compareQuantities, canonicalQuantity, addQuantities } from './quantity.js';
export type { Quantity } from './quantity.js';
export { defaultPod, podQos } from './pods.js';
export { coreEventToEventsV1, eventsV1ToCoreEvent } from './events.js';
export { hpaV1ToV2, hpaV2ToV1 } from './autoscaling.js';
export { selectorMatches } from './validators.js';
