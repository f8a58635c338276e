/** The deployment targets the package stage writes and the targets the bench stage may run. */
import { TARGET_NAMES } from '@edgeml/bench';

/** Targets of the package stage. */
export const PACKAGE_TARGETS = ['worker', 'web', 'mobile'] as const;

/** Targets of the bench stage (the bench package's target names). */
export const BENCH_TARGETS: readonly string[] = TARGET_NAMES;
