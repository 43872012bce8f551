// ESLint flat config (run as `eslint -c scripts/eslint.config.js .`; it lives in scripts/
// because the top level of the repository is fixed). typescript-eslint + eslint-plugin-vue,
// the layer rule that keeps shared / main / renderer / preload apart (eslint-layers.js), and
// the layers inside the core (eslint-core-layers.js, eslint-plugin-boundaries).
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import layers, { repoRoot } from './eslint-layers.js'
import coreLayers from './eslint-core-layers.js'

export default tseslint.config(
  {
    basePath: repoRoot,
    ignores: ['out/**', 'node_modules/**', 'dist/**', '.cache/**', 'test-results/**', 'artifacts/**', '**/*.d.ts.map'],
  },
  {
    basePath: repoRoot,
    files: ['**/*.{ts,mts,cts,js,mjs,cjs,vue}'],
    extends: [tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // `_name` marks a deliberately unused argument (handlers that ignore their input).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-debugger': 'error',
      'no-var': 'error',
      'prefer-const': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // Tests poke at untyped payloads on purpose; production code stays typed.
    basePath: repoRoot,
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    basePath: repoRoot,
    files: ['**/*.vue'],
    extends: [pluginVue.configs['flat/essential']],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] } },
  },
  {
    basePath: repoRoot,
    files: ['src/**/*.{ts,vue}'],
    plugins: { posterity: layers },
    rules: { 'posterity/layers': 'error' },
  },
  {
    // src/shared runs in all three processes: no Node or DOM globals either.
    basePath: repoRoot,
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'navigator', 'localStorage', 'location', 'process', 'Buffer', '__dirname', '__filename', 'require'].map(
          (name) => ({ name, message: 'src/shared runs in main, preload and renderer alike: no Node or DOM globals' }),
        ),
      ],
    },
  },
  coreLayers,
)
