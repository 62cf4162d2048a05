import { type CatalogueProduct, CatalogueProductSchema } from '../../domain/events.js';
import { WebAddressSchema } from '../../domain/web-address.js';
import { compact, cut } from '../field-values.js';
import { productCategories, productPage, variantAvailability } from '../webhooks/shopify.js';
import { type CsvRecord, readCsvStream } from './csv.js';
import { catalogueProductEvent, lineProblem } from './ndjson.js';
import { decimalAmount, RowProblem, ShopifyExportParser, type ShopifyOrdersCsvItem } from './shopify-orders-csv.js';

/*
 * Shopify's product export (admin > Products > Export, "CSV for Excel, Numbers, or other spreadsheet
 * programs") as catalogue products, for `backfill --products FILE --source shopify`.
 *
 * Layout (help.shopify.com/en/manual/products/import-export/using-csv). One row per variant and/or image, in
 * file order, every row carrying its product's Handle. The first row of a Handle carries the product's fields
 * (Title, Type, Tags, Product Category, Published, Status, Option names) and its first variant; the following
 * rows leave those empty and carry more variants (Option values, Variant SKU, Variant Price, ...), more images
 * (Image Src, Image Position), or both. Headers are matched by name, as in the orders export, with the newer
 * names Shopify's Help Center now gives (URL handle, SKU, Price, Compare-at price, Inventory quantity) as
 * aliases.
 *
 * Mapping: one catalogue product per variant, with the ids the orders export gives its line items, so that
 * backfilled orders and the catalogue meet (see shopify-orders-csv.ts: productId = Lineitem sku, else
 * Lineitem name).
 * - id: Variant SKU; without one, the variant's title below, which is what the orders export writes as
 *   Lineitem name for that variant.
 * - title: Title, and " - " with the variant's option values joined by " / " unless they are Shopify's
 *   "Default Title" (a product without variants), as Shopify names line items: "Merino Beanie - Charcoal".
 * - url: <storeUrl>/products/<Handle> only while Status is active and Published is true (a file without
 *   these columns, from before Shopify wrote them, is taken as active and published).
 * - imageUrl: Variant Image, else the product's first Image Src in file order.
 * - price: Variant Price in the shop currency; compareAtPrice: Variant Compare At Price when higher.
 * - availability: out of stock unless Status is active; then in stock when the inventory is not tracked
 *   (Variant Inventory Tracker empty), the policy is `continue`, or Variant Inventory Qty > 0, as the product
 *   webhooks decide.
 * - categories: Type, the last level of Product Category (Shopify's taxonomy path "A > B > Hats"), then
 *   Tags, each once, at most MAX_PRODUCT_CATEGORIES: the webhooks give Type and Tags.
 * - updatedAt: given by the caller (the file's modification time, or --as-of): the export has no times.
 *
 * A bad row is rejected with its line and the column, never a value; a bad first row takes its whole
 * product with it (its other rows are not checked), a bad variant row only that variant.
 */

export type ShopifyProductsCsvItem = ShopifyOrdersCsvItem;

export interface ShopifyProductsCsvOptions {
  /** The shop currency (`sources.shopify.currency`, else the reporting currency). */
  readonly currency: string;
  /** The storefront's address (`storeUrl`): products' pages are under it. */
  readonly storeUrl: string | undefined;
  /** The time of this state of the catalogue, as an ISO 8601 instant. */
  readonly updatedAt: string;
}

const COLUMNS = {
  handle: ['handle', 'url handle'],
  title: ['title'],
  type: ['type'],
  tags: ['tags'],
  category: ['product category'],
  published: ['published', 'published on online store'],
  status: ['status'],
  option1: ['option1 value'],
  option2: ['option2 value'],
  option3: ['option3 value'],
  sku: ['variant sku', 'sku'],
  tracker: ['variant inventory tracker', 'inventory tracker'],
  quantity: ['variant inventory qty', 'inventory quantity'],
  policy: ['variant inventory policy'],
  price: ['variant price', 'price'],
  compareAt: ['variant compare at price', 'compare at price'],
  imageSrc: ['image src', 'product image url'],
  variantImage: ['variant image', 'variant image url'],
} as const satisfies Record<string, readonly string[]>;

