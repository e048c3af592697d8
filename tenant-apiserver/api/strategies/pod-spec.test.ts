import { describe, expect, it } from 'vitest';
import { defaultPodSpec, imagePullPolicyFor, podQosClass, podSpecQuantityError, validatePodSpec, validatePodTemplateSpec } from './pod-spec.js';
import { messages } from './testkit.js';
import type { Obj } from './util.js';

function spec(extra: Obj = {}): Obj {
  return { containers: [{ name: 'app', image: 'nginx:1.27' }], ...extra };
}

function defaulted(s: Obj, pod = false): Obj {
  const c = structuredClone(s);
  defaultPodSpec(c, { pod });
  return c;
}

function errs(s: Obj, pod = false): string[] {
  return messages(validatePodSpec(defaulted(s, pod), 'spec', { pod }));
}

describe('imagePullPolicyFor', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['registry.example.com:5000/team/app', 'Always'],
    ['registry.example.com:5000/team/app:1.0', 'IfNotPresent'],
    ['nginx:1.27', 'IfNotPresent'],
    ['nginx@sha256:' + 'a'.repeat(64), 'IfNotPresent'],
    ['nginx:latest@sha256:' + 'a'.repeat(64), 'Always'],
    ['', 'IfNotPresent'],
    ['Nginx', 'IfNotPresent'],
  ])('%s → %s', (image, want) => {
    expect(imagePullPolicyFor(image)).toBe(want);
  });
});

describe('defaultPodSpec', () => {
  it('fills the PodSpec and container defaults kube materialises in templates', () => {
    const s = defaulted(spec({ containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }] }] }));
    expect(s).toEqual({
      containers: [
        {
          name: 'app',
          image: 'nginx',
          imagePullPolicy: 'Always',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
    });
  });

  it('adds the Pod-only defaults when asked', () => {
    const s = defaulted(spec({ containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '0.5', memory: '1024Mi' } } }] }), true);
    expect(s.enableServiceLinks).toBe(true);
    expect(s.serviceAccountName).toBe('default');
    expect(s.serviceAccount).toBe('default');
    expect((s.containers as Obj[])[0]!.resources).toEqual({ limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } });
  });

  it('keeps templates free of Pod-only defaults', () => {
    const s = defaulted(spec({ containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '1' } } }] }));
    expect(s.enableServiceLinks).toBeUndefined();
    expect(s.serviceAccountName).toBeUndefined();
    expect((s.containers as Obj[])[0]!.resources).toEqual({ limits: { cpu: '1' } });
  });

  it('mirrors the deprecated serviceAccount both ways', () => {
    expect(defaulted(spec({ serviceAccount: 'robot' })).serviceAccountName).toBe('robot');
    expect(defaulted(spec({ serviceAccountName: 'bot', serviceAccount: 'other' })).serviceAccount).toBe('bot');
  });

  it('defaults probes, volumes and field refs', () => {
    const s = defaulted({
      containers: [
        {
          name: 'a',
          image: 'x:1',
          livenessProbe: { httpGet: { port: 8080 } },
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        },
      ],
      volumes: [{ name: 'v1', secret: { secretName: 's' } }, { name: 'v2', configMap: { name: 'c' } }, { name: 'v3' }, { name: 'v4', hostPath: { path: '/x' } }],
    });
    const c = (s.containers as Obj[])[0]!;
    expect(c.livenessProbe).toEqual({
      httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(((c.env as Obj[])[0]!.valueFrom as Obj).fieldRef).toEqual({ fieldPath: 'spec.nodeName', apiVersion: 'v1' });
    expect(s.volumes).toEqual([
      { name: 'v1', secret: { secretName: 's', defaultMode: 420 } },
      { name: 'v2', configMap: { name: 'c', defaultMode: 420 } },
      { name: 'v3', emptyDir: {} },
      { name: 'v4', hostPath: { path: '/x', type: '' } },
    ]);
  });

  it('is idempotent', () => {
    const once = defaulted(spec({ volumes: [{ name: 'v' }] }), true);
    expect(defaulted(once, true)).toEqual(once);
  });

  it('gives hostNetwork pods host ports equal to container ports', () => {
    const s = defaulted(spec({ hostNetwork: true, containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 53 }] }] }), true);
    expect((s.containers as Obj[])[0]!.ports).toEqual([{ containerPort: 53, hostPort: 53, protocol: 'TCP' }]);
  });
});

