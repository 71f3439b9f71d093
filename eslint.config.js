import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import react from 'eslint-plugin-react';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The tiers (README, "Where to look next"; decision 017): domain vocabulary → forms and utils →
 * models, each owning its tables → services → routes; components and hooks render, emails are
 * content. A tier imports only from the tiers before it; code outside app/ (the server, the
 * scripts, the sandbox, the tests) is never imported from app/ (the migrations excepted, by the
 * database util); and what the browser bundle reaches never imports server code.
 */
const up = (...tiers) => `(^|/)(${tiers.join('|')})/`;
const SERVER_PACKAGES = [
  'knex',
  'pino',
  'pino-http',
  'nodemailer',
  'sqlite3',
  'express',
  'express-rate-limit',
  'helmet',
  'compression',
  'raw-body',
  'csv-stringify',
  'isbot',
  '@workos-inc/node',
  '@node-rs/argon2',
  '@zxcvbn-ts/[^/]+',
  '@remix-run/node',
  '@remix-run/express',
  'react-dom/server',
];
const SERVER_CODE = {
  regex: String.raw`\.server(\.tsx?)?$|^node:|^(${SERVER_PACKAGES.join('|')})(/|$)`,
  allowTypeImports: true,
  message: 'Code the browser bundle reaches stays free of server code (a type import is fine).',
};
const outside = (...folders) => ({ regex: String.raw`^(\.\./)+(${folders.join('|')})/`, message: 'app/ never imports the server, scripts, sandbox or tests.' });
const OUTSIDE_APP = outside('server', 'db', 'scripts', 'sandbox', 'test', 'e2e');
const above = (message, ...tiers) => ({ regex: up(...tiers), message });
const tierRule = (...patterns) => ({ 'no-restricted-imports': 'off', '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });
// A string replacement expands `$&`, `` $` ``, `$'` and `$1` — in text a person typed, that
// multiplies it. Build the replacement in a function, which is inserted as it is.
const NO_STRING_REPLACEMENT = {
  selector: "CallExpression[callee.property.name=/^replace(All)?$/][arguments.1.type='TemplateLiteral'][arguments.1.expressions.length>0]",
  message: 'Pass a function as the replacement (() => text): a string replacement expands $ patterns in the text it inserts.',
};
// An import() is not an import declaration: the import rules above cannot see where it leads.
const NO_DYNAMIC_IMPORT = { selector: 'ImportExpression', message: 'Import statically: the tier rules cannot check where an import() leads.' };
const BROWSER_SYNTAX = { 'no-restricted-syntax': ['error', NO_STRING_REPLACEMENT, NO_DYNAMIC_IMPORT] };
const tierBlocks = [
  {
    files: ['app/domain/**'],
    rules: {
      ...tierRule(above('Domain vocabulary imports only itself.', 'forms', 'utils', 'models', 'services', 'routes', 'components', 'hooks', 'emails'), {
        regex: '^(?![.~]).|^(\\.\\./)+',
        message: 'Domain vocabulary is plain values: no packages.',
      }),
      ...BROWSER_SYNTAX,
    },
  },
  {
    files: ['app/forms/**'],
    rules: {
      ...tierRule(
        above('Forms read input; they never reach models, services, routes or the page.', 'models', 'services', 'routes', 'components', 'hooks', 'emails'),
        SERVER_CODE,
        OUTSIDE_APP,
      ),
      ...BROWSER_SYNTAX,
    },
  },
  {
    files: ['app/utils/**'],
    ignores: ['app/utils/*.server.ts'],
    rules: {
      ...tierRule(
        above('Utils never import models, services or routes.', 'forms', 'models', 'services', 'routes', 'components', 'hooks', 'emails'),
        SERVER_CODE,
        OUTSIDE_APP,
      ),
      ...BROWSER_SYNTAX,
    },
  },
  {
    files: ['app/utils/*.server.ts'],
    rules: tierRule(
      above('Utils never import models, services or routes.', 'forms', 'models', 'services', 'routes', 'components', 'hooks', 'emails'),
      outside('server', 'scripts', 'sandbox', 'test', 'e2e'),
    ),
  },
  {
    files: ['app/models/**'],
    rules: tierRule(above('Models never import services or routes (services call models).', 'services', 'routes', 'components', 'hooks'), OUTSIDE_APP),
  },
  { files: ['app/services/**'], rules: tierRule(above('Services never import routes.', 'routes', 'components', 'hooks'), OUTSIDE_APP) },
  {
    files: ['app/components/**', 'app/hooks/**'],
    rules: {
      ...tierRule(
        above('Components render what routes hand them: no models, services or emails.', 'models', 'services', 'routes', 'emails'),
        SERVER_CODE,
        OUTSIDE_APP,
      ),
      ...BROWSER_SYNTAX,
    },
  },
  {
    // A folder route's sections (not its route.tsx, not its .server modules) are bundled for the browser.
    files: ['app/routes/*/*.tsx'],
    ignores: ['app/routes/*/route.tsx', 'app/routes/*/*.server.tsx'],
    rules: { ...tierRule(SERVER_CODE, OUTSIDE_APP), ...BROWSER_SYNTAX },
  },
  { files: ['app/routes/**'], ignores: ['app/routes/*/*.tsx'], rules: tierRule(OUTSIDE_APP) },
  {
    files: ['app/emails/**'],
    rules: tierRule(
      above('Emails are content: they render what models hand them.', 'forms', 'models', 'services', 'routes', 'components', 'hooks'),
      OUTSIDE_APP,
    ),
  },
].map((block) => ({ ...block, ignores: [...(block.ignores ?? []), '**/*.test.*'] }));

export default tseslint.config(
  { ignores: ['build/**', 'public/build/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.cache/**', '.bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Link values must never reach the console: log through pino, whose serializers redact.
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'smart'],
      'no-restricted-syntax': ['error', NO_STRING_REPLACEMENT],
    },
  },
  {
    files: ['**/*.tsx'],
    plugins: { react, 'react-hooks': reactHooks, 'jsx-a11y': jsxA11y },
    settings: { react: { version: 'detect' } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs['jsx-runtime'].rules,
      ...reactHooks.configs.recommended.rules,
      ...jsxA11y.configs.strict.rules,
      'react/prop-types': 'off',
      // Labels that wrap their input and a title + description span.
      'jsx-a11y/label-has-associated-control': ['error', { depth: 3 }],
    },
  },
  ...tierBlocks,
  {
    // Command-line scripts talk to a person on the terminal.
    files: ['scripts/**', 'db/seed.ts', 'e2e/global-*.ts', 'sandbox/cli.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['postcss.config.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
