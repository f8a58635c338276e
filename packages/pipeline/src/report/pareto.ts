/** The Pareto front of points that trade accuracy (higher is better) against a cost (lower is better). */

/** A point with a label. */
export interface TradeoffPoint {
  readonly label: string;
  readonly accuracy: number;
  readonly cost: number;
}

/** Labels of the points no other point beats on both accuracy and cost, cheapest first. */
export function paretoFront(points: readonly TradeoffPoint[]): string[] {
  const front = points.filter(
    (p) =>
      !points.some(
        (q) =>
          q !== p &&
          q.accuracy >= p.accuracy &&
          q.cost <= p.cost &&
          (q.accuracy > p.accuracy || q.cost < p.cost),
      ),
  );
  return front.sort((a, b) => a.cost - b.cost).map((p) => p.label);
}
