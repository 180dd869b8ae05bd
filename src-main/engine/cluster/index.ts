/**
 * Clustering and diverse selection on feature vectors: k-means (sklearn's Lloyd, for grouping
 * candidates) and the k-center greedy core-set (for picking what to label next).
 */
export { kmeans, type KMeansOptions, type KMeansResult } from './kmeans.ts'
export { kCenterGreedy } from './coreset.ts'
