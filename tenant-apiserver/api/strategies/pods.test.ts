import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import './index.js';
import { strategyFor } from './register.js';
import { UPDATABLE_POD_SPEC_FIELDS, bindPod } from './pods.js';
import { create, info, update } from './testkit.js';
import type { KubeObject } from '../types.js';

const pods = info({ resource: 'pods', kind: 'Pod' });
const s = strategyFor(pods);

function pod(spec: Record<string, unknown> = {}): KubeObject {
  return { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec } };
}

function created(spec: Record<string, unknown> = {}): KubeObject {
  const r = create(pods, pod(spec));
  expect(r.errors).toEqual([]);
  return r.obj;
}

describe('pod create', () => {
  it('sets status Pending with the QoS class and fully defaults the spec', () => {
    const p = created({ containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '1', memory: '1Gi' } } }] });
    expect(p.status).toEqual({ phase: 'Pending', qosClass: 'Guaranteed' });
    const spec = p.spec as Record<string, unknown>;
    expect(spec.enableServiceLinks).toBe(true);
    expect(spec.serviceAccountName).toBe('default');
    expect(spec.restartPolicy).toBe('Always');
  });

  it('replaces client-sent status', () => {
    const r = create(pods, { ...pod(), status: { phase: 'Running', podIP: '1.2.3.4' } });
    expect(r.obj.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('marks scheduling-gated pods', () => {
    const p = created({ schedulingGates: [{ name: 'example.com/wait' }] });
    expect((p.status as Record<string, unknown>).conditions).toEqual([
      {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: '2025-01-02T03:04:05Z',
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
      },
    ]);
  });

  it('reports the missing image the way kube words it', () => {
    expect(create(pods, pod({ containers: [{ name: 'a' }] })).errors).toEqual(['spec.containers[0].image: Required value']);
  });

  it('forbids ephemeral containers and nodeName with gates on create', () => {
    expect(create(pods, pod({ ephemeralContainers: [{ name: 'dbg', image: 'busybox:1' }] })).errors).toContain(
      'spec.ephemeralContainers: Forbidden: cannot be set on create',
    );
    expect(create(pods, pod({ nodeName: 'n1', schedulingGates: [{ name: 'g' }] })).errors).toContain(
      'spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared',
    );
  });

  it('fails malformed quantities as a 400 decode error', () => {
    const body = pod({ containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: 'lots' } } }] });
    let err: unknown;
    try {
      create(pods, body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
    expect((err as ApiError).message).toBe(
      'Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
    );
  });

  it('canonicalises quantities', () => {
    const p = created({ containers: [{ name: 'a', image: 'x:1', resources: { requests: { cpu: '0.5', memory: '1024Mi' } } }] });
    expect(((p.spec as { containers: { resources: unknown }[] }).containers[0]!).resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' } });
  });
});

