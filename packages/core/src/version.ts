/** The edgeml version recorded in manifests' lineage by every command and pipeline stage. */
export const EDGEML_VERSION = '0.1.0';
