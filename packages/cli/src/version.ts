/** The edgeml version recorded in manifests' lineage (core's EDGEML_VERSION). */
export { EDGEML_VERSION as TOOL_VERSION } from '@edgeml/core';
