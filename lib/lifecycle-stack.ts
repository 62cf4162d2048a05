import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { LifecycleEngine, type LifecycleEngineProps } from './lifecycle-engine.js';

export interface LifecycleStackProps extends StackProps, LifecycleEngineProps {}

/**
 * A stack that holds one LifecycleEngine and nothing else: what this repository deploys (bin/app.ts).
 * The engine's id is `Default`, which CDK leaves out of logical ids, so that its resources keep the ids
 * they had when the stack built them itself (a new id would replace the table).
 */
export class LifecycleStack extends Stack {
  public readonly engine: LifecycleEngine;

  constructor(scope: Construct, id: string, props: LifecycleStackProps) {
    super(scope, id, props);
    this.engine = new LifecycleEngine(this, 'Default', props);
  }
}
