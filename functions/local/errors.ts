/** A part of the local runtime could not start or run; the message says what to do. */
export class LocalServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalServiceError';
  }
}
