import './jitless.ts'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { useProjectStore } from './stores/project.ts'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia)

// Nothing fails silently: any uncaught error ends up in the page's error banner.
const report = (message: string): void => useProjectStore(pinia).reportError(message)
app.config.errorHandler = (e) => report(`unexpected error: ${e instanceof Error ? e.message : String(e)}`)
window.addEventListener('unhandledrejection', (event) => {
  const reason: unknown = event.reason
  report(`unexpected error: ${reason instanceof Error ? reason.message : String(reason)}`)
})

app.mount('#app')
