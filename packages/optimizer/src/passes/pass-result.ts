/** The result shape every IR pass returns: a new graph (the input is never mutated) and a report. */

import type { IrGraph } from '../ir/types.js';

/** A pass's output: the new graph and what the pass did. */
export interface IrPassResult<Report> {
  /** The transformed graph (a new object; the input graph is untouched). */
  readonly graph: IrGraph;
  /** What the pass changed, in numbers and names. */
  readonly report: Report;
}

/** A node the pass left alone, with the reason. */
export interface SkippedNode {
  /** Node name. */
  readonly node: string;
  /** Why it was not changed. */
  readonly reason: string;
}
