import { invokeLocally } from '../functions/local/lambda-context.js';
import type { BenchContext } from './context.js';
import { createWiring } from './harness.js';
import { fmt, percentile, type Section } from './report.js';
import { SOURCES, signedOrderRequest } from './requests.js';

/**
 * Figure 1: the webhook function alone, per source. Each request is an order placed as the storefront
 * posts it (the repository's real-format fixtures), signed with the source's algorithm, and a new event
 * every time: signature check, zod parsing and PutEvents (answered in-process, counted; the function
 * writes nothing to DynamoDB, the column stays to show it). Requests are sent one after the other, as one
 * warm Lambda instance takes them; signing is done before the clock starts. Besides the wall-clock
 * latencies, the process's CPU time per request, which a loaded machine disturbs far less.
 */
export async function webhookIngest(context: BenchContext): Promise<Section> {
  const perSource = context.quick ? 150 : 1_000;
  const warmup = context.quick ? 30 : 100;
  const wiring = await createWiring(await context.engines());
  const invoke = async (request: ReturnType<typeof signedOrderRequest>, source: string) => {
    const response = await invokeLocally('webhook', wiring.webhook, request, 30_000);
    wiring.dropBusEvents();
    if (response.statusCode !== 200 || !String(response.body).includes('"accepted"')) {
      throw new Error(`${source} webhook answered ${response.statusCode}: ${response.body}`);
    }
  };
  // Warm the engines and every source's code path first.
  for (let i = 0; i < warmup; i++)
    for (const source of SOURCES) await invoke(signedOrderRequest(source, -1 - i), source);
  // Sources take turns, request by request, so that the machine's noise falls on all of them alike.
  const requests = new Map(
    SOURCES.map((source) => [source, Array.from({ length: perSource }, (_, i) => signedOrderRequest(source, i))]),
  );
  const latencies = new Map(SOURCES.map((source) => [source, [] as number[]]));
  const cpuMicros = new Map(SOURCES.map((source) => [source, 0]));
  const calls = new Map(SOURCES.map((source) => [source, { dynamoDb: 0, eventBridge: 0, wru: 0 }]));
  for (let i = 0; i < perSource; i++) {
    for (const source of SOURCES) {
      const request = requests.get(source)?.[i];
      if (!request) continue;
      const before = wiring.meter.snapshot();
      const cpu = process.cpuUsage();
      const started = performance.now();
      await invoke(request, source);
      latencies.get(source)?.push(performance.now() - started);
      const used = process.cpuUsage(cpu);
      cpuMicros.set(source, (cpuMicros.get(source) ?? 0) + used.user + used.system);
      const after = wiring.meter.snapshot();
      const totals = calls.get(source);
      if (totals) {
        totals.dynamoDb += (after.calls.DynamoDB ?? 0) - (before.calls.DynamoDB ?? 0);
        totals.eventBridge += (after.calls.EventBridge ?? 0) - (before.calls.EventBridge ?? 0);
        totals.wru += after.billedWru - before.billedWru;
      }
    }
  }
  const rows: (string | number)[][] = [];
  const data: Record<string, unknown> = {};
  for (const source of SOURCES) {
    const times = latencies.get(source) ?? [];
    const totals = calls.get(source) ?? { dynamoDb: 0, eventBridge: 0, wru: 0 };
    const busySeconds = times.reduce((sum, ms) => sum + ms, 0) / 1000;
    const figures = {
      requests: times.length,
      eventsPerSecond: times.length / busySeconds,
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      maxMs: Math.max(...times),
      cpuMsPerRequest: (cpuMicros.get(source) ?? 0) / 1000 / times.length,
      bodyBytes: Buffer.byteLength(requests.get(source)?.[0]?.body ?? ''),
      dynamoDbCallsPerEvent: totals.dynamoDb / times.length,
      eventBridgeCallsPerEvent: totals.eventBridge / times.length,
      billedWruPerEvent: totals.wru / times.length,
    };
    data[source] = figures;
    rows.push([
      source,
      figures.requests,
      fmt(figures.bodyBytes / 1024, 1),
      fmt(figures.eventsPerSecond, 0),
      fmt(figures.p50Ms, 1),
      fmt(figures.p99Ms, 1),
      fmt(figures.cpuMsPerRequest, 2),
      fmt(figures.dynamoDbCallsPerEvent, 1),
      fmt(figures.billedWruPerEvent, 1),
      fmt(figures.eventBridgeCallsPerEvent, 1),
    ]);
    context.log(`webhooks    ${source}: ${fmt(figures.eventsPerSecond, 0)} events/s`);
  }
  return {
    id: 'webhooks',
    title: '1. Webhook ingest (webhook function, one warm instance, requests one after the other)',
    columns: [
      'source',
      'requests',
      'body KB',
      'events/s',
      'p50 ms',
      'p99 ms',
      'CPU ms',
      'DynamoDB calls',
      'WRU',
      'PutEvents',
    ],
    rows,
    notes: [
      'A signed order per request (the fixtures), each a new event: verify → parse → PutEvents (answered in-process, counted). Calls and WRU per event.',
      "CPU ms: the process's CPU time (user + system) per request, on the clock with the request; DynamoDB Local's own, in its Java process, is not in it.",
      `events/s = requests / time inside the handler; sources take turns request by request after ${warmup} warm-up requests each. Signing happens before the clock starts.`,
      'Logs SILENT and metrics disabled (in Lambda both go to stdout); the customer function behind the bus is not run here.',
    ],
    data,
  };
}
