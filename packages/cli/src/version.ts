/** The edgeml version recorded in manifests' lineage (the CLI package's version). */
export const TOOL_VERSION = '0.1.0';
