// Every workflow the worker registers; the worker bundles this file.
export { catalogCheck } from './catalog-check';
export { itemWorkflow } from './item';
export { weeklyDigest } from './digest';
