/** A line diff as `diff -u` prints it, for showing a template's changes before they overwrite SES. */

type Edit = { readonly kind: ' ' | '-' | '+'; readonly line: string };

/** Above this many cells the middle of the diff is shown as replaced whole, rather than computed line by line. */
const MAX_TABLE_CELLS = 4_000_000;

/**
 * The unified diff (3 lines of context) from `before` to `after`, headed `--- fromLabel` / `+++ toLabel`;
 * an empty string when they are the same.
 */
export function unifiedDiff(before: string, after: string, fromLabel: string, toLabel: string, context = 3): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const edits = lineEdits(a, b);
  const hunks: string[] = [];
  let index = 0;
  while (index < edits.length) {
    const firstChange = edits.findIndex((edit, i) => i >= index && edit.kind !== ' ');
    if (firstChange === -1) break;
    const start = Math.max(index, firstChange - context);
    let end = firstChange;
    // Extend the hunk while the next change is within two contexts of the last one.
    for (let i = firstChange; i < edits.length; i++) {
      if (edits[i]?.kind !== ' ') end = i;
      else if (i - end > 2 * context) break;
    }
    const stop = Math.min(edits.length, end + context + 1);
    const slice = edits.slice(start, stop);
    const oldStart = edits.slice(0, start).filter((edit) => edit.kind !== '+').length;
    const newStart = edits.slice(0, start).filter((edit) => edit.kind !== '-').length;
    const oldCount = slice.filter((edit) => edit.kind !== '+').length;
    const newCount = slice.filter((edit) => edit.kind !== '-').length;
    hunks.push(
      `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`,
      ...slice.map((edit) => `${edit.kind}${edit.line}`),
    );
    index = stop;
  }
  const noNewline = (text: string) => text !== '' && !text.endsWith('\n');
  if (noNewline(before) !== noNewline(after)) hunks.push('\\ the two versions differ in the final newline');
  return [`--- ${fromLabel}`, `+++ ${toLabel}`, ...hunks].join('\n');
}

function range(start: number, count: number): string {
  if (count === 0) return `${start},0`;
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => line.replace(/\r$/, ''));
}

/** The shortest edit script: common head and tail kept, the middle by longest common subsequence. */
function lineEdits(a: readonly string[], b: readonly string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const keep = (lines: readonly string[]): Edit[] => lines.map((line) => ({ kind: ' ', line }));
  return [...keep(a.slice(0, head)), ...middleEdits(midA, midB), ...keep(a.slice(a.length - tail))];
}

function middleEdits(a: readonly string[], b: readonly string[]): Edit[] {
  const removed = (line: string): Edit => ({ kind: '-', line });
  const added = (line: string): Edit => ({ kind: '+', line });
  if (a.length * b.length > MAX_TABLE_CELLS || a.length === 0 || b.length === 0) {
    return [...a.map(removed), ...b.map(added)];
  }
  // lengths[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? (lengths[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lengths[(i + 1) * width + j] ?? 0, lengths[i * width + j + 1] ?? 0);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      edits.push({ kind: ' ', line: a[i] as string });
      i++;
      j++;
    } else if ((lengths[(i + 1) * width + j] ?? 0) >= (lengths[i * width + j + 1] ?? 0)) {
      edits.push(removed(a[i++] as string));
    } else {
      edits.push(added(b[j++] as string));
    }
  }
  return [...edits, ...a.slice(i).map(removed), ...b.slice(j).map(added)];
}
