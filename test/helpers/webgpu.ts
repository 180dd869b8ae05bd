import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { TestContext } from 'node:test'

/** Debian's chromium ships SwiftShader's Vulkan driver: the software adapter the tests run WebGPU on. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json'

/**
 * Points the Vulkan loader at the software driver (before the engine loads Dawn), unless the device check
 * asks for whatever adapter the machine has (ACTIVEEM_WEBGPU_ADAPTER=any). Returns why WebGPU cannot
 * run here, or null. ACTIVEEM_REQUIRE_WEBGPU=1 (CI, the device check) turns a missing piece into a failure.
 */
export function useTestAdapter(): string | null {
  const any = process.env.ACTIVEEM_WEBGPU_ADAPTER === 'any'
  let missing: string | null = null
  try {
    createRequire(import.meta.url).resolve('webgpu')
  } catch {
    missing = "the optional package 'webgpu' is not installed"
  }
  if (!any && !missing) {
    if (existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD
    else missing = `no software Vulkan driver at ${SWIFTSHADER_ICD} (apt-get install chromium libvulkan1)`
  }
  if (missing && process.env.ACTIVEEM_REQUIRE_WEBGPU === '1')
    throw new Error(`ACTIVEEM_REQUIRE_WEBGPU=1 but ${missing}`)
  return missing
}

/** Skips the test when WebGPU cannot run here (never under ACTIVEEM_REQUIRE_WEBGPU=1: that threw). */
export function skipWithout(t: TestContext, missing: string | null): boolean {
  if (missing) t.skip(missing)
  return missing !== null
}
