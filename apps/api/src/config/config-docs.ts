import { SETTING_GROUPS } from './config.js';
import { settingDocs, type SettingDoc } from './setting.js';

const BEGIN = '<!-- settings: generated from the declarations in apps/api/src/config by `npm run config-docs -w apps/api`; edit them, not these tables -->';
const END = '<!-- end of settings -->';

// a table cell ends at an unescaped pipe
const cell = (markdown: string) => markdown.replace(/\|/g, '\\|');

function defaultCell(doc: SettingDoc): string {
  if (doc.default === undefined) return doc.unset ?? '—';
  return [`\`${doc.default}\``, doc.defaultNote].filter(Boolean).join(' ');
}

/** docs/configuration.md's tables, one per group of settings, each row from one setting's declaration. */
export function renderSettingTables(): string {
  const sections = SETTING_GROUPS.map((group) => {
    const rows = Object.entries(group.settings).map(([name, schema]) => {
      const doc = settingDocs.get(schema);
      if (!doc) throw new Error(`${name}: declared without a doc (use withDefault or optional of config/setting.ts)`);
      return `| \`${name}\` | ${cell(doc.doc)} | ${cell(defaultCell(doc))} |`;
    });
    return [`## ${group.title}`, '', '| variable | meaning | default |', '|---|---|---|', ...rows].join('\n');
  });
  return [BEGIN, ...sections, END].join('\n\n');
}

/** `markdown` with its generated tables (between the markers, or appended when it has none) replaced by fresh ones. */
export function withSettingTables(markdown: string): string {
  const start = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (start === -1 || end < start) return `${markdown.trimEnd()}\n\n${renderSettingTables()}\n`;
  return `${markdown.slice(0, start)}${renderSettingTables()}${markdown.slice(end + END.length)}`;
}
