/** The recipe search of `edgeml optimize` (see run-search.ts). */
export { choosePoint, dominates, type FrontPoint, searchFront } from './front.js';
export {
  type PruneChoice,
  parseDuration,
  parsePruneChoice,
  SEARCH_OPTIONS,
  SEARCH_QUANTIZE,
  SEARCH_STUDENTS,
} from './options.js';
export {
  packageTargetOf,
  type Recipe,
  recipeConfig,
  recipeId,
  recipeLabel,
  recipeSpace,
  recipeStages,
  TEACHER_RECIPE,
} from './recipe.js';
export {
  CHOICE_RULE,
  runSearch,
  type SearchOptions,
  type SearchPoint,
  type SearchReport,
  type SearchResult,
  type SearchSkipped,
} from './run-search.js';
