import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { keys, TABLE_DESIGN } from '../functions/adapters/dynamodb/table-design.js';

/**
 * What every service that changes a customer does with the table (domain/services/customer-change.ts and
 * the write plans): read a customer and its runs (GetItem, Query), commit changes (PutItem, UpdateItem,
 * DeleteItem, the transactions made of them), delete an outbox entry or an erased customer's items in
 * batches (BatchWriteItem). Nothing here creates, describes or scans the table.
 */
/** What enrolling a campaign's audience takes of the table (grantCampaignEnrollment). */
const CAMPAIGN_ENROLLMENT = [
  'dynamodb:Scan',
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:ConditionCheckItem',
];

const CUSTOMER_CHANGES = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

export interface CustomerTableProps {
  /**
   * What happens to the table when the stack is deleted. Customer data is kept by default.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The single DynamoDB table: customers, journey runs, timelines and event receipts, with a sparse, sharded
 * index of due timers (docs/architecture.md). On demand, with point-in-time recovery and a TTL attribute for
 * the records that expire.
 */
export class CustomerTable extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: CustomerTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_DESIGN.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_DESIGN.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_DESIGN.ttlAttribute,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_DESIGN.dueIndex.name,
      partitionKey: { name: TABLE_DESIGN.dueIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_DESIGN.dueIndex.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    // Profiles only, by stage and shard; keys only, so that a send's write of the profile writes nothing here.
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_DESIGN.audienceIndex.name,
      partitionKey: { name: TABLE_DESIGN.audienceIndex.partitionKey, type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
  }

  /** Change customers: what the links (unsubscribe, survey, confirmation) and SES's reports need. */
  grantCustomerChanges(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: CUSTOMER_CHANGES, resourceArns: [this.table.tableArn] });
  }

  /**
   * Apply storefront events: change customers, find them by address and storefront id (BatchGetItem of the
   * email and alias items), take on a new address only while it is not suppressed (ConditionCheckItem), and
   * erase a whole shop page by page (Scan).
   */
  grantCustomerEvents(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: [...CUSTOMER_CHANGES, 'dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:Scan'],
      resourceArns: [this.table.tableArn],
    });
  }

  /**
   * Dispatch due work: change customers, reserve a send only while the run is still the claim's
   * (ConditionCheckItem), read the catalogue entries of the products an email shows (BatchGetItem), and
   * read the due index.
   */
  grantDispatch(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: [...CUSTOMER_CHANGES, 'dynamodb:ConditionCheckItem', 'dynamodb:BatchGetItem'],
      resourceArns: [this.table.tableArn],
    });
    Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [this.dueIndexArn()] });
  }

  /**
   * Enroll a campaign's audience page by page (docs/campaigns.md): read a page of the parallel scan, the
   * campaign's state and imported list, enroll each recipient (a transaction: the run, absent; the profile,
   * present; the timeline entry), add to the journey's counters and write the segment's progress.
   */
  grantCampaignEnrollment(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: CAMPAIGN_ENROLLMENT, resourceArns: [this.table.tableArn] });
    // The audience index: the keys of the profiles of the stages a campaign names, or of all.
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [this.indexArn(TABLE_DESIGN.audienceIndex.name)],
    });
  }

  /**
   * Start and finish campaigns: read the campaigns' states and their segments' items and write them
   * (enrollment started, a lost page put on the queue again, enrolled, sent), in the campaigns' own
   * partitions only (`dynamodb:LeadingKeys`), and read
   * whether the audience index is open (its marker item, GetItem): a campaign starts on the index or on the scan.
   */
  grantCampaignStates(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys.campaign('*')] } },
    });
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [keys.audienceIndexReady] } },
    });
  }

  /**
   * Plan the fan-out's work: read the due index, and mark each due item as enqueued (one conditional
   * UpdateItem of the run or timer); nothing else of a customer.
   */
  grantPlan(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: ['dynamodb:UpdateItem'], resourceArns: [this.table.tableArn] });
    Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: [this.dueIndexArn()] });
  }

  /**
   * Refresh the store model: change customers, and read every customer in a parallel scan; stamp the
   * audience index key on profiles written before it (UpdateItem) and mark the index open (PutItem).
   */
  grantStoreModel(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: [...CUSTOMER_CHANGES, 'dynamodb:Scan'],
      resourceArns: [this.table.tableArn],
    });
  }

  /**
   * Keep the versions of the email templates: read a template's newest version (and its versions, to name
   * a late editor) and write new ones (a transaction of two puts), in the templates' partitions only (`dynamodb:LeadingKeys`): no customer data.
   */
  grantTemplateHistory(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      // Query: the versions of a template whose editor CloudTrail named late (docs/templates.md, "Who").
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys.template('*')] } },
    });
  }

  /**
   * The weekly report: read every customer (a parallel scan), the store model and the journeys' counters,
   * and take places in the account's send rate and quota (the sending limits item, and nothing else).
   */
  grantWeeklyReport(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:Query'],
      resourceArns: [this.table.tableArn],
    });
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [keys.sending] } },
    });
  }

  /** The due index, by name (not the `index/*` wildcard of the table's own grants). */
  private dueIndexArn(): string {
    return this.indexArn(TABLE_DESIGN.dueIndex.name);
  }

  /** One index, by name. */
  private indexArn(name: string): string {
    return `${this.table.tableArn}/index/${name}`;
  }

  /**
   * What `POST /collect` keeps: its request counters and the visitors who consented (and the links an
   * erasure finds them by), by their partition keys; never a customer's items.
   */
  grantCollectRecords(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
      conditions: {
        'ForAllValues:StringLike': {
          'dynamodb:LeadingKeys': [keys.rateCounter('*'), keys.visitor('*'), keys.visitorLinks('*')],
        },
      },
    });
  }
}
