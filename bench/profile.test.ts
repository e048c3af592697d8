import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summarizeProfile } from './profile.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-profile-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: '0' });

describe('summarizeProfile', () => {
  it('adds self time per function and inclusive time for project frames only, ignoring idle', () => {
    // root -> handle (project) -> parse (dependency); root -> (idle)
    const prof = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 4] },
        { id: 2, callFrame: frame('handle', 'file:///x/dist/tenant-apiserver/server/server.js', 9), children: [3] },
        { id: 3, callFrame: frame('parse', 'file:///x/node_modules/yaml/dist/index.js', 0), children: [] },
        { id: 4, callFrame: frame('(idle)'), children: [] },
      ],
      samples: [2, 3, 3, 4, 4, 4],
      timeDeltas: [1000, 2000, 3000, 50_000, 50_000, 50_000],
    };
    const file = path.join(dir, 'a.cpuprofile');
    fs.writeFileSync(file, JSON.stringify(prof));
    const s = summarizeProfile(file);
    expect(s.totalMs).toBe(6);
    expect(s.byFunction[0]).toMatchObject({ name: 'parse yaml/dist/index.js:1', ms: 5 });
    expect(s.byFunction[1]).toMatchObject({ name: 'handle tenant-apiserver/server/server.js:10', ms: 1 });
    expect(s.byFile.map((f) => f.name)).toEqual(['yaml/dist/index.js', 'tenant-apiserver/server/server.js']);
    // handle's inclusive time covers its own sample and parse's two.
    expect(s.projectInclusive).toEqual([{ name: 'handle tenant-apiserver/server/server.js:10', ms: 6, share: 1 }]);
  });
});
