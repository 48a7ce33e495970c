/** Which lifecycle stages a search returns: MLflow's `view_type`. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Every view type, e.g. to validate input. */
export const viewTypes: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];
