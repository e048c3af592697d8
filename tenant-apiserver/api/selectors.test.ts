import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.js';
import {
  checkFieldSelectorSupported,
  escapeFieldValue,
  exactNameFromFieldSelector,
  exactNamespaceFromFieldSelector,
  fieldSelectorRequirements,
  fieldSelectorToString,
  labelSelectorExactMatch,
  labelSelectorFromObject,
  labelSelectorIsEmpty,
  labelSelectorHints,
  rawMayMatch,
  labelSelectorToString,
  labelValueErrors,
  matchFields,
  matchLabels,
  parseFieldSelector,
  parseLabelSelector,
  qualifiedNameErrors,
} from './selectors.js';

const QNAME_REGEX_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_REGEX_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected an error');
}

function labelErr(s: string): string {
  const e = errorOf(() => parseLabelSelector(s));
  expect(e.code).toBe(400);
  expect(e.reason).toBe('BadRequest');
  return e.message;
}

describe('parseLabelSelector', () => {
  it('parses every operator', () => {
    const sel = parseLabelSelector('a=b,c==d,e!=f,g in (y,x),h notin (z),i,!j,k>5,l<10');
    expect(sel.requirements).toEqual([
      { key: 'a', operator: '=', values: ['b'] },
      { key: 'c', operator: '==', values: ['d'] },
      { key: 'e', operator: '!=', values: ['f'] },
      { key: 'g', operator: 'in', values: ['x', 'y'] },
      { key: 'h', operator: 'notin', values: ['z'] },
      { key: 'i', operator: 'exists', values: [] },
      { key: 'j', operator: '!', values: [] },
      { key: 'k', operator: 'gt', values: ['5'] },
      { key: 'l', operator: 'lt', values: ['10'] },
    ]);
  });

  it('sorts requirements by key and de-duplicates set values', () => {
    const sel = parseLabelSelector('z=1, b in (c,a,c), a');
    expect(sel.requirements.map((r) => r.key)).toEqual(['a', 'b', 'z']);
    expect(sel.requirements[1]!.values).toEqual(['a', 'c']);
  });

  it('tolerates whitespace everywhere', () => {
    const sel = parseLabelSelector('  a = b ,\tc  in  ( x , y ) ,  ! d \n');
    expect(labelSelectorToString(sel)).toBe('a=b,c in (x,y),!d');
  });

  it('treats an empty or blank string as everything', () => {
    expect(parseLabelSelector('').requirements).toEqual([]);
    expect(parseLabelSelector('   ').requirements).toEqual([]);
    expect(labelSelectorIsEmpty(parseLabelSelector(''))).toBe(true);
  });

  it('accepts empty values', () => {
    expect(parseLabelSelector('a=').requirements[0]!.values).toEqual(['']);
    expect(parseLabelSelector('a=,b').requirements[0]!.values).toEqual(['']);
    expect(parseLabelSelector('a in ()').requirements[0]!.values).toEqual(['']);
    expect(parseLabelSelector('a in (,b)').requirements[0]!.values).toEqual(['', 'b']);
    expect(parseLabelSelector('a in (b,)').requirements[0]!.values).toEqual(['', 'b']);
    expect(parseLabelSelector('a in (b,,c)').requirements[0]!.values).toEqual(['', 'b', 'c']);
  });

  it('reads in/notin as values and keys where an identifier is expected', () => {
    expect(parseLabelSelector('in in (in,notin)').requirements).toEqual([{ key: 'in', operator: 'in', values: ['in', 'notin'] }]);
    expect(parseLabelSelector('x=notin').requirements[0]!.values).toEqual(['notin']);
  });

  it('accepts prefixed keys', () => {
    const sel = parseLabelSelector('app.kubernetes.io/name=web');
    expect(sel.requirements[0]!.key).toBe('app.kubernetes.io/name');
  });

  it('reports syntax errors with kube wording', () => {
    expect(labelErr('a b')).toBe("unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    expect(labelErr(',a')).toBe("found ',', expected: !, identifier, or 'end of string'");
    expect(labelErr('a,')).toBe("found '', expected: identifier after ','");
    expect(labelErr('a=b c')).toBe("found 'c', expected: ',' or 'end of string'");
    expect(labelErr('!a=b')).toBe("found '=', expected: ',' or 'end of string'");
    expect(labelErr('!(')).toBe("unable to parse requirement: found '(', expected: identifier");
    expect(labelErr('a in x')).toBe("unable to parse requirement: found 'x' expected: '('");
    expect(labelErr('a in (x y)')).toBe("unable to parse requirement: found 'y', expected: ',' or ')'");
    expect(labelErr('a in (=)')).toBe("unable to parse requirement: found '=', expected: ',', ')' or identifier");
    expect(labelErr('a in (x,=)')).toBe("unable to parse requirement: found '=', expected: ',', or identifier");
    expect(labelErr('a in (x')).toBe("unable to parse requirement: found '', expected: ',' or ')'");
    expect(labelErr('a=(b)')).toBe("unable to parse requirement: found '(', expected: identifier");
    expect(labelErr('a>=5')).toBe("unable to parse requirement: found '=', expected: identifier");
    expect(labelErr('!=a')).toBe("found '!=', expected: !, identifier, or 'end of string'");
  });

  it('validates keys with the parser\'s <nil> field path', () => {
    expect(labelErr('app:monolith')).toBe(`unable to parse requirement: <nil>: Invalid value: "app:monolith": name part ${QNAME_REGEX_ERR}`);
    expect(labelErr('a/b/c ?=? def')).toBe(
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name ${QNAME_REGEX_ERR} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
    expect(labelErr('app.kubernetes_io/name=x')).toBe(
      'unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    );
    expect(labelErr('x'.repeat(64))).toBe(`unable to parse requirement: <nil>: Invalid value: "${'x'.repeat(64)}": name part must be no more than 63 characters`);
    expect(labelErr('/a')).toBe('unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty');
    expect(labelErr('p/')).toBe(`unable to parse requirement: <nil>: Invalid value: "p/": name part must be non-empty; name part ${QNAME_REGEX_ERR}`);
  });

  it('validates values under values[i][key]', () => {
    expect(labelErr('a=-b')).toBe(`unable to parse requirement: values[0][a]: Invalid value: "-b": ${VALUE_REGEX_ERR}`);
    const long = 'v'.repeat(64);
    expect(labelErr(`a=${long}`)).toBe(`unable to parse requirement: values[0][a]: Invalid value: "${long}": must be no more than 63 characters`);
    expect(labelErr('a in (-x,-y)')).toBe(
      `unable to parse requirement: [values[0][a]: Invalid value: "-x": ${VALUE_REGEX_ERR}, values[1][a]: Invalid value: "-y": ${VALUE_REGEX_ERR}]`,
    );
  });

  it('requires integers for gt/lt', () => {
    expect(labelErr('a>b')).toBe(`unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`);
    expect(labelErr('a<')).toBe(`unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`);
  });
});

describe('matchLabels', () => {
  const labels = { app: 'web', tier: 'front', n: '7' };
  const m = (s: string, l: Record<string, string> | undefined = labels) => matchLabels(parseLabelSelector(s), l);

  it('matches equality and inequality', () => {
    expect(m('app=web')).toBe(true);
    expect(m('app==web')).toBe(true);
    expect(m('app=db')).toBe(false);
    expect(m('app!=db')).toBe(true);
    expect(m('app!=web')).toBe(false);
    expect(m('missing!=x')).toBe(true);
    expect(m('missing=')).toBe(false);
  });

  it('matches set operators', () => {
    expect(m('tier in (back,front)')).toBe(true);
    expect(m('tier in (back)')).toBe(false);
    expect(m('tier notin (back)')).toBe(true);
    expect(m('tier notin (front)')).toBe(false);
    expect(m('missing notin (x)')).toBe(true);
    expect(m('missing in (x)')).toBe(false);
  });

  it('matches existence', () => {
    expect(m('app')).toBe(true);
    expect(m('!app')).toBe(false);
    expect(m('!missing')).toBe(true);
    expect(m('missing')).toBe(false);
  });

  it('compares integers for gt/lt and fails on non-integers', () => {
    expect(m('n>6')).toBe(true);
    expect(m('n>7')).toBe(false);
    expect(m('n<8')).toBe(true);
    expect(m('app>1')).toBe(false);
    expect(m('missing<1')).toBe(false);
  });

  it('ANDs requirements and treats undefined labels as empty', () => {
    expect(m('app=web,tier=front')).toBe(true);
    expect(m('app=web,tier=back')).toBe(false);
    expect(m('', undefined)).toBe(true);
    expect(m('!x', undefined)).toBe(true);
    expect(m('x', undefined)).toBe(false);
  });

  it('does not see inherited properties as labels', () => {
    expect(m('constructor', {})).toBe(false);
    expect(m('toString in (x)', {})).toBe(false);
  });
});

describe('labelSelectorFromObject', () => {
  it('returns undefined (nothing) for null and everything for {}', () => {
    expect(labelSelectorFromObject(null)).toBeUndefined();
    expect(labelSelectorFromObject(undefined)).toBeUndefined();
    const all = labelSelectorFromObject({})!;
    expect(matchLabels(all, { any: 'thing' })).toBe(true);
    expect(matchLabels(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] })!, {})).toBe(true);
  });

  it('combines matchLabels and matchExpressions', () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    })!;
    expect(labelSelectorToString(sel)).toBe('app=web,env notin (prod),!legacy,team,tier in (edge,front)');
    expect(matchLabels(sel, { app: 'web', tier: 'edge', team: 'x' })).toBe(true);
    expect(matchLabels(sel, { app: 'web', tier: 'edge', team: 'x', legacy: '' })).toBe(false);
    expect(matchLabels(sel, { app: 'web', tier: 'edge' })).toBe(false);
  });

  it('rejects unknown operators and bad requirements with kube wording', () => {
    expect(errorOf(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).message).toBe(
      '"Gt" is not a valid label selector operator',
    );
    expect(errorOf(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).message).toBe(
      "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    );
    expect(errorOf(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).message).toBe(
      'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
    );
    expect(errorOf(() => labelSelectorFromObject({ matchLabels: { 'bad key': 'v' } })).message).toBe(
      `key: Invalid value: "bad key": name part ${QNAME_REGEX_ERR}`,
    );
    expect(errorOf(() => labelSelectorFromObject({ matchLabels: { k: 'bad value' } })).message).toBe(
      `values[0][k]: Invalid value: "bad value": ${VALUE_REGEX_ERR}`,
    );
  });
});

