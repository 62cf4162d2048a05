/** Business time. Lambda uses the system clock; the local runtime and the simulator move it at will. */
export interface Clock {
  now(): Date;
}
