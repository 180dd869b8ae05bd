export { Project, DB_FILE } from './project.ts'
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './migrations.ts'