describe('labelSelectorToString', () => {
  it('round-trips through the parser', () => {
    for (const s of ['a=b', 'a==b', 'a!=b', 'a in (x,y)', 'a notin (x)', 'a', '!a', 'a>1', 'a<2', 'a=b,c in (d,e)']) {
      expect(labelSelectorToString(parseLabelSelector(s))).toBe(s);
      expect(labelSelectorToString(parseLabelSelector(labelSelectorToString(parseLabelSelector(s))))).toBe(s);
    }
  });
  it('reports exact matches', () => {
    const sel = parseLabelSelector('a=1,b in (2),c in (3,4),d!=5');
    expect(labelSelectorExactMatch(sel, 'a')).toBe('1');
    expect(labelSelectorExactMatch(sel, 'b')).toBe('2');
    expect(labelSelectorExactMatch(sel, 'c')).toBeUndefined();
    expect(labelSelectorExactMatch(sel, 'd')).toBeUndefined();
    expect(labelSelectorExactMatch(sel, 'zz')).toBeUndefined();
  });
});

describe('validation helpers', () => {
  it('accept good names and values', () => {
    expect(qualifiedNameErrors('example.com/My_name-1.x')).toEqual([]);
    expect(labelValueErrors('')).toEqual([]);
    expect(labelValueErrors('a'.repeat(63))).toEqual([]);
  });
  it('measure length in bytes like Go', () => {
    expect(labelValueErrors('é'.repeat(32))[0]).toBe('must be no more than 63 characters');
  });
});

