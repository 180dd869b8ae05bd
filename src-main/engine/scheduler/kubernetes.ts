import type { RunPlan } from './plan.ts'

export interface KubernetesOptions {
  image: string
  /** A PersistentVolumeClaim holding the data and the project, mounted at the same path in every pod. */
  claim?: string
  mountPath?: string
  cpu?: string
  memory?: string
  gpus?: number
}

function yamlString(s: string): string {
  return JSON.stringify(s)
}

/**
 * An Indexed Job: Kubernetes starts `completions` pods, each with its index in JOB_COMPLETION_INDEX,
 * which the container's args read through Kubernetes' own $(VAR) expansion, so the image needs no
 * wrapper script. backoffLimitPerIndex reruns a failed index alone, as the Slurm driver does.
 */
export function indexedJobManifest(plan: RunPlan, o: KubernetesOptions): string {
  const name = `activeem-${plan.command[0]}-${Date.now().toString(36)}`
  const args = [...plan.command, '--block', `$(JOB_COMPLETION_INDEX)/${plan.jobs}`]
  const limits = [
    ...(o.cpu ? [`                cpu: ${yamlString(o.cpu)}`] : []),
    ...(o.memory ? [`                memory: ${yamlString(o.memory)}`] : []),
    ...(o.gpus ? [`                nvidia.com/gpu: ${o.gpus}`] : []),
  ]
  const mount = o.mountPath ?? plan.cwd
  return [
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  completionMode: Indexed',
    `  completions: ${plan.jobs}`,
    `  parallelism: ${plan.jobs}`,
    '  backoffLimitPerIndex: 1',
    `  maxFailedIndexes: ${plan.jobs}`,
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    '      containers:',
    '        - name: block',
    `          image: ${yamlString(o.image)}`,
    `          workingDir: ${yamlString(plan.cwd)}`,
    // The image puts the CLI on PATH (npm install -g, or npm link in its checkout).
    '          command: ["activeem"]',
    `          args: [${args.map(yamlString).join(', ')}]`,
    ...(limits.length > 0
      ? ['          resources:', '            limits:', ...limits.map((l) => l.slice(4))]
      : []),
    ...(o.claim
      ? [
          '          volumeMounts:',
          '            - name: data',
          `              mountPath: ${yamlString(mount)}`,
          '      volumes:',
          '        - name: data',
          '          persistentVolumeClaim:',
          `            claimName: ${yamlString(o.claim)}`,
        ]
      : []),
    '',
  ].join('\n')
}