type Column = keyof typeof COLUMNS;

const LABELS: Record<Column, string> = {
  handle: 'Handle',
  title: 'Title',
  type: 'Type',
  tags: 'Tags',
  category: 'Product Category',
  published: 'Published',
  status: 'Status',
  option1: 'Option1 Value',
  option2: 'Option2 Value',
  option3: 'Option3 Value',
  sku: 'Variant SKU',
  tracker: 'Variant Inventory Tracker',
  quantity: 'Variant Inventory Qty',
  policy: 'Variant Inventory Policy',
  price: 'Variant Price',
  compareAt: 'Variant Compare At Price',
  imageSrc: 'Image Src',
  variantImage: 'Variant Image',
};

const REQUIRED: readonly Column[] = ['handle', 'title', 'price'];

/** The canonical product's fields, as the columns they come from, for rejections. */
const FIELD_COLUMNS: Record<string, Column> = {
  id: 'sku',
  title: 'title',
  url: 'handle',
  imageUrl: 'variantImage',
  price: 'price',
  compareAtPrice: 'compareAt',
  categories: 'type',
};

/** Shopify's option value for the one variant of a product without variants. */
const DEFAULT_TITLE = 'Default Title';

interface Variant {
  readonly line: number;
  readonly record: CsvRecord;
}

/** The rows of one Handle as they arrive. */
interface PendingProduct {
  readonly handle: string;
  readonly line: number;
  readonly first: CsvRecord;
  readonly variants: Variant[];
  /** Image Src of the product's rows, in file order. */
  readonly images: string[];
  readonly problems: { line: number; reason: string }[];
}

/** Feed it every record of the file in order with `accept`, then call `finish` once. */
export class ShopifyProductsCsvParser extends ShopifyExportParser<Column, PendingProduct> {
  /** Handles and product ids already seen, with their first line: one of them twice in a file is rejected. */
  private readonly handles = new Map<string, number>();
  private readonly ids = new Map<string, number>();

  constructor(private readonly options: ShopifyProductsCsvOptions) {
    super({ columns: COLUMNS, required: REQUIRED, labels: LABELS, exportName: 'products' });
  }

  protected acceptRow(record: CsvRecord): ShopifyProductsCsvItem[] {
    if (record.error !== undefined) {
      return [{ kind: 'rejected', line: record.line, reason: `the row is not valid CSV: ${record.error}` }];
    }
    const handle = this.value(record, 'handle');
    if (!handle) {
      return [
        { kind: 'rejected', line: record.line, reason: `${LABELS.handle} is empty: the row belongs to no product` },
      ];
    }
    if (this.current?.handle === handle) {
      this.row(this.current, record);
      return [];
    }
    const out = this.current ? this.complete(this.current) : [];
    this.current = undefined;
    const earlier = this.handles.get(handle);
    if (earlier !== undefined) {
      out.push({ kind: 'rejected', line: record.line, reason: `the same Handle already appears on line ${earlier}` });
      return out;
    }
    this.handles.set(handle, record.line);
    const product: PendingProduct = {
      handle,
      line: record.line,
      first: record,
      variants: [],
      images: [],
      problems: [],
    };
    if (!this.value(record, 'title')) product.problems.push({ line: record.line, reason: `${LABELS.title} is empty` });
    this.current = product;
    this.row(product, record);
    return out;
  }

  /** A row of the product: a variant when it has a price, SKU or option value; an image when it has one. */
  private row(product: PendingProduct, record: CsvRecord): void {
    const image = this.value(record, 'imageSrc');
    if (image) {
      if (WebAddressSchema.safeParse(image).success) product.images.push(image);
      else product.problems.push({ line: record.line, reason: `${LABELS.imageSrc} is not a web address` });
    }
    const variantColumns: Column[] = ['price', 'sku', 'option1', 'option2', 'option3'];
    if (record === product.first || variantColumns.some((column) => this.value(record, column))) {
      product.variants.push({ line: record.line, record });
    }
  }

