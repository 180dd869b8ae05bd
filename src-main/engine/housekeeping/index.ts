export { volumeDependents } from './dependents.ts'
