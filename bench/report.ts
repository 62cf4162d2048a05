/** One figure of the bench: a small table for people, and its data for the JSON file. */
export interface Section {
  /** The name `--only` takes. */
  readonly id: string;
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  /** What the figures are and how they were taken, one line each. */
  readonly notes?: readonly string[];
  /** Everything measured, unrounded, for bench-results/*.json. */
  readonly data: unknown;
}

/** The `p`-th percentile (0–100) of `values`, by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** A number for the table: at most `digits` decimals, trailing zeros dropped, thousands separated. */
export function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '–';
  const rounded = Number(value.toFixed(digits));
  return rounded.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function money(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '–';
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** The sections as aligned text tables, one after the other. */
export function formatSections(sections: readonly Section[]): string {
  const out: string[] = [];
  for (const section of sections) {
    out.push('', `${section.title}  [${section.id}]`);
    const cells = [section.columns, ...section.rows].map((row) => row.map((cell) => String(cell)));
    const widths = section.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
    cells.forEach((row, index) => {
      out.push(
        `  ${row
          .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
          .join('  ')
          .trimEnd()}`,
      );
      if (index === 0) out.push(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
    });
    for (const note of section.notes ?? []) out.push(`  · ${note}`);
  }
  return out.join('\n');
}
