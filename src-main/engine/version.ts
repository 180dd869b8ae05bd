import pkg from '../../package.json' with { type: 'json' }

/** One version for the CLI, the project store and exports. */
export const APP_VERSION: string = pkg.version
