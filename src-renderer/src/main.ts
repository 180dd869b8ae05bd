import './jitless.ts'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { messageOf } from './lib/errors.ts'
import { useProjectStore } from './stores/project.ts'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)

// Nothing fails silently: any uncaught error ends up in the page's error banner.
const report = (message: string): void => useProjectStore(pinia).reportError(message)
app.config.errorHandler = (e) => report(`unexpected error: ${messageOf(e)}`)
window.addEventListener('unhandledrejection', (event) =>
  report(`unexpected error: ${messageOf(event.reason)}`),
)

app.mount('#app')