describe('pod update', () => {
  it('allows image, activeDeadlineSeconds and toleration additions', () => {
    const old = created({ tolerations: [{ key: 'a', operator: 'Exists' }] });
    const next = structuredClone(old);
    const spec = next.spec as Record<string, unknown>;
    (spec.containers as Record<string, unknown>[])[0]!.image = 'nginx:1.28';
    spec.activeDeadlineSeconds = 100;
    spec.tolerations = [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }];
    expect(update(pods, next, old).errors).toEqual([]);
  });

  it('refuses other spec changes with kube\'s message', () => {
    const old = created();
    const next = structuredClone(old);
    (next.spec as Record<string, unknown>).nodeName = 'n2';
    const errs = update(pods, next, old).errors;
    expect(errs).toHaveLength(1);
    expect(errs[0]!.split('\n')[0]).toBe(
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    );
    expect(errs[0]).toContain('+ \tspec.nodeName: "n2"');
    expect(UPDATABLE_POD_SPEC_FIELDS).toHaveLength(5);
  });

  it('refuses removing a toleration and changing container count', () => {
    const old = created({ tolerations: [{ key: 'a', operator: 'Exists' }] });
    const next = structuredClone(old);
    (next.spec as Record<string, unknown>).tolerations = [];
    expect(update(pods, next, old).errors).toContain('spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds');
    const more = structuredClone(old);
    (more.spec as { containers: unknown[] }).containers.push({ name: 'b', image: 'x:1' });
    expect(update(pods, more, old).errors).toEqual(['spec.containers: Forbidden: pod updates may not add or remove containers']);
  });

  it('only lets activeDeadlineSeconds shrink', () => {
    const old = created({ activeDeadlineSeconds: 10 });
    const next = structuredClone(old);
    (next.spec as Record<string, unknown>).activeDeadlineSeconds = 20;
    expect(update(pods, next, old).errors).toEqual(['spec.activeDeadlineSeconds: Invalid value: 20: must be less than or equal to previous value']);
    delete (next.spec as Record<string, unknown>).activeDeadlineSeconds;
    expect(update(pods, next, old).errors).toEqual(['spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive integer to nil value']);
  });

  it('lets a negative grace period become 1, nothing else', () => {
    const old = created({ terminationGracePeriodSeconds: -1 });
    const next = structuredClone(old);
    (next.spec as Record<string, unknown>).terminationGracePeriodSeconds = 1;
    expect(update(pods, next, old).errors).toEqual([]);
    (next.spec as Record<string, unknown>).terminationGracePeriodSeconds = 5;
    expect(update(pods, next, old).errors[0]).toMatch(/^spec: Forbidden: pod updates may not change fields other than/);
  });

  it('keeps status on main-resource updates and lets status writes through', () => {
    const old = created();
    const next = structuredClone(old);
    next.status = { phase: 'Running' };
    const r = update(pods, next, old);
    expect((r.obj.status as Record<string, unknown>).phase).toBe('Pending');
    const st = update(pods, { ...structuredClone(old), status: { phase: 'Running', podIPs: [{ ip: 'nope' }] } }, old, { subresource: 'status' });
    expect(st.obj.status).toMatchObject({ phase: 'Running' });
    expect(st.errors).toEqual(['status.podIPs[0]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
  });

  it('treats QoS as immutable', () => {
    const old = created();
    const next = structuredClone(old);
    (next.spec as { containers: Record<string, unknown>[] }).containers[0]!.resources = { requests: { cpu: '1' } };
    expect(update(pods, next, old).errors).toContain('metadata: Invalid value: "BestEffort": Pod QoS is immutable');
  });
});

describe('pod deletion and selection', () => {
  it('grants grace only to scheduled, running pods', () => {
    const unscheduled = created();
    expect(s.gracePeriodSeconds!(unscheduled, undefined)).toBe(0);
    expect(s.gracePeriodSeconds!(unscheduled, 30)).toBe(0);
    const scheduled = created({ nodeName: 'n1', terminationGracePeriodSeconds: 45 });
    expect(s.gracePeriodSeconds!(scheduled, undefined)).toBe(45);
    expect(s.gracePeriodSeconds!(scheduled, 5)).toBe(5);
    expect(s.gracePeriodSeconds!(scheduled, -3)).toBe(1);
    expect(s.gracePeriodSeconds!({ ...scheduled, spec: { ...(scheduled.spec as object), terminationGracePeriodSeconds: undefined } }, undefined)).toBe(30);
    expect(s.gracePeriodSeconds!({ ...scheduled, status: { phase: 'Succeeded' } }, 10)).toBe(0);
    expect(s.gracePeriodSeconds!({ ...scheduled, status: { phase: 'Failed' } }, undefined)).toBe(0);
    expect(s.returnDeletedObject).toBe(true);
  });

  it('exposes kube\'s pod field selectors', () => {
    const p = created({ nodeName: 'n1' });
    p.status = { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }], nominatedNodeName: 'n2' };
    expect(s.selectableFields!(p)).toEqual({
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': 'default-scheduler',
      'spec.serviceAccountName': 'default',
      'spec.hostNetwork': 'false',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.5',
      'status.nominatedNodeName': 'n2',
    });
  });
});

