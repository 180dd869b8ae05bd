import { Project } from '../engine/store/index.ts'

/** Opens the project for one call and closes it whatever happens: no handle outlives a request. */
export function withProject<T>(dir: string, work: (project: Project) => T): T {
  const project = Project.open(dir)
  try {
    return work(project)
  } finally {
    project.close()
  }
}
