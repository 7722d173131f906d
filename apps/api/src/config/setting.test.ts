import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SETTING_GROUPS } from './config.js';
import { renderSettingTables, withSettingTables } from './config-docs.js';
import { flag, integer, optional, settingDocs, withDefault } from './setting.js';

describe('a setting declaration', () => {
  it('reads unset or blank as its default, parsed like a value that was set, and keeps the parse\'s refusals', () => {
    const env = z.object({ N: withDefault(integer(1, 10), { default: '5', doc: 'n' }), F: withDefault(flag(), { default: 'true', doc: 'f' }) });
    expect(env.parse({})).toEqual({ N: 5, F: true });
    expect(env.parse({ N: '  ', F: '' })).toEqual({ N: 5, F: true });
    expect(env.parse({ N: '7', F: '0' })).toEqual({ N: 7, F: false });
    expect(env.safeParse({ N: '11' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['N']);
  });

  it('leaves an optional one undefined when unset or blank, and records each doc by its schema', () => {
    const schema = optional(z.string(), { doc: 'o', unset: 'none' });
    expect(z.object({ O: schema }).parse({ O: ' ' })).toEqual({ O: undefined });
    expect(settingDocs.get(schema)).toEqual({ doc: 'o', unset: 'none' });
  });
});

describe('the generated reference', () => {
  it('has a row for every declared setting, each with its doc', () => {
    const tables = renderSettingTables();
    for (const group of SETTING_GROUPS) {
      expect(tables).toContain(`## ${group.title}`);
      for (const name of Object.keys(group.settings)) expect(tables).toContain(`| \`${name}\` |`);
    }
    expect(tables).toContain('| `PORT` | port the API listens on | `3000` |');
  });

  it('replaces only what lies between its markers, and appends itself to a file without them', () => {
    const once = withSettingTables('# Title\n\nintro\n');
    expect(once.startsWith('# Title\n\nintro\n\n<!-- settings:')).toBe(true);
    expect(withSettingTables(`${once}\nafter\n`)).toBe(`${once}\nafter\n`);
    expect(withSettingTables(once.replace('`3000`', '`1`'))).toBe(once);
  });
});