describe('pod binding', () => {
  const binding = (name: string, kind?: string): KubeObject => ({ metadata: { name: 'p', annotations: { 'scheduler.example.com/score': '7' } }, target: { name, kind } });

  it('sets the node, the annotations and PodScheduled', () => {
    const p = bindPod(created(), binding('n1', 'Node'), new Date('2025-01-02T03:04:05Z'));
    expect((p.spec as Record<string, unknown>).nodeName).toBe('n1');
    expect(p.metadata!.annotations).toEqual({ 'scheduler.example.com/score': '7' });
    expect((p.status as { conditions: unknown }).conditions).toEqual([
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-02T03:04:05Z' },
    ]);
  });

  it('refuses bound, gated and malformed bindings with kube\'s errors', () => {
    const bound = created({ nodeName: 'n0' });
    let e: unknown;
    try {
      bindPod(bound, binding('n1'), new Date());
    } catch (x) {
      e = x;
    }
    expect((e as ApiError).code).toBe(409);
    expect((e as ApiError).message).toBe('Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n0"');
    expect(() => bindPod(created({ schedulingGates: [{ name: 'g' }] }), binding('n1'), new Date())).toThrow('pod p has non-empty .spec.schedulingGates');
    expect(() => bindPod(created(), binding('', 'Pod'), new Date())).toThrow(
      'Binding "p" is invalid: [target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>", target.name: Required value]',
    );
  });

  it('accepts the bound pod as a binding update, and nothing else', () => {
    const old = created();
    const bound = bindPod(structuredClone(old), binding('n1'), new Date());
    expect(update(pods, bound, old, { subresource: 'binding', keepStatus: true }).errors).toEqual([]);
    const sneaky = structuredClone(bound);
    (sneaky.spec as Record<string, unknown>).hostname = 'h';
    expect(update(pods, sneaky, old, { subresource: 'binding', keepStatus: true }).errors).toEqual(['spec: Forbidden: a binding may only set spec.nodeName']);
  });
});

describe('pod subresources', () => {
  it('lets ephemeralcontainers add debug containers only', () => {
    const old = created();
    const next = structuredClone(old);
    (next.spec as Record<string, unknown>).ephemeralContainers = [{ name: 'debug', image: 'busybox:1', targetContainerName: 'app' }];
    expect(update(pods, next, old, { subresource: 'ephemeralcontainers' }).errors).toEqual([]);
    const withPorts = structuredClone(next);
    ((withPorts.spec as { ephemeralContainers: Record<string, unknown>[] }).ephemeralContainers[0]!).ports = [{ containerPort: 80 }];
    expect(update(pods, withPorts, old, { subresource: 'ephemeralcontainers' }).errors).toEqual([
      'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container',
    ]);
    const withDebug = update(pods, next, old, { subresource: 'ephemeralcontainers' }).obj;
    const removed = structuredClone(withDebug);
    (removed.spec as Record<string, unknown>).ephemeralContainers = [];
    expect(update(pods, removed, withDebug, { subresource: 'ephemeralcontainers' }).errors).toEqual([
      'spec.ephemeralContainers: Forbidden: existing ephemeral containers "debug" may not be removed\n',
    ]);
  });

  it('lets resize change cpu and memory, keeping the QoS class', () => {
    const old = created({ containers: [{ name: 'a', image: 'x:1', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] });
    const next = structuredClone(old);
    (next.spec as { containers: Record<string, unknown>[] }).containers[0]!.resources = { requests: { cpu: '200m', memory: '64Mi' } };
    expect(update(pods, next, old, { subresource: 'resize' }).errors).toEqual([]);
    const imageToo = structuredClone(next);
    (imageToo.spec as { containers: Record<string, unknown>[] }).containers[0]!.image = 'x:2';
    expect(update(pods, imageToo, old, { subresource: 'resize' }).errors).toEqual(['spec: Forbidden: only cpu and memory resources are mutable']);
  });
});