describe('parseFieldSelector', () => {
  it('parses =, == and != and sorts terms', () => {
    const sel = parseFieldSelector('status.phase!=Failed,metadata.name==a,spec.nodeName=n1');
    expect(fieldSelectorRequirements(sel)).toEqual([
      { field: 'metadata.name', op: '==', value: 'a' },
      { field: 'spec.nodeName', op: '=', value: 'n1' },
      { field: 'status.phase', op: '!=', value: 'Failed' },
    ]);
  });

  it('handles empty input and empty terms', () => {
    expect(parseFieldSelector('').requirements).toEqual([]);
    expect(parseFieldSelector(',,a=b,').requirements).toEqual([{ field: 'a', op: '=', value: 'b' }]);
    // A term with neither field nor value transforms to Everything.
    expect(parseFieldSelector('=').requirements).toEqual([]);
    expect(parseFieldSelector('a=').requirements).toEqual([{ field: 'a', op: '=', value: '' }]);
  });

  it('unescapes values and keeps escaped commas inside a term', () => {
    const sel = parseFieldSelector('a=x\\,y\\=z\\\\,b=2');
    expect(sel.requirements).toEqual([
      { field: 'a', op: '=', value: 'x,y=z\\' },
      { field: 'b', op: '=', value: '2' },
    ]);
    expect(fieldSelectorToString(sel)).toBe('a=x\\,y\\=z\\\\,b=2');
    expect(escapeFieldValue('a,b=c\\')).toBe('a\\,b\\=c\\\\');
  });

  it('splits at the first operator, keeping whitespace', () => {
    expect(parseFieldSelector(' a = b').requirements).toEqual([{ field: ' a ', op: '=', value: ' b' }]);
    expect(parseFieldSelector('a!b=c').requirements).toEqual([{ field: 'a!b', op: '=', value: 'c' }]);
  });

  it('reports errors with kube wording', () => {
    const e = errorOf(() => parseFieldSelector('a=b,nope'));
    expect(e.code).toBe(400);
    expect(e.message).toBe("invalid selector: 'a=b,nope'; can't understand 'nope'");
    expect(errorOf(() => parseFieldSelector('a=b=c')).message).toBe('invalid field selector: unescaped character in value: 61');
    expect(errorOf(() => parseFieldSelector('a=\\x')).message).toBe('invalid field selector: invalid escape sequence: \\x');
    expect(errorOf(() => parseFieldSelector('a=x\\')).message).toBe('invalid field selector: invalid escape sequence: \\');
    expect(errorOf(() => parseFieldSelector('a=!=b')).message).toBe('invalid field selector: unescaped character in value: 61');
  });
});

