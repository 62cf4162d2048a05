/*
 * Stack traces of a bundled function in terms of its TypeScript sources, paid for at the first error instead
 * of at every cold start. lib/lifecycle-function.ts has esbuild inject this module at the top of every bundle.
 * Node's `--enable-source-maps` reads and parses the bundle's whole source map when the bundle is imported
 * (tens of milliseconds of each cold start, for a map that most starts never use); here V8's formatting of a
 * stack (`Error.prepareStackTrace`, called the first time an error's `stack` is read: by the logger, or by the
 * Lambda runtime for an error a handler throws) maps each frame of the bundle through `node:module`'s
 * SourceMap, reading the map beside the bundle (`index.mjs.map`) once, on the first stack formatted.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A frame's file as the logs show it: from the package for a dependency, from `functions/` for ours. */
function shownSource(source: string): string {
  const path = source.replace(/^file:\/\//, '');
  for (const root of ['node_modules/', 'functions/']) {
    const at = path.lastIndexOf(root);
    if (at === 0 || (at > 0 && path[at - 1] === '/')) return path.slice(at);
  }
  return path.replace(/^(\.\.\/)+/, '');
}

/** The first line of a stack, as V8 writes it: `Name: message`. */
function headline(error: unknown): string {
  try {
    return error instanceof Error ? Error.prototype.toString.call(error) : String(error);
  } catch {
    return '<error>';
  }
}

/**
 * `Error.prepareStackTrace` for the bundle at `bundleUrl`: frames of the bundle name the source file, line and
 * column (and the function's name where the map has it), other frames read as V8 writes them. A map that
 * cannot be read leaves the bundle's frames as they are.
 */
export function bundleStackTraces(bundleUrl: string): (error: unknown, frames: NodeJS.CallSite[]) => string {
  const bundlePath = fileURLToPath(bundleUrl);
  let map: SourceMap | null | undefined;
  const sourceMap = (): SourceMap | null => {
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${bundlePath}.map`, 'utf8')));
      } catch {
        map = null;
      }
    }
    return map;
  };
  const inBundle = (frame: NodeJS.CallSite | undefined): frame is NodeJS.CallSite => {
    const file = frame?.getFileName();
    return file === bundleUrl || file === bundlePath;
  };
  /** Where a frame of the bundle was in the sources, and the name the sources give what it called there. */
  const original = (frame: NodeJS.CallSite | undefined) => {
    const line = frame?.getLineNumber();
    const column = frame?.getColumnNumber();
    if (!inBundle(frame) || line == null || column == null) return undefined;
    const entry = sourceMap()?.findEntry(line - 1, column - 1);
    return entry && 'originalSource' in entry ? entry : undefined;
  };
  // The name of a frame's function, as Node's own mapping finds it: the map's name at the start of the
  // function, else at the place its caller called it.
  const originalName = (frame: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string | undefined => {
    const line = frame.getEnclosingLineNumber();
    const column = frame.getEnclosingColumnNumber();
    const enclosing = line !== null && column !== null ? sourceMap()?.findEntry(line - 1, column - 1) : undefined;
    // Node's findEntry gives the name of a mapping too, which its types leave out.
    const named = (entry: object | undefined) => (entry as { name?: string } | undefined)?.name || undefined;
    return named(enclosing) ?? named(original(caller));
  };
  const mapped = (frame: NodeJS.CallSite, caller: NodeJS.CallSite | undefined): string => {
    const entry = original(frame);
    if (!entry) return frame.toString();
    const name = originalName(frame, caller) ?? frame.getFunctionName();
    const location = `${shownSource(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    if (!name) return location;
    const kind = frame.isAsync() ? 'async ' : frame.isConstructor() ? 'new ' : '';
    return `${kind}${name} (${location})`;
  };
  return (error, frames) => {
    const lines = [headline(error)];
    for (const [index, frame] of frames.entries()) {
      try {
        lines.push(`    at ${mapped(frame, frames[index + 1])}`);
      } catch {
        lines.push(`    at ${frame}`);
      }
    }
    return lines.join('\n');
  };
}

Error.prepareStackTrace = bundleStackTraces(import.meta.url);
