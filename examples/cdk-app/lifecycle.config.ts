import { defineConfig } from 'lifecycle-engine/config';
import { samplePack } from './journeys/sample-pack.js';

/** The shop's configuration: every field is documented in the package's docs/ and its types. */
export default defineConfig({
  storeName: 'Sample Coffee Roasters',
  storeUrl: 'https://coffee.example.com',
  sender: { from: 'Sample Coffee Roasters <hello@coffee.example.com>' },
  postalAddress: 'Sample Coffee Roasters, 1 Bean Street, Portland, OR 97201, USA',
  reportingCurrency: 'USD',
  sources: { generic: { enabled: true } },
  // The sample pack is this shop's welcome: the built-in welcome series is switched off.
  journeys: { welcomeSeries: { enabled: false } },
  customJourneys: [samplePack],
  quietHours: false,
});