describe('matchFields', () => {
  const fields = { 'metadata.name': 'a', 'status.phase': 'Running' };
  it('matches and ANDs terms; a missing field reads as empty', () => {
    expect(matchFields(parseFieldSelector('metadata.name=a'), fields)).toBe(true);
    expect(matchFields(parseFieldSelector('metadata.name=b'), fields)).toBe(false);
    expect(matchFields(parseFieldSelector('status.phase!=Failed,metadata.name=a'), fields)).toBe(true);
    expect(matchFields(parseFieldSelector('status.phase!=Running'), fields)).toBe(false);
    expect(matchFields(parseFieldSelector('spec.nodeName='), fields)).toBe(true);
    expect(matchFields(parseFieldSelector('spec.nodeName!='), fields)).toBe(false);
    expect(matchFields(parseFieldSelector(''), {})).toBe(true);
  });
});

describe('checkFieldSelectorSupported', () => {
  const pod = new Set(['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase']);
  const meta = new Set(['metadata.name', 'metadata.namespace']);

  it('returns the requirements when every field is supported', () => {
    const sel = parseFieldSelector('spec.nodeName=n,metadata.name=x');
    expect(checkFieldSelectorSupported(sel, pod, 'Pod')).toEqual(sel.requirements);
  });

  it('uses the per-kind wording for kinds with their own field labels', () => {
    const e = errorOf(() => checkFieldSelectorSupported(parseFieldSelector('spec.foo=1'), pod, 'Pod'));
    expect(e.code).toBe(400);
    expect(e.message).toBe('field label not supported: spec.foo');
  });

  it('uses the default converter wording for metadata-only built-in kinds', () => {
    const e = errorOf(() => checkFieldSelectorSupported(parseFieldSelector('data.x=1'), meta, 'ConfigMap'));
    expect(e.message).toBe('"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"');
    expect(errorOf(() => checkFieldSelectorSupported(parseFieldSelector('spec.replicas=1'), meta, 'Deployment.apps')).message).toBe(
      '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });

  it('uses the field-label wording for custom resources', () => {
    expect(errorOf(() => checkFieldSelectorSupported(parseFieldSelector('spec.x=1'), meta, 'Widget.example.com')).message).toBe(
      'field label not supported: spec.x',
    );
    expect(errorOf(() => checkFieldSelectorSupported(parseFieldSelector('spec.x=1'), meta, 'Widget')).message).toBe(
      'field label not supported: spec.x',
    );
    // A custom resource reusing a built-in name is told apart by its group.
    expect(errorOf(() => checkFieldSelectorSupported(parseFieldSelector('spec.x=1'), meta, 'Deployment.example.com')).message).toBe(
      'field label not supported: spec.x',
    );
  });

  it('uses the per-kind wording for built-ins whose own list omits metadata.namespace', () => {
    const node = new Set(['metadata.name', 'spec.unschedulable']);
    expect(errorOf(() => checkFieldSelectorSupported(parseFieldSelector('metadata.namespace=x'), node, 'Node')).message).toBe(
      'field label not supported: metadata.namespace',
    );
  });

  it('names the first unsupported field in sorted order', () => {
    expect(errorOf(() => checkFieldSelectorSupported(parseFieldSelector('z.b=1,a.b=2'), pod, 'Pod')).message).toBe('field label not supported: a.b');
  });
});

describe('exact name/namespace', () => {
  it('extracts metadata.name and metadata.namespace equality terms only', () => {
    const sel = parseFieldSelector('metadata.namespace==ns1,metadata.name=web');
    expect(exactNameFromFieldSelector(sel)).toBe('web');
    expect(exactNamespaceFromFieldSelector(sel)).toBe('ns1');
    expect(exactNameFromFieldSelector(parseFieldSelector('metadata.name!=web'))).toBeUndefined();
    expect(exactNamespaceFromFieldSelector(parseFieldSelector(''))).toBeUndefined();
  });
});

describe('labelSelectorHints', () => {
  // Every object the selector matches must pass the raw pre-filter (it may only rule rows out).
  const keys = ['app', 'tier', 'tenantry.io/tenant', 'example.com/x-y_z', 'n'];
  const values = ['', 'a', 'web', 'db', 't1', 't10', '42', '7'];
  const selectors = [
    'app=web',
    'app==web',
    'app in (web,db)',
    'app notin (web)',
    'app!=web',
    'tier',
    '!tier',
    'n>10',
    'n<10',
    'tenantry.io/tenant=t1,app=web',
    'example.com/x-y_z=a',
    'app=',
    'tenantry.io/tenant in (t1,t10),tier',
  ];
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };

  it('never rules out an object the selector matches, and rules out objects without the label', () => {
    let ruledOut = 0;
    for (let i = 0; i < 3000; i++) {
      const labels: Record<string, string> = {};
      for (let j = rand(4); j > 0; j--) labels[keys[rand(keys.length)]!] = values[rand(values.length)]!;
      const annotations: Record<string, string> = rand(2) ? { [keys[rand(keys.length)]!]: values[rand(values.length)]! } : {};
      const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, labels, annotations }, spec: { containers: [] } };
      const json = JSON.stringify(obj);
      for (const text of selectors) {
        const sel = parseLabelSelector(text);
        const hints = labelSelectorHints(sel);
        const may = !hints || rawMayMatch(json, hints);
        if (matchLabels(sel, labels)) expect(may, `${text} on ${json}`).toBe(true);
        if (!may) ruledOut++;
      }
    }
    expect(ruledOut).toBeGreaterThan(1000);
    expect(labelSelectorHints(parseLabelSelector('app!=web'))).toBeUndefined();
    expect(rawMayMatch('{"metadata":{"labels":{"app":"db"}}}', labelSelectorHints(parseLabelSelector('app=web'))!)).toBe(false);
  });
});
