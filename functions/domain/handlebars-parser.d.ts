/// <reference types="handlebars" />

/*
 * Handlebars' parser on its own: the module `Handlebars.parse` comes from (the package's main module adds the
 * compiler, the runtime and, through the compiler's code generator, the `source-map` package). The linter only
 * parses templates, SES renders them: a bundle that lints keeps the parser alone (docs/performance.md, figure 6).
 */
declare module 'handlebars/dist/cjs/handlebars/compiler/base.js' {
  export const parse: typeof Handlebars.parse;
}
