import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLE_DESIGN, WEBHOOK_IDEMPOTENCY_PARTITION } from '../functions/adapters/dynamodb/table-design.js';

/** What Table.grantReadData allows (the table has no stream). */
const READ_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:GetItem',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
/** What Table.grantWriteData adds. */
const WRITE_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

export interface CustomerStoreProps {
  /**
   * What happens to the table when the stack is deleted. Customer data is kept by default.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The single DynamoDB table: customers, journey runs, timelines, event receipts and webhook idempotency
 * records, with a sparse, sharded index of due timers (docs/architecture.md). On demand, with
 * point-in-time recovery and a TTL attribute for the records that expire.
 */
export class CustomerStore extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: CustomerStoreProps = {}) {
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
  }

  /** Read and write customers, runs and timelines (the customer and dispatcher functions). */
  grantCustomerReadWrite(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: [...READ_ACTIONS, ...WRITE_ACTIONS], resourceArns: this.dataArns() });
  }

  /** Read customers only (the command-line tool's role, reports). */
  grantCustomerRead(grantee: IGrantable): void {
    Grant.addToPrincipal({ grantee, actions: READ_ACTIONS, resourceArns: this.dataArns() });
  }

  /**
   * The table and its one index, by name: the same actions as the table's own grants give, without their
   * `index/*` wildcard.
   */
  private dataArns(): string[] {
    return [this.table.tableArn, `${this.table.tableArn}/index/${TABLE_DESIGN.dueIndex.name}`];
  }

  /**
   * Read and write webhook idempotency records only. The webhook function never sees customer data: it
   * may touch items whose partition key is the idempotency partition, nothing else.
   */
  grantIdempotencyRecords(grantee: IGrantable): void {
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resourceArns: [this.table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [WEBHOOK_IDEMPOTENCY_PARTITION] } },
    });
  }
}
