// Imported before anything that builds zod schemas: zod decides at construction time whether to
// compile validators with `new Function`, which the page's CSP forbids (and the check needs none).
import { z } from 'zod'

z.config({ jitless: true })
