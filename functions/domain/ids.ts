/** Makes a new unique id with a readable prefix, e.g. `cus_…`. Random in Lambda, seeded in the simulator. */
export type IdGenerator = (prefix: 'cus' | 'run') => string;
