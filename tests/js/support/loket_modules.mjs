// Resolves the pages' bare module names ("loket/calendar") as the import map does in the
// browser (server/web/importmap.py), for tests of modules that import others:
//   import { register } from "node:module";
//   register("./support/loket_modules.mjs", import.meta.url);
//   const { ... } = await import("../../static/js/reportview.js");

const STATIC_JS = new URL("../../../static/js/", import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  const match = /^loket\/([\w-]+)$/.exec(specifier);
  if (match) return { url: new URL(`${match[1]}.js`, STATIC_JS).href, shortCircuit: true };
  return nextResolve(specifier, context);
}