  protected complete(product: PendingProduct): ShopifyProductsCsvItem[] {
    // A bad first row or image leaves the product unknown: none of its variants is kept.
    if (product.problems.length > 0) return product.problems.map((problem) => ({ kind: 'rejected', ...problem }));
    const out: ShopifyProductsCsvItem[] = [];
    for (const variant of product.variants) {
      try {
        const catalogueProduct = this.variantProduct(product, variant.record);
        const earlier = this.ids.get(catalogueProduct.id);
        if (earlier !== undefined) {
          throw new RowProblem(`the same ${LABELS.sku} (or title) already appears on line ${earlier}`);
        }
        this.ids.set(catalogueProduct.id, variant.line);
        out.push({ kind: 'event', event: catalogueProductEvent(catalogueProduct, 'shopify'), line: variant.line });
      } catch (error) {
        if (!(error instanceof RowProblem)) throw error;
        out.push({ kind: 'rejected', line: variant.line, reason: error.message });
      }
    }
    return out;
  }

  private variantProduct(product: PendingProduct, record: CsvRecord): CatalogueProduct {
    const { currency, storeUrl, updatedAt } = this.options;
    const first = product.first;
    const title = this.value(first, 'title');
    const options = (['option1', 'option2', 'option3'] as const)
      .map((column) => this.value(record, column))
      .filter(Boolean);
    const variantTitle =
      options.length === 0 || (options.length === 1 && options[0] === DEFAULT_TITLE)
        ? title
        : `${title} - ${options.join(' / ')}`;
    const priceText = this.value(record, 'price');
    if (!priceText) throw new RowProblem(`${LABELS.price} is empty`);
    const price = decimalAmount(priceText, currency, LABELS.price);
    const compareAtText = this.value(record, 'compareAt');
    const compareAt = compareAtText ? decimalAmount(compareAtText, currency, LABELS.compareAt) : undefined;
    const quantityText = this.value(record, 'quantity');
    if (quantityText && !/^-?\d{1,10}$/.test(quantityText)) {
      throw new RowProblem(`${LABELS.quantity} is not a whole number`);
    }
    const status = this.columns?.status === undefined ? 'active' : this.value(first, 'status').toLowerCase();
    const published = this.columns?.published === undefined || this.value(first, 'published').toLowerCase() === 'true';
    const forSale = status === 'active';
    const availability = forSale
      ? variantAvailability({
          inventory_management: this.value(record, 'tracker'),
          inventory_policy: this.value(record, 'policy').toLowerCase(),
          inventory_quantity: quantityText ? Number(quantityText) : undefined,
        })
      : 'out_of_stock';
    const categoryLeaf = this.value(first, 'category').split('>').at(-1);
    const candidate = compact({
      id: cut(this.value(record, 'sku') || variantTitle, 200),
      title: cut(variantTitle, 300),
      url: forSale && published ? productPage(product.handle, { storeUrl }) : undefined,
      imageUrl: this.value(record, 'variantImage') || product.images[0],
      price: { amount: price, currency },
      compareAtPrice: compareAt !== undefined && compareAt > price ? { amount: compareAt, currency } : undefined,
      availability,
      categories: productCategories([this.value(first, 'type'), categoryLeaf], this.value(first, 'tags')),
      updatedAt,
    });
    const result = CatalogueProductSchema.safeParse(candidate);
    if (!result.success) {
      const issue = result.error.issues[0];
      const column = FIELD_COLUMNS[String(issue?.path[0] ?? '')];
      throw new RowProblem(column ? `${LABELS[column]}: ${issue?.message ?? 'invalid'}` : lineProblem(result.error));
    }
    return result.data;
  }
}

/**
 * The export as a stream of text chunks: catalogue products (as `product.upserted` events) and rejections
 * come out product by product, in file order.
 */
export async function* readShopifyProductsCsv(
  chunks: AsyncIterable<string> | Iterable<string>,
  options: ShopifyProductsCsvOptions,
): AsyncGenerator<ShopifyProductsCsvItem> {
  const parser = new ShopifyProductsCsvParser(options);
  for await (const record of readCsvStream(chunks)) yield* parser.accept(record);
  yield* parser.finish();
}
