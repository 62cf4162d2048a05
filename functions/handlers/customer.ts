import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { type CanonicalEvent, CanonicalEventSchema } from '../domain/events.js';
import { type RecordCustomerEventDependencies, recordCustomerEvent } from '../domain/services/record-customer-event.js';
import type { RecordOutcome } from '../domain/services/record-outcome.js';
import type { LambdaHandler } from './http.js';
import { busEventDetail, invocationEvent } from './invocation-event.js';

export interface CustomerHandlerDependencies extends RecordCustomerEventDependencies {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The customer Lambda, target of the bus rules: one canonical event in, the customer's state, consent,
 * journeys and timeline updated atomically (or, for a product event, the product catalogue). An invalid event fails the invocation and, after the retries,
 * lands in the dead-letter queue: nothing accepted is dropped silently.
 */
export function createCustomerHandler(dependencies: CustomerHandlerDependencies) {
  const { logger, metrics } = dependencies;

  async function handle(event: CanonicalEvent): Promise<RecordOutcome> {
    const outcome = await recordCustomerEvent(dependencies, event);
    const customerId = 'customerId' in outcome ? outcome.customerId : undefined;
    logger.info('customer event recorded', {
      eventType: event.type,
      eventId: event.id,
      customerId,
      outcome: outcome.outcome,
    });
    switch (outcome.outcome) {
      case 'recorded':
        metrics.addMetric('CustomerEventRecorded', MetricUnit.Count, 1);
        if (outcome.created) metrics.addMetric('CustomerCreated', MetricUnit.Count, 1);
        if (outcome.journeysEntered.length > 0) {
          metrics.addMetric('JourneyEntered', MetricUnit.Count, outcome.journeysEntered.length);
        }
        if (outcome.offersRedeemed?.length) {
          metrics.addMetric('OfferRedeemed', MetricUnit.Count, outcome.offersRedeemed.length);
        }
        if (outcome.unconvertedCurrencies.length > 0) {
          // An order in a currency without a configured rate: counted, but not in revenue.
          logger.warn('order currency has no exchange rate', { currencies: outcome.unconvertedCurrencies });
          metrics.addMetric('OrderCurrencyUnconverted', MetricUnit.Count, 1);
        }
        break;
      case 'duplicate':
        metrics.addMetric('CustomerEventDeduplicated', MetricUnit.Count, 1);
        break;
      case 'store_order':
        metrics.addMetric('StoreOrderRecorded', MetricUnit.Count, 1);
        break;
      case 'erased':
        metrics.addMetric('CustomerErased', MetricUnit.Count, outcome.customers);
        break;
      case 'exported':
        metrics.addMetric('CustomerDataExported', MetricUnit.Count, 1);
        break;
      case 'ignored':
        metrics.addMetric('CustomerEventIgnored', MetricUnit.Count, 1);
        break;
      case 'shop_erasure':
        break;
      case 'catalogued':
        if (outcome.told) metrics.addMetric('ProductNewsTold', MetricUnit.Count, outcome.told);
        if (outcome.untold) logger.warn('product news not told to every interested customer', { told: outcome.told });
        // Superseded: a change as new or newer was kept already (a redelivery, or a late delivery).
        // Unknown: a stock change of an inventory item no product payload named (accepted, nothing changed).
        metrics.addMetric(
          outcome.write === 'written'
            ? 'ProductRecorded'
            : outcome.write === 'unknown'
              ? 'InventoryItemUnknown'
              : 'ProductChangeSuperseded',
          MetricUnit.Count,
          1,
        );
        break;
    }
    return outcome;
  }

  return middy(handle)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(invocationEvent(busEventDetail(CanonicalEventSchema), (event) => event.detail)) as unknown as LambdaHandler<
    EventBridgeEvent<string, unknown>,
    RecordOutcome
  >;
}
