// admissionregistration.k8s.io: webhook configurations and admission policies.

import { ageColumn, ageOf, arr, col, nameColumn, nameOf, obj, objs, optObj, str, byteCompare, type Json } from './format.js';
import type { Printer } from './types.js';

function webhookPrinter(): Printer {
  return {
    columns: [
      nameColumn(),
      col('Webhooks', 'integer', 'Webhooks indicates the number of webhooks registered in this configuration'),
      ageColumn(),
    ],
    cells(o, now) {
      return [nameOf(o), objs(o.webhooks).length, ageOf(o, now)];
    },
  };
}

export const mutatingWebhookConfigurationPrinter = webhookPrinter();
export const validatingWebhookConfigurationPrinter = webhookPrinter();

/** Go's generated String() of a *metav1.LabelSelector, which kube prints for selector-based param refs. */
export function goLabelSelectorString(sel: Json): string {
  const labels = obj(sel.matchLabels);
  const keys = Object.keys(labels).sort(byteCompare);
  const ml = `map[string]string{${keys.map((k) => `${k}: ${str(labels[k])},`).join('')}}`;
  const me = `[]LabelSelectorRequirement{${objs(sel.matchExpressions)
    .map((e) => `LabelSelectorRequirement{Key:${str(e.key)},Operator:${str(e.operator)},Values:[${arr(e.values).map(str).join(' ')}],},`)
    .join('')}}`;
  return `&LabelSelector{MatchLabels:${ml},MatchExpressions:${me},}`;
}

function paramKindOf(spec: Json): string {
  const pk = optObj(spec.paramKind);
  return pk ? `${str(pk.apiVersion)}/${str(pk.kind)}` : '<unset>';
}

function paramRefOf(spec: Json): string {
  const pr = optObj(spec.paramRef);
  if (!pr) return '<unset>';
  if (str(pr.name) !== '') {
    // Whether the param is cluster-scoped is unknown here, so a missing namespace prints as "*".
    return str(pr.namespace) !== '' ? `${str(pr.namespace)}/${str(pr.name)}` : `*/${str(pr.name)}`;
  }
  const sel = optObj(pr.selector);
  return sel ? goLabelSelectorString(sel) : '<unset>';
}

function policyPrinter(countColumn: string, countField: string, description: string): Printer {
  return {
    columns: [
      nameColumn(),
      col(countColumn, 'integer', description),
      col('ParamKind', 'string', 'ParamKind specifies the kind of resources used to parameterize this policy'),
      ageColumn(),
    ],
    cells(o, now) {
      const spec = obj(o.spec);
      return [nameOf(o), objs(spec[countField]).length, paramKindOf(spec), ageOf(o, now)];
    },
  };
}

function bindingPrinter(): Printer {
  return {
    columns: [
      nameColumn(),
      col('PolicyName', 'string', 'PolicyName indicates the policy definition which the policy binding binded to'),
      col('ParamRef', 'string', 'ParamRef indicates the param resource which sets the configration param'),
      ageColumn(),
    ],
    cells(o, now) {
      const spec = obj(o.spec);
      return [nameOf(o), str(spec.policyName), paramRefOf(spec), ageOf(o, now)];
    },
  };
}

export const validatingAdmissionPolicyPrinter = policyPrinter(
  'Validations',
  'validations',
  'Validations indicates the number of validation rules defined in this configuration',
);
export const mutatingAdmissionPolicyPrinter = policyPrinter(
  'Mutations',
  'mutations',
  'Mutation indicates the number of mutations rules defined in this configuration',
);
export const validatingAdmissionPolicyBindingPrinter = bindingPrinter();
export const mutatingAdmissionPolicyBindingPrinter = bindingPrinter();
