import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import react from 'eslint-plugin-react';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The tiers (README, "Where to look next"): domain vocabulary → forms → utils → models, each
 * owning its tables → services → routes; components, hooks and emails render. A tier imports
 * only from the tiers before it, and what the browser bundle reaches never imports server code.
 */
const up = (...tiers) => `(^|/)(${tiers.join('|')})/`;
const SERVER_CODE = {
  regex: String.raw`\.server(\.tsx?)?$|^node:|^(knex|pino|pino-http|nodemailer|sqlite3|express|@workos-inc/node|@node-rs/argon2)(/|$)`,
  allowTypeImports: true,
  message: 'Code the browser bundle reaches stays free of server code (a type import is fine).',
};
const above = (message, ...tiers) => ({ regex: up(...tiers), message });
const tierRule = (...patterns) => ({ 'no-restricted-imports': 'off', '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });
const tierBlocks = [
  {
    files: ['app/domain/**'],
    rules: tierRule(above('Domain vocabulary imports only itself.', 'forms', 'utils', 'models', 'services', 'routes', 'components', 'hooks', 'emails'), {
      regex: '^(?![.~]).',
      message: 'Domain vocabulary is plain values: no packages.',
    }),
  },
  {
    files: ['app/forms/**'],
    rules: tierRule(
      above('Forms read input; they never reach models, services, routes or the page.', 'models', 'services', 'routes', 'components', 'hooks', 'emails'),
      SERVER_CODE,
    ),
  },
  {
    files: ['app/utils/**'],
    ignores: ['app/utils/*.server.ts'],
    rules: tierRule(
      above('Utils never import models, services or routes.', 'forms', 'models', 'services', 'routes', 'components', 'hooks', 'emails'),
      SERVER_CODE,
    ),
  },
  {
    files: ['app/utils/*.server.ts'],
    rules: tierRule(above('Utils never import models, services or routes.', 'forms', 'models', 'services', 'routes', 'components', 'hooks')),
  },
  {
    files: ['app/models/**'],
    rules: tierRule(above('Models never import services or routes (services call models).', 'services', 'routes', 'components', 'hooks')),
  },
  { files: ['app/services/**'], rules: tierRule(above('Services never import routes.', 'routes', 'components', 'hooks')) },
  {
    files: ['app/components/**', 'app/hooks/**'],
    rules: tierRule(above('Components render what routes hand them: no models or services.', 'models', 'services', 'routes'), SERVER_CODE),
  },
  { files: ['app/emails/**'], rules: tierRule(above('Emails render what models hand them.', 'models', 'services', 'routes', 'hooks')) },
].map((block) => ({ ...block, ignores: [...(block.ignores ?? []), '**/*.test.*'] }));

export default tseslint.config(
  { ignores: ['build/**', 'public/build/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.cache/**'] },
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
      'no-restricted-syntax': [
        'error',
        {
          // A string replacement expands `$&`, `` $` ``, `$'` and `$1` — in text a person typed, that
          // multiplies it. Build the replacement in a function, which is inserted as it is.
          selector: "CallExpression[callee.property.name=/^replace(All)?$/][arguments.1.type='TemplateLiteral'][arguments.1.expressions.length>0]",
          message: 'Pass a function as the replacement (() => text): a string replacement expands $ patterns in the text it inserts.',
        },
      ],
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