describe('validatePodSpec', () => {
  it('accepts a defaulted minimal spec', () => {
    expect(errs(spec())).toEqual([]);
    expect(errs(spec(), true)).toEqual([]);
  });

  it('requires containers and images', () => {
    expect(errs({ containers: [] })).toEqual(['spec.containers: Required value']);
    expect(errs({ containers: [{ name: 'a' }] })).toContain('spec.containers[0].image: Required value');
  });

  it('checks container names', () => {
    const e = errs({ containers: [{ name: 'A_b', image: 'x:1' }, { name: 'c', image: 'x:1' }, { name: 'c', image: 'y:1' }] });
    expect(e[0]).toMatch(/^spec\.containers\[0\]\.name: Invalid value: "A_b": a lowercase RFC 1123 label must consist of/);
    expect(e).toContain('spec.containers[2].name: Duplicate value: "c"');
    expect(errs({ containers: [{ image: 'x:1' }] })).toContain('spec.containers[0].name: Required value');
    expect(errs({ containers: [{ name: 'a', image: 'x:1' }], initContainers: [{ name: 'a', image: 'x:1' }] })).toContain(
      'spec.initContainers[0].name: Duplicate value: "a"',
    );
  });

  it('checks ports', () => {
    const e = errs(
      spec({
        containers: [
          {
            name: 'a',
            image: 'x:1',
            ports: [
              { containerPort: 70000, name: 'http' },
              { containerPort: 80, name: 'http' },
              { containerPort: 81, name: 'Bad--Name', protocol: 'ICMP' },
              { name: 'web' },
            ],
          },
        ],
      }),
    );
    expect(e).toContain('spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive');
    expect(e).toContain('spec.containers[0].ports[1].name: Duplicate value: "http"');
    expect(e).toContain('spec.containers[0].ports[2].name: Invalid value: "Bad--Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
    expect(e).toContain('spec.containers[0].ports[2].name: Invalid value: "Bad--Name": must not contain consecutive hyphens');
    expect(e).toContain('spec.containers[0].ports[2].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"');
    expect(e).toContain('spec.containers[0].ports[3].containerPort: Required value');
  });

  it('checks volumes and mounts', () => {
    const e = errs({
      containers: [{ name: 'a', image: 'x:1', volumeMounts: [{ name: 'data', mountPath: '/d' }, { name: 'missing', mountPath: '/d' }] }],
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'data', emptyDir: {} },
        { name: 'two', emptyDir: {}, secret: { secretName: 's' } },
        { name: 'nosecret', secret: {} },
      ],
    });
    expect(e).toContain('spec.volumes[1].name: Duplicate value: "data"');
    expect(e).toContain('spec.volumes[2].secret: Forbidden: may not specify more than 1 volume type');
    expect(e).toContain('spec.volumes[3].secret.secretName: Required value');
    expect(e.some((m) => m.startsWith('spec.containers[0].volumeMounts[1].name: ') && m.includes('"missing"'))).toBe(true);
    expect(e).toContain('spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique');
  });

  it('checks restartPolicy and dnsPolicy with kube\'s enumerations', () => {
    expect(errs(spec({ restartPolicy: 'Sometimes' }))).toEqual([
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
    expect(errs(spec({ dnsPolicy: 'Mine' }))).toEqual([
      'spec.dnsPolicy: Unsupported value: "Mine": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
    ]);
    expect(errs(spec({ dnsPolicy: 'None' }))).toEqual(['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']);
  });

  it('checks resources: requests ≤ limits, names, signs, extended resources', () => {
    const res = (resources: Obj) => errs({ containers: [{ name: 'a', image: 'x:1', resources }] });
    expect(res({ requests: { cpu: '2' }, limits: { cpu: '1' } })).toEqual([
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]);
    expect(res({ requests: { cpu: '1000m' }, limits: { cpu: '1' } })).toEqual([]);
    expect(res({ requests: { memory: '-1Mi' } })).toEqual(['spec.containers[0].resources.requests[memory]: Invalid value: "-1Mi": must be greater than or equal to 0']);
    expect(res({ limits: { disk: '1' } })).toEqual([
      'spec.containers[0].resources.limits[disk]: Invalid value: "disk": must be a standard resource type or fully qualified',
      'spec.containers[0].resources.limits[disk]: Invalid value: "disk": must be a standard resource for containers',
    ]);
    expect(res({ requests: { 'example.com/gpu': '1' } })).toEqual([
      'spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources',
    ]);
    expect(res({ requests: { 'example.com/gpu': '1' }, limits: { 'example.com/gpu': '2' } })).toEqual([
      'spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2',
    ]);
    expect(res({ limits: { 'example.com/gpu': '500m' } })).toEqual(['spec.containers[0].resources.limits[example.com/gpu]: Invalid value: "500m": must be an integer']);
  });

  it('validates probes and forbids them on plain init containers', () => {
    expect(errs({ containers: [{ name: 'a', image: 'x:1', livenessProbe: {} }] })).toEqual([
      'spec.containers[0].livenessProbe: Required value: must specify a handler type',
    ]);
    expect(errs({ containers: [{ name: 'a', image: 'x:1', livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } }] })).toEqual([
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
    ]);
    expect(errs(spec({ initContainers: [{ name: 'i', image: 'x:1', readinessProbe: { exec: { command: ['true'] } } }] }))).toEqual([
      'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
    ]);
    expect(errs(spec({ initContainers: [{ name: 'i', image: 'x:1', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } }] }))).toEqual([]);
  });

  it('checks env, tolerations and host ports', () => {
    expect(errs({ containers: [{ name: 'a', image: 'x:1', env: [{ name: 'A=B' }, { name: 'X', valueFrom: {} }] }] })).toEqual([
      "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
      'spec.containers[0].env[1].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
    ]);
    expect(errs(spec({ tolerations: [{ operator: 'Equal', value: 'x' }] }))).toEqual([
      'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    ]);
    expect(
      errs({
        containers: [
          { name: 'a', image: 'x:1', ports: [{ containerPort: 80, hostPort: 8080 }] },
          { name: 'b', image: 'x:1', ports: [{ containerPort: 81, hostPort: 8080 }] },
        ],
      }),
    ).toEqual(['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"']);
  });

  it('flags leading/trailing image whitespace only for pods', () => {
    const s = { containers: [{ name: 'a', image: ' nginx ' }] };
    expect(errs(s)).toEqual([]);
    expect(errs(s, true)).toEqual(['spec.containers[0].image: Invalid value: " nginx ": must not have leading or trailing whitespace']);
  });

  it('roots errors at the given path for templates', () => {
    const e = messages(validatePodTemplateSpec({ metadata: { labels: { a: 'b' } }, spec: defaulted({ containers: [] }) }, 'spec.template'));
    expect(e).toEqual(['spec.template.spec.containers: Required value']);
  });
});

describe('podQosClass', () => {
  const qos = (...containers: Obj[]) => podQosClass(defaulted({ containers: containers.map((c, i) => ({ name: `c${i}`, image: 'x:1', ...c })) }, true));
  it('is BestEffort without cpu/memory', () => {
    expect(qos({})).toBe('BestEffort');
    expect(qos({ resources: { limits: { 'ephemeral-storage': '1Gi' } } })).toBe('BestEffort');
  });
  it('is Guaranteed when every container limits cpu and memory at its requests', () => {
    expect(qos({ resources: { limits: { cpu: '1', memory: '1Gi' } } })).toBe('Guaranteed');
    expect(qos({ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } } })).toBe('Guaranteed');
  });
  it('is Burstable otherwise', () => {
    expect(qos({ resources: { requests: { cpu: '100m' } } })).toBe('Burstable');
    expect(qos({ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } } })).toBe('Burstable');
    expect(qos({ resources: { limits: { cpu: '1', memory: '1Gi' } } }, {})).toBe('Burstable');
  });
  it('uses pod-level resources when set', () => {
    expect(podQosClass({ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } }, containers: [{ name: 'a' }] })).toBe('Guaranteed');
  });
});

describe('podSpecQuantityError', () => {
  it('reports the first malformed quantity', () => {
    expect(podSpecQuantityError({ containers: [{ resources: { limits: { cpu: 'lots' } } }] })).toMatch(/^quantities must match the regular expression/);
    expect(podSpecQuantityError({ containers: [{ resources: { limits: { cpu: '1' } } }] })).toBeUndefined();
  });
});
